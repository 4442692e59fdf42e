export const CHANNELS = ['chat', 'form', 'phone', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export const REQUEST_TYPES = ['bug', 'feature_request', 'technical_question', 'access_problem', 'other'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const URGENCIES = ['low', 'normal', 'high', 'critical'] as const;
export type Urgency = (typeof URGENCIES)[number];

export const QUEUES = ['psm', 'support'] as const;
export type Queue = (typeof QUEUES)[number];

export const ALERT_TARGETS = ['phone-desk', 'on-call'] as const;
export type AlertTarget = (typeof ALERT_TARGETS)[number];

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/**
 * `routed`: in a queue, nobody on it; `pending`: answered, waiting for the requester; `open`: the
 * requester wrote again (or the ticket was reopened) and waits for an answer.
 */
export const TICKET_STATUSES = ['received', 'routed', 'assigned', 'claimed', 'pending', 'open', 'resolved'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const ALERT_STATUSES = ['raised', 'acknowledged', 'escalated'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const LIFECYCLE_EVENTS = [
  'assigned',
  'claimed',
  'replied',
  'resolved',
  'reopened',
  'alert.acknowledged',
  'alert.escalated',
] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

export const NOTIFICATION_OUTCOMES = ['sent', 'retrying', 'failed', 'skipped'] as const;
export type NotificationOutcome = (typeof NOTIFICATION_OUTCOMES)[number];

export const AUDIENCES = ['requester', 'psm', 'support', 'phone-desk', 'on-call'] as const;
export type Audience = (typeof AUDIENCES)[number];

export const ROLES = [
  'agent',
  'psm',
  'lead',
  'phone-desk',
  'auditor',
  'auditor:global',
  'privacy-officer',
  'privacy-officer:global',
] as const;
export type Role = (typeof ROLES)[number];

export const MESSAGE_DIRECTIONS = ['inbound', 'outbound'] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];

/** `internal`: a note among staff, never sent to the requester. */
export const MESSAGE_VISIBILITIES = ['public', 'internal'] as const;
export type MessageVisibility = (typeof MESSAGE_VISIBILITIES)[number];

export const AUTHOR_KINDS = ['requester', 'agent', 'system'] as const;
export type AuthorKind = (typeof AUTHOR_KINDS)[number];

/** Who gave a ticket to an agent: the queue's assignment policy, a team lead, or the agent. */
export const ASSIGNMENT_SOURCES = ['policy', 'lead', 'self'] as const;
export type AssignmentSource = (typeof ASSIGNMENT_SOURCES)[number];

export const AGENT_STATUSES = ['online', 'away', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];
