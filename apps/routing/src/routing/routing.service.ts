import { Injectable } from '@nestjs/common';
import { Topics, deterministicUuid } from '#contracts';
import type {
  PhoneDeskAlertPayload,
  QueuedTicketPayload,
  RoutingDecisionPayload,
  TicketRoutedPayload,
  TicketSubmittedPayload,
} from '#contracts';
import { childTraceparent } from '#kafka';
import type { EventSink, KafkaEvent, TopicEvent } from '#kafka';
import { previewAssignment } from '#rules';
import type { AssignmentPreview } from '#rules';
import type { Locale } from '#contracts';
import { AgentDirectory } from '../psm/agent-directory.js';
import { PsmDirectory } from '../psm/psm-directory.js';
import { RoutingPolicy } from '../rules/routing-policy.js';
import type { RoutingInput } from '../rules/routing-policy.js';
import { routingMetrics } from './routing.metrics.js';

export interface RoutingOutputs {
  readonly routed: TicketRoutedPayload;
  readonly queued: QueuedTicketPayload;
  readonly alert: PhoneDeskAlertPayload | null;
}

/** Decides and publishes: one routed event, one queue event and, for urgent access, one alert, per ticket. */
@Injectable()
export class RoutingService {
  constructor(
    private readonly policy: RoutingPolicy,
    private readonly psms: PsmDirectory,
    private readonly agents: AgentDirectory,
  ) {}

  /** The decision, and who would get the ticket now as far as presence tells. */
  preview(
    input: RoutingInput,
    at: Date,
    locale: Locale | null,
  ): RoutingDecisionPayload & { assignment: AssignmentPreview } {
    const decision = this.policy.decide(input, at, this.psms);
    const assignment = previewAssignment(
      decision,
      this.policy.ruleSet.assignment.policies[decision.queue],
      this.policy.ruleSet.assignment.preferLanguage ? locale : null,
      input.orgId === null ? null : this.psms.backupPsm(input.orgId),
      {
        status: (agentId) => this.agents.presence(agentId)?.status,
        online: (queue, wanted) => {
          const online = this.agents.online(queue);
          const speakers =
            wanted === null ? [] : online.filter((agent) => !agent.locales || agent.locales.includes(wanted));
          return (speakers.length > 0 ? speakers : online).map((agent) => agent.agentId);
        },
      },
    );
    return { ...decision, assignment };
  }

  /**
   * Business hours and SLA are evaluated at the ticket's reception time, so a redelivered ticket
   * gets the very same decision, and the same event ids, as the first time.
   */
  plan(ticket: TicketSubmittedPayload, routedAt: string): RoutingOutputs {
    const input: RoutingInput = {
      ticketId: ticket.ticketId,
      channel: ticket.channel,
      requestType: ticket.requestType ?? null,
      urgency: ticket.urgency,
      subject: ticket.subject ?? null,
      message: ticket.message,
      orgId: ticket.requester.orgId ?? null,
    };
    const decision = this.policy.decide(input, new Date(ticket.receivedAt), this.psms);
    const routed: TicketRoutedPayload = {
      ...decision,
      reference: ticket.reference,
      channel: ticket.channel,
      requestType: ticket.requestType ?? null,
      locale: ticket.locale,
      orgId: input.orgId,
      routedAt,
    };
    const queued: QueuedTicketPayload = {
      ticketId: ticket.ticketId,
      reference: ticket.reference,
      queue: decision.queue,
      assignee: decision.assignee,
      priority: decision.priority,
      slaDueAt: decision.slaDueAt,
      ruleId: decision.ruleId,
      reason: decision.reason,
      ticket,
    };
    const alert: PhoneDeskAlertPayload | null = decision.alert
      ? {
          alertId: deterministicUuid('alert', ticket.ticketId),
          ticketId: ticket.ticketId,
          reference: ticket.reference,
          target: decision.alert.target,
          priority: decision.priority,
          reason: decision.reason,
          channel: ticket.channel,
          orgId: input.orgId,
          raisedAt: routedAt,
          slaDueAt: decision.slaDueAt,
        }
      : null;
    return { routed, queued, alert };
  }

  /**
   * Routes a batch of submitted tickets (validated by the transport) and publishes all their
   * outputs at once into `sink` (the consumer's transaction).
   */
  async route(events: readonly KafkaEvent<TicketSubmittedPayload>[], sink: EventSink): Promise<RoutingOutputs[]> {
    const routedAt = new Date().toISOString();
    const outputs: RoutingOutputs[] = [];
    const publications: TopicEvent[] = [];
    for (const event of events) {
      const ticket = event.value;
      const planned = this.plan(ticket, routedAt);
      outputs.push(planned);
      publications.push(...this.publications(event, ticket, planned));
    }
    await sink.publishAll(publications);
    for (const { routed, alert } of outputs) {
      routingMetrics.decisions.inc({ queue: routed.queue, rule: routed.ruleId, priority: routed.priority });
      if (alert) routingMetrics.alerts.inc({ target: alert.target });
    }
    return outputs;
  }

  /** The routed event, the queue event and the alert, with ids derived from the ticket id. */
  private publications(event: KafkaEvent, ticket: TicketSubmittedPayload, outputs: RoutingOutputs): TopicEvent[] {
    const causationId = event.cloudEvent.id;
    const correlationId = event.cloudEvent.correlationId ?? ticket.requestId;
    const traceparent = event.cloudEvent.traceparent ? childTraceparent(event.cloudEvent.traceparent) : undefined;
    const common = {
      key: ticket.ticketId,
      correlationId,
      ...(causationId ? { causationId } : {}),
      ...(traceparent ? { traceparent } : {}),
    };
    const events: TopicEvent[] = [
      {
        topic: Topics.ticketsRouted,
        event: { ...common, id: deterministicUuid('ticket.routed', ticket.ticketId), payload: outputs.routed },
      },
      {
        topic: outputs.routed.queue === 'psm' ? Topics.queuePsm : Topics.queueSupport,
        event: { ...common, id: deterministicUuid('ticket.queued', ticket.ticketId), payload: outputs.queued },
      },
    ];
    if (outputs.alert) {
      events.push({
        topic: Topics.alertsPhoneDesk,
        event: { ...common, id: deterministicUuid('alert.raised', ticket.ticketId), payload: outputs.alert },
      });
    }
    return events;
  }
}
