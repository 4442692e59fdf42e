import { randomUUID } from 'node:crypto';
import { deterministicUuid, ticketReference } from '#contracts';
import { ticketMessage } from '#testing';
import { planMessageNotification } from './conversation-planner.js';
import type { TicketFacts } from './ticket.repository.js';

function ticketFacts(overrides: Partial<TicketFacts> = {}): TicketFacts {
  const ticketId = overrides.ticketId ?? randomUUID();
  return {
    ticketId,
    reference: ticketReference(ticketId),
    channel: 'email',
    locale: 'en',
    queue: 'support',
    assignee: null,
    resolvedAt: null,
    ...overrides,
  };
}

const reply = (ticket: TicketFacts, body = 'We fixed the export, please try again.') =>
  ticketMessage({
    ticketId: ticket.ticketId,
    direction: 'outbound',
    visibility: 'public',
    author: { kind: 'agent', id: 'agent-7' },
    channel: ticket.channel,
    body,
  });

const followUp = (ticket: TicketFacts) =>
  ticketMessage({ ticketId: ticket.ticketId, direction: 'inbound', visibility: 'public', channel: ticket.channel });

describe(planMessageNotification.name, () => {
  it('sends an agent reply to the requester, by email with the reference in the subject and the text', () => {
    const ticket = ticketFacts();
    const message = reply(ticket);

    const sut = planMessageNotification(message, ticket);

    expect(sut).toEqual({
      kind: 'notify',
      notification: expect.objectContaining({
        notificationId: deterministicUuid('notification', ticket.ticketId, 'message', message.messageId, 'requester'),
        ticketId: ticket.ticketId,
        reference: ticket.reference,
        kind: 'ticket.reply',
        audience: 'requester',
        recipient: null,
        locale: 'en',
        subject: `[${ticket.reference}] Reply to your request`,
      }) as unknown,
    });
    const body = sut.kind === 'notify' ? sut.notification.body : '';
    expect(body.startsWith('We fixed the export, please try again.')).toBe(true);
    expect(body).toContain(`keep [${ticket.reference}] in the subject`);
  });

  it("writes to a French requester in French, whatever the staff's language", () => {
    const ticket = ticketFacts({ locale: 'fr' });

    const sut = planMessageNotification(reply(ticket, "L'export est corrigé."), ticket, 'en');

    expect(sut.kind === 'notify' && sut.notification).toMatchObject({
      locale: 'fr',
      subject: `[${ticket.reference}] Réponse à votre demande`,
    });
    const body = sut.kind === 'notify' ? sut.notification.body : '';
    expect(body).toContain("L'export est corrigé.");
    expect(body).toContain(`Référence : ${ticket.reference}`);
    expect(body).not.toContain('Reference:');
  });

  it('gives a chat requester the reply as it was written (the chat backend shows it)', () => {
    const ticket = ticketFacts({ channel: 'chat', queue: 'psm', assignee: 'psm-anna' });

    const sut = planMessageNotification(reply(ticket, 'Here is how to export.'), ticket);

    expect(sut.kind === 'notify' && sut.notification).toMatchObject({
      audience: 'requester',
      kind: 'ticket.reply',
      body: 'Here is how to export.',
    });
  });

  test.each(['outbound', 'inbound'] as const)('never sends an internal note (%s) to anyone', (direction) => {
    const ticket = ticketFacts();

    const sut = planMessageNotification(
      ticketMessage({
        ticketId: ticket.ticketId,
        direction,
        visibility: 'internal',
        author: { kind: 'agent', id: 'a' },
      }),
      ticket,
    );

    expect(sut).toEqual({ kind: 'internal' });
  });

  test.each([
    { queue: 'support', assignee: 'agent-7', audience: 'support', recipient: 'agent-7' },
    { queue: 'support', assignee: null, audience: 'support', recipient: 'support-team' },
    { queue: 'psm', assignee: 'psm-anna', audience: 'psm', recipient: 'psm-anna' },
    { queue: 'psm', assignee: null, audience: 'psm', recipient: 'psm-pool' },
  ] as const)(
    'tells $recipient of a follow-up on a $queue ticket assigned to $assignee',
    ({ queue, assignee, audience, recipient }) => {
      const ticket = ticketFacts({ queue, assignee });
      const message = followUp(ticket);

      const sut = planMessageNotification(message, ticket);

      expect(sut.kind === 'notify' && sut.notification).toMatchObject({
        notificationId: deterministicUuid('notification', ticket.ticketId, 'message', message.messageId, audience),
        kind: 'ticket.follow-up',
        audience,
        recipient,
        reference: ticket.reference,
        subject: `Follow-up on ticket ${ticket.reference}`,
      });
    },
  );

  it("says it is a follow-up, with the reference, in the staff's language and without the requester's text", () => {
    const ticket = ticketFacts({ locale: 'en' });
    const message = followUp(ticket);

    const sut = planMessageNotification(message, ticket, 'fr');

    expect(sut.kind === 'notify' && sut.notification).toMatchObject({
      locale: 'fr',
      subject: `Relance sur le ticket ${ticket.reference}`,
    });
    const body = sut.kind === 'notify' ? sut.notification.body : '';
    expect(body).toContain('relance');
    expect(body).toContain(ticket.reference);
    expect(body).not.toContain(message.body);
  });

  it('waits for a ticket it does not know yet, and for its routing decision before telling staff', () => {
    const ticket = ticketFacts({ queue: null });

    expect(planMessageNotification(reply(ticket), undefined)).toEqual({ kind: 'ticket-unknown' });
    expect(planMessageNotification(followUp(ticket), ticket)).toEqual({ kind: 'ticket-unknown' });
    expect(planMessageNotification(reply(ticket), ticket).kind).toBe('notify');
  });

  it('gives the same id to the same message, and different ids to different messages', () => {
    const ticket = ticketFacts();
    const message = reply(ticket);

    const sut = planMessageNotification(message, ticket);
    const again = planMessageNotification({ ...message }, ticket);
    const other = planMessageNotification(reply(ticket), ticket);

    const id = (plan: typeof sut): string | undefined =>
      plan.kind === 'notify' ? plan.notification.notificationId : undefined;
    expect(id(again)).toBe(id(sut));
    expect(id(other)).not.toBe(id(sut));
  });
});
