import { LOG_EVERYWHERE, parseRecipients, requesterTargetFor } from './recipients.js';

describe(parseRecipients.name, () => {
  it('uses the log channel for everyone when nothing is configured', () => {
    expect(parseRecipients('')).toEqual({ ok: true, value: LOG_EVERYWHERE });
  });

  it('reads a target per audience and leaves the others on the log channel', () => {
    const sut = parseRecipients(
      JSON.stringify({
        requester: { channel: 'email' },
        psm: {
          default: { channel: 'email', to: 'psm-team@example.com' },
          byId: { 'psm-anna': { channel: 'webhook', url: 'https://crm.example.com/hooks' } },
        },
        'phone-desk': { channel: 'webhook', url: 'https://desk.example.com/alerts' },
      }),
    );

    expect(sut).toEqual({
      ok: true,
      value: {
        requester: { channel: 'email' },
        psm: {
          default: { channel: 'email', to: 'psm-team@example.com' },
          byId: new Map([['psm-anna', { channel: 'webhook', url: 'https://crm.example.com/hooks' }]]),
        },
        support: { channel: 'log' },
        'phone-desk': { channel: 'webhook', url: 'https://desk.example.com/alerts' },
        'on-call': { channel: 'log' },
      },
    });
  });

  it('accepts one target for every PSM', () => {
    const sut = parseRecipients(JSON.stringify({ psm: { channel: 'webhook', url: 'http://127.0.0.1:8080/psm' } }));

    expect(sut.ok && sut.value.psm).toEqual({
      default: { channel: 'webhook', url: 'http://127.0.0.1:8080/psm' },
      byId: new Map(),
    });
  });

  it('lists every problem with its path', () => {
    const sut = parseRecipients(
      JSON.stringify({
        requester: { channel: 'email', to: 'someone@example.com' },
        support: { channel: 'email', to: 'not an address' },
        'phone-desk': { channel: 'webhook', url: 'ftp://desk.example.com' },
        'on-call': { channel: 'sms' },
        psm: { byId: { 'psm-1': { channel: 'webhook' } } },
        auditors: { channel: 'log' },
      }),
    );

    expect(sut).toEqual({
      ok: false,
      problems: expect.arrayContaining([
        'NOTIFY_RECIPIENTS.auditors: unknown setting',
        'NOTIFY_RECIPIENTS.requester.to: unknown setting',
        'NOTIFY_RECIPIENTS.support.to: must be an email address',
        'NOTIFY_RECIPIENTS.phone-desk.url: must be an absolute http(s) URL',
        'NOTIFY_RECIPIENTS.on-call.channel: must be one of log, webhook, email',
        'NOTIFY_RECIPIENTS.psm.byId.psm-1.url: required for the webhook channel',
      ]) as unknown,
    });
    expect(!sut.ok && sut.problems).toHaveLength(6);
  });

  it('refuses text that is not a JSON object', () => {
    expect(parseRecipients('{phone-desk: webhook}')).toMatchObject({ ok: false });
    expect(parseRecipients('[]')).toEqual({
      ok: false,
      problems: [
        'NOTIFY_RECIPIENTS: must be a JSON object keyed by audience (requester, psm, support, phone-desk, on-call)',
      ],
    });
  });
});

describe('parseRecipients with PSM ids that are names of Object.prototype', () => {
  it('keeps them as plain ids: a PSM called __proto__ or constructor has its own target, others the default', () => {
    const sut = parseRecipients(
      JSON.stringify({
        psm: {
          default: { channel: 'email', to: 'psm-team@example.com' },
          byId: { constructor: { channel: 'webhook', url: 'https://crm.example.com/c' } },
        },
      }),
    );

    const byId = sut.ok ? sut.value.psm.byId : new Map();
    expect(byId.get('constructor')).toEqual({ channel: 'webhook', url: 'https://crm.example.com/c' });
    expect(byId.get('__proto__')).toBeUndefined();
    expect(byId.get('toString')).toBeUndefined();
  });
});

describe('parseRecipients with a chat-specific requester target', () => {
  it('reaches chat requesters through the chat backend and the others by email', () => {
    const sut = parseRecipients(
      JSON.stringify({
        requester: { channel: 'email', chat: { channel: 'webhook', url: 'https://chat.example.com/r' } },
      }),
    );

    const requester = sut.ok ? sut.value.requester : LOG_EVERYWHERE.requester;
    expect(requester).toEqual({ channel: 'email', chat: { channel: 'webhook', url: 'https://chat.example.com/r' } });
    expect(requesterTargetFor(requester, 'chat')).toEqual({ channel: 'webhook', url: 'https://chat.example.com/r' });
    expect(requesterTargetFor(requester, 'form')).toEqual({ channel: 'email' });
    expect(requesterTargetFor(requester, undefined)).toEqual({ channel: 'email' });
  });

  it('uses the requester target for chat too when there is no chat-specific one', () => {
    const sut = parseRecipients(
      JSON.stringify({ requester: { channel: 'webhook', url: 'https://app.example.com/r' } }),
    );

    const requester = sut.ok ? sut.value.requester : LOG_EVERYWHERE.requester;
    expect(requesterTargetFor(requester, 'chat')).toEqual({ channel: 'webhook', url: 'https://app.example.com/r' });
  });

  it('refuses a chat target by email: chat requesters are reached through the chat backend', () => {
    const sut = parseRecipients(
      JSON.stringify({ requester: { channel: 'email', chat: { channel: 'email', to: 'chat@example.com' } } }),
    );

    expect(sut).toEqual({
      ok: false,
      problems: [
        'NOTIFY_RECIPIENTS.requester.chat.channel: must be webhook or log (chat requesters are reached through the chat backend)',
      ],
    });
  });
});
