import { deterministicUuid } from '#contracts';
import type { PhoneDeskAlertPayload, TicketRoutedPayload } from '#contracts';
import type { OutgoingNotification } from '../channels/notification-channel.js';
import { alertNotice, psmNotice, requesterAcknowledgement, supportNotice } from './messages.js';

/**
 * Who hears of a routed ticket: always the requester; the PSM (or the PSM pool) for chat questions;
 * the support team for P1 and P2 tickets. Pure: the same event always gives the same notifications.
 */
export function planRoutedNotifications(routed: TicketRoutedPayload): OutgoingNotification[] {
  const id = (audience: string): string => deterministicUuid('notification', routed.ticketId, 'routed', audience);
  const base = { ticketId: routed.ticketId, reference: routed.reference };
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
    plan.push({ ...base, notificationId: id('psm'), audience: 'psm', recipient: routed.assignee ?? 'psm-pool', locale: 'en', ...psmNotice(routed) });
  }
  if (routed.queue === 'support' && (routed.priority === 'P1' || routed.priority === 'P2')) {
    plan.push({ ...base, notificationId: id('support'), audience: 'support', recipient: 'support-team', locale: 'en', ...supportNotice(routed) });
  }
  return plan;
}

export function planAlertNotification(alert: PhoneDeskAlertPayload): OutgoingNotification {
  return {
    notificationId: deterministicUuid('notification', alert.ticketId, 'alert', alert.alertId, alert.target),
    ticketId: alert.ticketId,
    reference: alert.reference,
    audience: alert.target,
    recipient: alert.target,
    locale: 'fr',
    ...alertNotice(alert),
  };
}
