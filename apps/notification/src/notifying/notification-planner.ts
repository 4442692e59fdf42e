import { deterministicUuid } from '#contracts';
import type { Locale, PhoneDeskAlertPayload, TicketRoutedPayload } from '#contracts';
import type { OutgoingNotification } from '../channels/notification-channel.js';
import { alertNotice, escalationNotice, psmNotice, requesterAcknowledgement, supportNotice } from './messages.js';
import type { EscalationFacts } from './messages.js';

/**
 * Who hears of a routed ticket: always the requester, in their locale; the PSM (or the PSM pool)
 * for chat questions; the support team for P1 and P2 tickets. Pure: the same event always gives
 * the same notifications, with the same ids.
 */
export function planRoutedNotifications(
  routed: TicketRoutedPayload,
  staffLocale: Locale = 'en',
): OutgoingNotification[] {
  const id = (audience: string): string => deterministicUuid('notification', routed.ticketId, 'routed', audience);
  const base = {
    ticketId: routed.ticketId,
    reference: routed.reference,
    kind: 'ticket.routed',
    alertId: null,
    escalationLevel: null,
  } as const;
  const plan: OutgoingNotification[] = [
    {
      ...base,
      notificationId: id('requester'),
      audience: 'requester',
      recipient: null,
      locale: routed.locale,
      ...requesterAcknowledgement(routed, routed.locale),
    },
  ];
  if (routed.queue === 'psm') {
    plan.push({
      ...base,
      notificationId: id('psm'),
      audience: 'psm',
      recipient: routed.assignee ?? 'psm-pool',
      locale: staffLocale,
      ...psmNotice(routed, staffLocale),
    });
  }
  if (routed.queue === 'support' && (routed.priority === 'P1' || routed.priority === 'P2')) {
    plan.push({
      ...base,
      notificationId: id('support'),
      audience: 'support',
      recipient: 'support-team',
      locale: staffLocale,
      ...supportNotice(routed, staffLocale),
    });
  }
  return plan;
}

/** The alert itself, to the target routing chose: the phone desk in desk hours, on-call outside them. */
export function planAlertNotification(alert: PhoneDeskAlertPayload, staffLocale: Locale = 'en'): OutgoingNotification {
  return {
    notificationId: deterministicUuid('notification', alert.ticketId, 'alert', alert.alertId, alert.target),
    ticketId: alert.ticketId,
    reference: alert.reference,
    kind: 'alert.raised',
    audience: alert.target,
    recipient: alert.target,
    locale: staffLocale,
    alertId: alert.alertId,
    escalationLevel: 0,
    ...alertNotice(alert, staffLocale),
  };
}

/** One escalation step of an unacknowledged alert, always to on-call; one id per alert and level. */
export function planEscalationNotification(
  ticketId: string,
  facts: EscalationFacts,
  staffLocale: Locale = 'en',
): OutgoingNotification {
  return {
    notificationId: deterministicUuid(
      'notification',
      ticketId,
      'alert',
      facts.alertId,
      'escalation',
      String(facts.level),
    ),
    ticketId,
    reference: facts.reference,
    kind: 'alert.escalated',
    audience: 'on-call',
    recipient: 'on-call',
    locale: staffLocale,
    alertId: facts.alertId,
    escalationLevel: facts.level,
    ...escalationNotice(facts, staffLocale),
  };
}
