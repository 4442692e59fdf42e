import { deterministicUuid } from '#contracts';
import type { Locale, TicketMessagePayload } from '#contracts';
import type { OutgoingNotification } from '../channels/notification-channel.js';
import { followUpNotice, requesterReply } from '../notifying/messages.js';
import type { TicketFacts } from './ticket.repository.js';

/** What a message of a ticket's conversation causes. */
export type MessagePlan =
  /** An internal note: never sent to anyone. */
  | { readonly kind: 'internal' }
  /** The ticket (or its routing decision) is not known yet: the message must wait for it. */
  | { readonly kind: 'ticket-unknown' }
  | { readonly kind: 'notify'; readonly notification: OutgoingNotification };

/**
 * An agent's public reply goes to the requester (on the ticket's channel, in the ticket's locale);
 * the requester's follow-up goes to the assignee, or with none to the queue's team; internal notes
 * go nowhere. Pure: the same message gives the same notification, with the same id.
 */
export function planMessageNotification(
  message: TicketMessagePayload,
  ticket: TicketFacts | undefined,
  staffLocale: Locale = 'en',
): MessagePlan {
  if (message.visibility !== 'public') return { kind: 'internal' };
  if (!ticket) return { kind: 'ticket-unknown' };
  const id = (audience: string): string =>
    deterministicUuid('notification', message.ticketId, 'message', message.messageId, audience);
  const base = {
    ticketId: message.ticketId,
    reference: ticket.reference,
    alertId: null,
    escalationLevel: null,
  } as const;
  if (message.direction === 'outbound') {
    return {
      kind: 'notify',
      notification: {
        ...base,
        notificationId: id('requester'),
        kind: 'ticket.reply',
        audience: 'requester',
        recipient: null,
        locale: ticket.locale,
        ...requesterReply(
          { reference: ticket.reference, text: message.body },
          ticket.locale,
          ticket.channel === 'chat' ? 'chat' : 'email',
        ),
      },
    };
  }
  if (ticket.queue === null) return { kind: 'ticket-unknown' };
  const audience = ticket.queue;
  const team = audience === 'psm' ? 'psm-pool' : 'support-team';
  return {
    kind: 'notify',
    notification: {
      ...base,
      notificationId: id(audience),
      kind: 'ticket.follow-up',
      audience,
      recipient: ticket.assignee ?? team,
      locale: staffLocale,
      ...followUpNotice(ticket.reference, staffLocale),
    },
  };
}
