import { ApplicationError } from '#platform';

export const AuthErrorCode = {
  missingCredentials: 'AUTH_MISSING_CREDENTIALS',
  invalidToken: 'AUTH_INVALID_TOKEN',
  invalidApiKey: 'AUTH_INVALID_API_KEY',
  channelNotAllowed: 'AUTH_CHANNEL_NOT_ALLOWED',
  wrongCredentialKind: 'AUTH_WRONG_CREDENTIAL_KIND',
} as const;

export function unauthorized(code: string, message: string): ApplicationError {
  return new ApplicationError(code, 401, message, undefined, { 'www-authenticate': 'Bearer realm="support-intake"' });
}

export function forbidden(code: string, message: string): ApplicationError {
  return new ApplicationError(code, 403, message);
}
