import { Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest, UserPrincipal } from '#platform';
import { CredentialsService } from './credentials.service.js';
import type { UpstreamPrincipal } from './credentials.service.js';

/** Who sent a request: a logged-in user (chat, form) or an upstream app (phone, email). */
export type Caller = UserPrincipal | UpstreamPrincipal;

/**
 * The caller of `POST /v1/requests` depends on the channel the body names: chat and form need a
 * user bearer token (the requester comes from it), phone and email an upstream app's API key
 * allowed for that channel. A body naming no known channel is not the guard's business: its
 * validation answers 400, with no caller.
 */
@Injectable()
export class RequestCallerGuard implements CanActivate {
  constructor(private readonly credentials: CredentialsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const body: unknown = request.body;
    const channel = body !== null && typeof body === 'object' ? (body as { channel?: unknown }).channel : undefined;
    if (channel === 'chat' || channel === 'form') {
      request.principal = await this.credentials.verifyBearer(request.headers.authorization);
    } else if (channel === 'phone' || channel === 'email') {
      const apiKey = request.headers['x-api-key'];
      request.principal = this.credentials.verifyApiKey(typeof apiKey === 'string' ? apiKey : undefined, channel);
    }
    return true;
  }
}
