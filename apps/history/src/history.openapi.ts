import type { ProblemResponse } from '#platform';
import { AUDITOR_ROLES, PRIVACY_OFFICER_ROLES } from './access/audit-access.js';

/** The 403 of an `auditor` token that names no organisation (the role alone does not say whose tickets). */
export const AUDITOR_WITHOUT_ORGANISATION = {
  status: 403,
  description: 'an auditor token names no organisation (claim org)',
} as const satisfies ProblemResponse;

/**
 * The 403 of a route whose controller requires an auditor role: the route's own description of a
 * status replaces the controller's, so it says both.
 */
export const AUDITOR_FORBIDDEN = {
  status: 403,
  description: `the token lacks the role ${AUDITOR_ROLES.join(' or ')}, or ${AUDITOR_WITHOUT_ORGANISATION.description}`,
} as const satisfies ProblemResponse;

export const PRIVACY_OFFICER_FORBIDDEN = {
  status: 403,
  description: `the token lacks the role ${PRIVACY_OFFICER_ROLES.join(' or ')}, or a privacy-officer token names no organisation (claim org), or the subject has tickets outside the officer's organisation`,
} as const satisfies ProblemResponse;

export const INVALID_QUERY = {
  status: 400,
  description: 'invalid query parameters: the field errors say which and why',
} as const satisfies ProblemResponse;

/** Any ISO-8601 form (a date alone too), hence no `date-time` format. */
export const ISO_8601 = { type: 'string', example: '2026-01-31T00:00:00Z' } as const;
