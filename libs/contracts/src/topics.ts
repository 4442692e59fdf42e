/** Every Kafka topic of the product contract. Topic names appear nowhere else in the code base. */
export const Topics = {
  requests: 'support.requests.v1',
  requestsRejected: 'support.requests.rejected.v1',
  ticketsSubmitted: 'support.tickets.submitted.v1',
  ticketsRouted: 'support.tickets.routed.v1',
  queuePsm: 'support.queue.psm.v1',
  queueSupport: 'support.queue.support.v1',
  alertsPhoneDesk: 'support.alerts.phone-desk.v1',
  ticketsLifecycle: 'support.tickets.lifecycle.v1',
  notifications: 'support.notifications.v1',
  psmAssignments: 'support.psm-assignments.v1',
  subjectsErased: 'support.subjects.erased.v1',
  ticketsMessages: 'support.tickets.messages.v1',
  agents: 'support.agents.v1',
  personalDataAccessed: 'support.personal-data.accessed.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

export interface TopicSpec {
  readonly name: TopicName;
  /** The field of the payload used as the record key. */
  readonly key: 'requestId' | 'ticketId' | 'orgId' | 'subjectRef' | 'agentId';
  /** CloudEvents `type` of the events carried. */
  readonly eventType: string;
  readonly compacted: boolean;
  /** Carries names, addresses, user ids or free text: kept no longer than the personal-data retention. */
  readonly personalData: boolean;
  readonly description: string;
}

export const TOPIC_CATALOGUE: readonly TopicSpec[] = [
  {
    name: Topics.requests,
    personalData: true,
    key: 'requestId',
    eventType: 'support.request.v1',
    compacted: false,
    description: 'raw requests from upstream apps',
  },
  {
    name: Topics.requestsRejected,
    personalData: true,
    key: 'requestId',
    eventType: 'support.request.rejected.v1',
    compacted: false,
    description: 'upstream requests that failed validation, with the reasons',
  },
  {
    name: Topics.ticketsSubmitted,
    personalData: true,
    key: 'ticketId',
    eventType: 'support.ticket.submitted.v1',
    compacted: false,
    description: 'validated, normalised tickets',
  },
  {
    name: Topics.ticketsRouted,
    personalData: false,
    key: 'ticketId',
    eventType: 'support.ticket.routed.v1',
    compacted: false,
    description: 'routing decisions',
  },
  {
    name: Topics.queuePsm,
    personalData: true,
    key: 'ticketId',
    eventType: 'support.queue.psm.ticket.v1',
    compacted: false,
    description: 'tickets for PSMs',
  },
  {
    name: Topics.queueSupport,
    personalData: true,
    key: 'ticketId',
    eventType: 'support.queue.support.ticket.v1',
    compacted: false,
    description: 'tickets for the technical support queue',
  },
  {
    name: Topics.alertsPhoneDesk,
    personalData: true,
    key: 'ticketId',
    eventType: 'support.alert.raised.v1',
    compacted: false,
    description: 'urgent access alerts',
  },
  {
    name: Topics.ticketsLifecycle,
    personalData: true,
    key: 'ticketId',
    eventType: 'support.ticket.lifecycle.v1',
    compacted: false,
    description: 'claimed / replied / resolved / reopened, alert acknowledged / escalated',
  },
  {
    name: Topics.notifications,
    personalData: true,
    key: 'ticketId',
    eventType: 'support.notification.v1',
    compacted: false,
    description: 'notification attempts and outcomes',
  },
  {
    name: Topics.psmAssignments,
    personalData: false,
    key: 'orgId',
    eventType: 'support.psm-assignment.v1',
    compacted: true,
    description: 'organisation -> dedicated PSM (null value removes it)',
  },
  {
    name: Topics.subjectsErased,
    personalData: false,
    key: 'subjectRef',
    eventType: 'support.subject.erased.v1',
    compacted: true,
    description: 'GDPR erasures of data subjects, applied by every service to its own copies, also when rebuilding',
  },
  {
    name: Topics.ticketsMessages,
    personalData: true,
    key: 'ticketId',
    eventType: 'support.ticket.message.v1',
    compacted: false,
    description: "every message of a ticket's conversation, inbound and outbound, public and internal",
  },
  {
    name: Topics.agents,
    personalData: false,
    key: 'agentId',
    eventType: 'support.agent.presence.v1',
    compacted: true,
    description: "an agent's presence, queues, capacity and languages (null value removes the agent)",
  },
  {
    name: Topics.personalDataAccessed,
    personalData: false,
    key: 'ticketId',
    eventType: 'support.personal-data.accessed.v1',
    compacted: false,
    description: "reads of a requester's personal data by staff: who read whose ticket, when, for what",
  },
];

export function topicSpec(name: TopicName): TopicSpec {
  const spec = TOPIC_CATALOGUE.find((candidate) => candidate.name === name);
  if (!spec) throw new Error(`unknown topic ${name}`);
  return spec;
}

/** Dead-letter topic of one consumer group for one source topic. */
export function deadLetterTopic(topic: string, groupId: string): string {
  return `${topic}.${groupId}.dlq`;
}

/** The consumer groups of the services; a group id is used exactly as written here. */
export const ConsumerGroups = {
  intake: 'support-intake',
  routing: 'support-routing',
  notification: 'support-notification',
  history: 'support-history',
  desk: 'support-desk',
} as const;

/**
 * Entries the history service writes into its own audit chain (not Kafka records): they share the
 * topic and type columns of the recorded events, so their names live here with the others.
 */
export const HistoryRecords = {
  subjectErased: { topic: 'history.erasures', type: 'support.history.subject-erased.v1' },
} as const;
