import { randomUUID } from 'node:crypto';
import type { Priority, Queue } from '#contracts';
import { phoneDeskAlert, routedTicket } from '#testing';
import { planAlertNotification, planEscalationNotification, planRoutedNotifications } from './notification-planner.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe(planRoutedNotifications.name, () => {
  test.each<{ queue: Queue; priority: Priority; audiences: string[] }>([
    { queue: 'psm', priority: 'P1', audiences: ['requester', 'psm'] },
    { queue: 'psm', priority: 'P2', audiences: ['requester', 'psm'] },
    { queue: 'psm', priority: 'P3', audiences: ['requester', 'psm'] },
    { queue: 'psm', priority: 'P4', audiences: ['requester', 'psm'] },
    { queue: 'support', priority: 'P1', audiences: ['requester', 'support'] },
    { queue: 'support', priority: 'P2', audiences: ['requester', 'support'] },
    { queue: 'support', priority: 'P3', audiences: ['requester'] },
    { queue: 'support', priority: 'P4', audiences: ['requester'] },
  ])('notifies $audiences for a $queue ticket of priority $priority', ({ queue, priority, audiences }) => {
    const sut = planRoutedNotifications(routedTicket({ queue, priority }));

    expect(sut.map((notification) => notification.audience)).toEqual(audiences);
  });

  test.each(['fr', 'en'] as const)('always acknowledges to the requester, in the routed locale (%s)', (locale) => {
    const routed = routedTicket({ locale });

    const [sut] = planRoutedNotifications(routed);

    expect(sut).toMatchObject({
      audience: 'requester',
      recipient: null,
      locale,
      ticketId: routed.ticketId,
      reference: routed.reference,
    });
  });

  it('promises the French requester an answer, with the reference', () => {
    const routed = routedTicket({ locale: 'fr' });

    const [sut] = planRoutedNotifications(routed);

    // In brackets: the requester's answer to this mail is a follow-up of the ticket.
    expect(sut?.subject).toBe(`[${routed.reference}] Votre demande a bien été envoyée`);
    expect(sut?.body).toContain("Votre demande a bien été envoyée, l'équipe vous répondra dans les meilleurs délais");
    expect(sut?.body).toContain(`Référence : ${routed.reference}`);
  });

  it('promises the English requester an answer, with the reference', () => {
    const routed = routedTicket({ locale: 'en' });

    const [sut] = planRoutedNotifications(routed);

    expect(sut?.subject).toBe(`[${routed.reference}] Your request has been sent`);
    expect(sut?.body).toContain('Your request has been sent, the team will answer as soon as possible');
    expect(sut?.body).toContain(`Reference: ${routed.reference}`);
    expect(sut?.body).not.toContain('Votre demande');
  });

  test.each([
    { name: 'the dedicated PSM', assignee: 'psm-anna', recipient: 'psm-anna' },
    { name: 'the PSM pool when there is no assignee', assignee: null, recipient: 'psm-pool' },
  ])('sends the PSM notice to $name', ({ assignee, recipient }) => {
    const routed = routedTicket({ queue: 'psm', channel: 'chat', ruleId: 'chat-to-psm', assignee });

    const sut = planRoutedNotifications(routed).find((notification) => notification.audience === 'psm');

    expect(sut).toMatchObject({ recipient, locale: 'en', ticketId: routed.ticketId, reference: routed.reference });
    expect(sut?.subject).toContain(routed.reference);
    expect(sut?.body).toContain(routed.slaDueAt);
    expect(sut?.body).toContain('org-1');
  });

  it('sends the support notice to the support team with the rule, the reason and the due time', () => {
    const routed = routedTicket({
      queue: 'support',
      priority: 'P1',
      ruleId: 'urgent-access',
      reason: 'access problem by phone',
      alert: { target: 'phone-desk' },
    });

    const sut = planRoutedNotifications(routed).find((notification) => notification.audience === 'support');

    expect(sut).toMatchObject({ recipient: 'support-team', locale: 'en', reference: routed.reference });
    expect(sut?.subject).toBe(`P1 ticket ${routed.reference}`);
    expect(sut?.body).toContain('urgent-access');
    expect(sut?.body).toContain('access problem by phone');
    expect(sut?.body).toContain(routed.slaDueAt);
  });

  it('gives the same ids for the same event, however often it is redelivered', () => {
    const routed = routedTicket({ queue: 'support', priority: 'P2' });

    const sut = planRoutedNotifications(routed).map((notification) => notification.notificationId);

    expect(planRoutedNotifications({ ...routed }).map((notification) => notification.notificationId)).toEqual(sut);
    expect(
      planRoutedNotifications(routedTicket({ ticketId: routed.ticketId, queue: 'support', priority: 'P2' })).map(
        (notification) => notification.notificationId,
      ),
    ).toEqual(sut);
  });

  it('gives each audience its own UUID', () => {
    const ticketId = randomUUID();
    const psm = planRoutedNotifications(routedTicket({ ticketId, queue: 'psm' }));
    const support = planRoutedNotifications(routedTicket({ ticketId, queue: 'support', priority: 'P1' }));

    const sut = [...psm, ...support].map((notification) => notification.notificationId);

    for (const id of sut) expect(id).toMatch(UUID);
    expect(psm[0]?.notificationId).toBe(support[0]?.notificationId);
    expect(new Set(sut).size).toBe(3);
  });

  it('gives different ids to different tickets', () => {
    const sut = planRoutedNotifications(routedTicket());

    expect(planRoutedNotifications(routedTicket())[0]?.notificationId).not.toBe(sut[0]?.notificationId);
  });
});

