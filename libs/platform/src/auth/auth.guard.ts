import { Injectable, SetMetadata, applyDecorators, createParamDecorator } from '@nestjs/common';
import type { CanActivate, DynamicModule, ExecutionContext, Type } from '@nestjs/common';
import { APP_GUARD, ModuleRef, Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApplicationError } from '../problem.js';
import { ApiProblems } from '../problem.views.js';
import { TokenVerifier, forbidden } from './token-verifier.js';
import type { TokenVerifierOptions, UserPrincipal } from './token-verifier.js';

/** Who may call a route; every route has one (the guard refuses a route without). */
export type AccessPolicy =
  | { readonly kind: 'public' }
  /** A user bearer token; with roles, one of them. */
  | { readonly kind: 'user'; readonly roles: readonly string[] }
  /** Decided by a guard of the route's own (e.g. a token or an API key, depending on the body). */
  | { readonly kind: 'custom'; readonly guard: Type<CanActivate> };

export const ACCESS_POLICY = 'support:access-policy';

/** Anyone: health, metrics, documentation. */
export function Public(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ACCESS_POLICY, { kind: 'public' } satisfies AccessPolicy),
    // An empty requirement: anonymous access, said in the document rather than left unsaid (an
    // operation without security reads as one whose security was forgotten).
    ApiSecurity({}),
  );
}

/** A valid user bearer token with one of the roles (any role when none is given); its principal is `@CurrentPrincipal()`. */
export function Roles(...roles: readonly string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ACCESS_POLICY, { kind: 'user', roles } satisfies AccessPolicy),
    ApiBearerAuth(),
    ApiProblems(
      { status: 401, description: 'no bearer token, or one that is not valid' },
      ...(roles.length > 0
        ? [{ status: 403, description: `the token lacks the role ${roles.join(' or ')}` } as const]
        : []),
    ),
  );
}

/**
 * Access decided by a guard of the route's own (a provider of its module), which sets what
 * `@CurrentPrincipal()` gives; the global guard runs it.
 */
export function AuthenticatedBy(guard: Type<CanActivate>): MethodDecorator & ClassDecorator {
  return SetMetadata(ACCESS_POLICY, { kind: 'custom', guard } satisfies AccessPolicy);
}

/** The request as the guards leave it. */
export interface AuthenticatedRequest extends FastifyRequest {
  principal?: unknown;
}

/** The caller the route's guard established: a `UserPrincipal` for `@Roles`, whatever a custom guard sets otherwise. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): unknown => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
});

export const AccessErrorCode = { noPolicy: 'ACCESS_POLICY_MISSING' } as const;

/**
 * The global guard of every HTTP route: it reads the route's access policy, verifies the bearer
 * token and its roles for `@Roles`, and refuses a route that declares no policy at all (fail
 * closed: a new route is never public by omission). Kafka handlers are not HTTP: they pass.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenVerifier,
    private readonly moduleRef: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!policy) {
      throw new ApplicationError(AccessErrorCode.noPolicy, 500, 'this route declares no access policy and is refused');
    }
    switch (policy.kind) {
      case 'public':
        return true;
      case 'custom':
        return (await this.moduleRef.get(policy.guard, { strict: false }).canActivate(context)) === true;
      case 'user': {
        const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
        const authorization = request.headers.authorization;
        request.principal =
          policy.roles.length === 0
            ? await this.tokens.verify(authorization)
            : await this.tokens.requireRole(authorization, ...policy.roles);
        return true;
      }
    }
  }
}

/** The user a `@Roles` route was called by. */
export function userOf(principal: unknown): UserPrincipal {
  if (principal !== null && typeof principal === 'object' && (principal as { kind?: unknown }).kind === 'user')
    return principal as UserPrincipal;
  throw forbidden('AUTH_USER_REQUIRED', 'this needs a user bearer token');
}

/** Token verification and the global access guard of a service. */
export class AuthModule {
  static forRoot(options: TokenVerifierOptions): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [
        { provide: TokenVerifier, useFactory: (): TokenVerifier => new TokenVerifier(options) },
        { provide: APP_GUARD, useClass: AccessGuard },
      ],
      exports: [TokenVerifier],
    };
  }
}
