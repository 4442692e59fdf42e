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

export const TICKET_STATUSES = ['received', 'routed', 'claimed', 'replied', 'resolved', 'reopened'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const ALERT_STATUSES = ['raised', 'acknowledged', 'escalated'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const LIFECYCLE_EVENTS = [
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
