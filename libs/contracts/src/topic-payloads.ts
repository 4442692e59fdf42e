import type { Topics } from './topics.js';
import { RequestRejectedPayload, UpstreamRequestPayload } from './payloads/request.payload.js';
import {
  PhoneDeskAlertPayload,
  QueuedTicketPayload,
  TicketRoutedPayload,
  TicketSubmittedPayload,
} from './payloads/ticket.payload.js';
import { NotificationPayload, PsmAssignmentPayload, TicketLifecyclePayload } from './payloads/lifecycle.payload.js';
import { SubjectErasedPayload } from './payloads/privacy.payload.js';
import {
  AgentPresencePayload,
  PersonalDataAccessPayload,
  TicketMessagePayload,
} from './payloads/conversation.payload.js';

/** The payload type of each topic: a publisher and a handler of the same topic cannot disagree. */
export interface TopicPayloads {
  [Topics.requests]: UpstreamRequestPayload;
  [Topics.requestsRejected]: RequestRejectedPayload;
  [Topics.ticketsSubmitted]: TicketSubmittedPayload;
  [Topics.ticketsRouted]: TicketRoutedPayload;
  [Topics.queuePsm]: QueuedTicketPayload;
  [Topics.queueSupport]: QueuedTicketPayload;
  [Topics.alertsPhoneDesk]: PhoneDeskAlertPayload;
  [Topics.ticketsLifecycle]: TicketLifecyclePayload;
  [Topics.notifications]: NotificationPayload;
  [Topics.psmAssignments]: PsmAssignmentPayload;
  [Topics.subjectsErased]: SubjectErasedPayload;
  [Topics.ticketsMessages]: TicketMessagePayload;
  [Topics.agents]: AgentPresencePayload;
  [Topics.personalDataAccessed]: PersonalDataAccessPayload;
}

export const TOPIC_PAYLOAD_CLASSES: { readonly [K in keyof TopicPayloads]: new () => TopicPayloads[K] } = {
  'support.requests.v1': UpstreamRequestPayload,
  'support.requests.rejected.v1': RequestRejectedPayload,
  'support.tickets.submitted.v1': TicketSubmittedPayload,
  'support.tickets.routed.v1': TicketRoutedPayload,
  'support.queue.psm.v1': QueuedTicketPayload,
  'support.queue.support.v1': QueuedTicketPayload,
  'support.alerts.phone-desk.v1': PhoneDeskAlertPayload,
  'support.tickets.lifecycle.v1': TicketLifecyclePayload,
  'support.notifications.v1': NotificationPayload,
  'support.psm-assignments.v1': PsmAssignmentPayload,
  'support.subjects.erased.v1': SubjectErasedPayload,
  'support.tickets.messages.v1': TicketMessagePayload,
  'support.agents.v1': AgentPresencePayload,
  'support.personal-data.accessed.v1': PersonalDataAccessPayload,
};
