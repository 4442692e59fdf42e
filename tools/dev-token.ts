/**
 * Prints a development user token for trying the chat and form channels, desk or the agent
 * client locally. `npm run token -- --help` says how.
 */
import { developmentToken, DEVELOPMENT_TOKEN_LIFETIME } from './auth/development-token.js';

const USAGE = `usage: npm run token -- [sub] [org] [roles]

Prints a development user token (HS256, valid ${DEVELOPMENT_TOKEN_LIFETIME}) that the services accept with NODE_ENV=development.

  sub     the user id, the token's subject (default user-1); an agent's or PSM's id for desk
  org     the organisation id (default org-1)
  roles   comma-separated roles (default none), e.g. agent  or  psm,agent  or  lead  or  auditor:global

Environment: AUTH_JWT_SECRET, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE (default: the development values)

  npm run token -- agent-7 org-1 agent
`;

const args = process.argv.slice(2);
if (args.some((arg) => arg === '--help' || arg === '-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const unknown = args.find((arg) => arg.startsWith('-'));
if (unknown !== undefined || args.length > 3) {
  process.stderr.write(
    `token: ${unknown === undefined ? 'too many arguments' : `unknown option ${unknown}`}\n\n${USAGE}`,
  );
  process.exit(2);
}
const [sub = 'user-1', org = 'org-1', roles = ''] = args;
process.stdout.write(
  `${await developmentToken({
    sub,
    org,
    roles: roles
      .split(',')
      .map((role) => role.trim())
      .filter(Boolean),
  })}\n`,
);