describe(planAlertNotification.name, () => {
  test.each(['phone-desk', 'on-call'] as const)('addresses the alert target %s', (target) => {
    const alert = phoneDeskAlert({ target });

    const sut = planAlertNotification(alert);

    expect(sut).toMatchObject({
      audience: target,
      recipient: target,
      ticketId: alert.ticketId,
      reference: alert.reference,
    });
  });

  it('tells the desk what to acknowledge, with the reference and the priority', () => {
    const alert = phoneDeskAlert();

    const sut = planAlertNotification(alert);

    expect(sut.subject).toContain(alert.reference);
    expect(sut.subject).toMatch(/URGENT/);
    expect(sut.body).toContain(alert.alertId);
    expect(sut.body).toContain(alert.priority);
    expect(sut.body).toContain(alert.raisedAt);
  });

  it('gives a deterministic id, distinct per alert and per target', () => {
    const alert = phoneDeskAlert();

    const sut = planAlertNotification(alert).notificationId;

    expect(sut).toMatch(UUID);
    expect(planAlertNotification({ ...alert }).notificationId).toBe(sut);
    expect(planAlertNotification({ ...alert, alertId: randomUUID() }).notificationId).not.toBe(sut);
    expect(planAlertNotification({ ...alert, target: 'on-call' }).notificationId).not.toBe(sut);
  });

  it('does not reuse the id of a routed-ticket notification of the same ticket', () => {
    const alert = phoneDeskAlert();
    const routedIds = planRoutedNotifications(
      routedTicket({ ticketId: alert.ticketId, queue: 'support', priority: 'P1' }),
    ).map((notification) => notification.notificationId);

    const sut = planAlertNotification(alert).notificationId;

    expect(routedIds).not.toContain(sut);
  });
});

describe(planEscalationNotification.name, () => {
  const facts = (level: number) => ({
    alertId: randomUUID(),
    reference: 'SR-7K4Q-M2XD',
    priority: 'P1',
    raisedAt: '2026-11-25T10:00:00.000Z',
    level,
    maxLevel: 3,
  });

  it('pages on-call with the level, the reference and the alert to acknowledge', () => {
    const escalation = facts(2);

    const sut = planEscalationNotification('ticket-1', escalation);

    expect(sut).toMatchObject({
      kind: 'alert.escalated',
      audience: 'on-call',
      recipient: 'on-call',
      alertId: escalation.alertId,
      escalationLevel: 2,
    });
    expect(sut.subject).toBe('URGENT escalation 2/3 access alert SR-7K4Q-M2XD');
    expect(sut.body).toContain(escalation.alertId);
  });

  it('gives each level of each alert its own stable id', () => {
    const escalation = facts(1);

    const sut = planEscalationNotification('ticket-1', escalation).notificationId;

    expect(planEscalationNotification('ticket-1', { ...escalation }).notificationId).toBe(sut);
    expect(planEscalationNotification('ticket-1', { ...escalation, level: 2 }).notificationId).not.toBe(sut);
    expect(planEscalationNotification('ticket-1', { ...escalation, alertId: randomUUID() }).notificationId).not.toBe(
      sut,
    );
  });
});

describe('staff messages in French', () => {
  it('writes the alert, the escalation and the queue notices in French when staff read French', () => {
    const alert = phoneDeskAlert();
    const routed = routedTicket({ queue: 'support', priority: 'P1' });

    const sut = [
      planAlertNotification(alert, 'fr'),
      planEscalationNotification(alert.ticketId, { ...alert, level: 1, maxLevel: 3 }, 'fr'),
      ...planRoutedNotifications(routed, 'fr').filter((notification) => notification.audience !== 'requester'),
    ];

    expect(sut.map((notification) => notification.locale)).toEqual(['fr', 'fr', 'fr']);
    expect(sut[0]?.body).toContain("Acquittez l'alerte");
    expect(sut[1]?.subject).toContain('escalade 1/3');
    expect(sut[2]?.body).toContain('file support');
  });

  it('keeps the requester in their own language whatever the staff read', () => {
    const [sut] = planRoutedNotifications(routedTicket({ locale: 'en' }), 'fr');

    expect(sut?.locale).toBe('en');
    expect(sut?.body).toContain('Your request has been sent');
  });
});
