import { Injectable } from '@nestjs/common';
import { TokenVerifier, forbidden } from '#platform';
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

/**
 * Auditors (`auditor`: own organisation; `auditor:global`: all) and privacy officers
 * (`privacy-officer` with an organisation: that organisation's subjects; `privacy-officer:global`:
 * anyone's). Scope is granted by an explicit role, never by a claim that is missing.
 */
@Injectable()
export class AuditAccess {
  constructor(private readonly verifier: TokenVerifier) {}

  async auditor(authorization: string | undefined): Promise<AccessScope> {
    const principal = await this.verifier.requireRole(authorization, 'auditor', 'auditor:global');
    return principal.roles.includes('auditor:global')
      ? { kind: 'global', actor: principal.userId }
      : organisationScope(principal, 'auditor');
  }

  async privacyOfficer(authorization: string | undefined): Promise<AccessScope> {
    const principal = await this.verifier.requireRole(authorization, 'privacy-officer', 'privacy-officer:global');
    return principal.roles.includes('privacy-officer:global')
      ? { kind: 'global', actor: principal.userId }
      : organisationScope(principal, 'privacy-officer');
  }

  /** Whole-store operations (verifying every tenant's chain): global auditors only. */
  async globalAuditor(authorization: string | undefined): Promise<AccessScope> {
    const principal = await this.verifier.requireRole(authorization, 'auditor:global');
    return { kind: 'global', actor: principal.userId };
  }
}
