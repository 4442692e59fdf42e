import { forbidden } from '#platform';
import type { UserPrincipal } from '#platform';

export const AccessErrorCode = {
  organisationRequired: 'ACCESS_ORGANISATION_REQUIRED',
  otherOrganisation: 'ACCESS_OTHER_ORGANISATION',
} as const;

/** What a caller may see: every organisation, or one. */
export type AccessScope =
  | { readonly kind: 'global'; readonly actor: string }
  | { readonly kind: 'organisation'; readonly orgId: string; readonly actor: string };

export function isGlobal(scope: AccessScope): scope is Extract<AccessScope, { kind: 'global' }> {
  return scope.kind === 'global';
}

/** Refuses a filter on another organisation than the caller's. */
export function assertSameOrganisation(scope: AccessScope, orgId: string | undefined): void {
  if (scope.kind === 'organisation' && orgId !== undefined && orgId !== scope.orgId) {
    throw forbidden(AccessErrorCode.otherOrganisation, 'an auditor sees only the tickets of their own organisation');
  }
}

function organisationScope(principal: UserPrincipal, role: string): AccessScope {
  if (!principal.orgId)
    throw forbidden(
      AccessErrorCode.organisationRequired,
      `a ${role} token without ${role}:global must name its organisation (claim org)`,
    );
  return { kind: 'organisation', orgId: principal.orgId, actor: principal.userId };
}

/** The roles of each kind of history caller, for `@Roles`. */
export const AUDITOR_ROLES = ['auditor', 'auditor:global'] as const;
export const PRIVACY_OFFICER_ROLES = ['privacy-officer', 'privacy-officer:global'] as const;

/**
 * What an auditor sees (`auditor`: their own organisation; `auditor:global`: all), and for whom a
 * privacy officer acts (`privacy-officer` with an organisation: its subjects;
 * `privacy-officer:global`: anyone's). Scope is granted by an explicit role, never by a missing claim.
 */
export function auditorScope(principal: UserPrincipal): AccessScope {
  return principal.roles.includes('auditor:global')
    ? { kind: 'global', actor: principal.userId }
    : organisationScope(principal, 'auditor');
}

export function privacyOfficerScope(principal: UserPrincipal): AccessScope {
  return principal.roles.includes('privacy-officer:global')
    ? { kind: 'global', actor: principal.userId }
    : organisationScope(principal, 'privacy-officer');
}
