import { ConfigError } from '#platform';
import { loadNotificationConfig } from './notification.config.js';

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const WEBHOOK_DESK = JSON.stringify({ 'phone-desk': { channel: 'webhook', url: 'https://desk.example.com/alerts' } });

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadNotificationConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe(loadNotificationConfig.name, () => {
  it('starts with no settings at all: log channel everywhere, 5 minute acknowledgement timeout', () => {
    const sut = loadNotificationConfig({});

    expect(sut.recipients.support).toEqual({ channel: 'log' });
    expect(sut.alertAckTimeoutMs).toBe(300_000);
    expect(sut.ALERT_MAX_ESCALATIONS).toBe(3);
    expect(sut.NOTIFICATION_CONSUMER_GROUP).toBe('support-notification');
    expect(sut.webhookKeys).toEqual([]);
  });

  test.each([
    ['300000', 300_000],
    ['90s', 90_000],
    ['2m', 120_000],
  ])('reads ALERT_ACK_TIMEOUT=%s', (value, expected) => {
    expect(loadNotificationConfig({ ALERT_ACK_TIMEOUT: value }).alertAckTimeoutMs).toBe(expected);
  });

  it('reads the webhook secret and the recipients', () => {
    const sut = loadNotificationConfig({ NOTIFY_WEBHOOK_SECRET: SECRET, NOTIFY_RECIPIENTS: WEBHOOK_DESK });

    expect(sut.webhookKeys).toEqual([Buffer.alloc(32, 3)]);
    expect(sut.recipients['phone-desk']).toEqual({ channel: 'webhook', url: 'https://desk.example.com/alerts' });
  });

  it('refuses a webhook audience without a signing secret', () => {
    expect(problemsOf({ NOTIFY_RECIPIENTS: WEBHOOK_DESK })).toEqual(['NOTIFY_WEBHOOK_SECRET: required when an audience uses the webhook channel']);
  });

  it('refuses an email audience without an SMTP server', () => {
    expect(problemsOf({ NOTIFY_RECIPIENTS: JSON.stringify({ requester: { channel: 'email' } }) })).toEqual([
      'SMTP_URL: required when an audience uses the email channel',
    ]);
    expect(problemsOf({ NOTIFY_RECIPIENTS: JSON.stringify({ requester: { channel: 'email' } }), SMTP_URL: 'mail.example.com' })).toEqual([
      'SMTP_URL: must be an smtp:// or smtps:// URL',
    ]);
  });

  it('lists every problem at once', () => {
    const sut = problemsOf({
      ALERT_ACK_TIMEOUT: 'soon',
      ALERT_MAX_ESCALATIONS: '-1',
      NOTIFY_WEBHOOK_SECRET: 'secret',
      NOTIFY_RECIPIENTS: '{"support":{"channel":"pigeon"}}',
    });

    expect(sut.map((problem) => problem.split(':')[0])).toEqual([
      'ALERT_MAX_ESCALATIONS',
      'ALERT_ACK_TIMEOUT',
      'NOTIFY_WEBHOOK_SECRET',
      'NOTIFY_RECIPIENTS.support.channel',
    ]);
  });

  it('refuses a per-receiver limit above the overall one', () => {
    expect(problemsOf({ NOTIFY_CONCURRENCY: '4', NOTIFY_TARGET_CONCURRENCY: '8' })).toEqual(['NOTIFY_TARGET_CONCURRENCY: must not exceed NOTIFY_CONCURRENCY']);
  });

  it('refuses a malformed webhook secret', () => {
    expect(problemsOf({ NOTIFY_WEBHOOK_SECRET: 'whsec_tooshort' })).toEqual([
      'NOTIFY_WEBHOOK_SECRET: must be whsec_ followed by 24 to 64 bytes in base64 (several may be given, space-separated)',
    ]);
  });

  it('refuses development tokens in production', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual(['AUTH_JWKS_URL: must be set in production (HS256 development tokens are refused)']);
  });
});
