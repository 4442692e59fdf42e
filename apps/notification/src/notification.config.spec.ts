import { loadNotificationConfig } from './notification.config.js';
import { configProblems } from '#testing';

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const WEBHOOK_DESK = JSON.stringify({ 'phone-desk': { channel: 'webhook', url: 'https://desk.example.com/alerts' } });

const DEV = { NODE_ENV: 'development' } as const;
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://notification:secret@db.internal:5432/support',
  AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
  AUTH_JWT_ISSUER: 'https://idp.example.com',
  AUTH_JWT_AUDIENCE: 'support',
  NOTIFY_WEBHOOK_SECRET: SECRET,
  SMTP_URL: 'smtps://mailer:secret@mail.example.com:465',
  NOTIFY_RECIPIENTS: JSON.stringify({
    requester: { channel: 'email' },
    support: { channel: 'email', to: 'support@example.com' },
    'phone-desk': { channel: 'webhook', url: 'https://desk.example.com/alerts' },
    'on-call': { channel: 'webhook', url: 'https://oncall.example.com/pages' },
  }),
} as const;

const problemsOf = (env: NodeJS.ProcessEnv): string[] => configProblems(loadNotificationConfig, env);

describe(loadNotificationConfig.name, () => {
  it('starts with no settings at all: log channel everywhere, 5 minute acknowledgement timeout', () => {
    const sut = loadNotificationConfig(DEV);

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
    expect(loadNotificationConfig({ ...DEV, ALERT_ACK_TIMEOUT: value }).alertAckTimeoutMs).toBe(expected);
  });

  it('reads the webhook secret and the recipients', () => {
    const sut = loadNotificationConfig({ ...DEV, NOTIFY_WEBHOOK_SECRET: SECRET, NOTIFY_RECIPIENTS: WEBHOOK_DESK });

    expect(sut.webhookKeys).toEqual([Buffer.alloc(32, 3)]);
    expect(sut.recipients['phone-desk']).toEqual({ channel: 'webhook', url: 'https://desk.example.com/alerts' });
  });

  it('refuses a webhook audience without a signing secret', () => {
    expect(problemsOf({ ...DEV, NOTIFY_RECIPIENTS: WEBHOOK_DESK })).toEqual([
      'NOTIFY_WEBHOOK_SECRET: required when an audience uses the webhook channel',
    ]);
  });

  it('refuses an email audience without an SMTP server', () => {
    expect(problemsOf({ ...DEV, NOTIFY_RECIPIENTS: JSON.stringify({ requester: { channel: 'email' } }) })).toEqual([
      'SMTP_URL: required when an audience uses the email channel',
    ]);
    expect(
      problemsOf({
        ...DEV,
        NOTIFY_RECIPIENTS: JSON.stringify({ requester: { channel: 'email' } }),
        SMTP_URL: 'mail.example.com',
      }),
    ).toEqual(['SMTP_URL: must be an smtp:// or smtps:// URL']);
  });

  it('lists every problem at once', () => {
    const sut = problemsOf({
      ...DEV,
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
    expect(problemsOf({ ...DEV, NOTIFY_CONCURRENCY: '4', NOTIFY_TARGET_CONCURRENCY: '8' })).toEqual([
      'NOTIFY_TARGET_CONCURRENCY: must not exceed NOTIFY_CONCURRENCY',
    ]);
  });

  it('refuses a malformed webhook secret', () => {
    expect(problemsOf({ ...DEV, NOTIFY_WEBHOOK_SECRET: 'whsec_tooshort' })).toEqual([
      'NOTIFY_WEBHOOK_SECRET: must be whsec_ followed by 24 to 64 bytes in base64 (several may be given, space-separated)',
    ]);
  });

  it('refuses to start without NODE_ENV, with one problem naming it', () => {
    expect(problemsOf({})).toEqual([
      expect.stringMatching(/^NODE_ENV: not set; set NODE_ENV=production .* or NODE_ENV=development/),
    ]);
    expect(problemsOf({ NODE_ENV: ' ' })).toHaveLength(1);
  });

  it('loads no development secret outside development: production without settings lists what is missing', () => {
    const sut = problemsOf({ NODE_ENV: 'production' });

    expect(sut).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DATABASE_URL: must be set/),
        expect.stringMatching(/^AUTH_JWT_ISSUER: /),
        expect.stringMatching(/^AUTH_JWT_AUDIENCE: /),
        'AUTH_JWKS_URL: must be set in production (HS256 development tokens are refused)',
        expect.stringMatching(/^NOTIFY_RECIPIENTS\.phone-desk: the log channel is refused in production/),
        expect.stringMatching(/^NOTIFY_RECIPIENTS\.on-call: the log channel is refused in production/),
        expect.stringMatching(/^NOTIFY_RECIPIENTS\.support: the log channel is refused in production/),
      ]),
    );
  });

  it('treats any NODE_ENV but development as production (test included)', () => {
    expect(problemsOf({ NODE_ENV: 'test' })).toContain(
      'AUTH_JWKS_URL: must be set in production (HS256 development tokens are refused)',
    );
  });

  it('starts in production with real targets, https webhooks and mail over TLS', () => {
    expect(problemsOf(PRODUCTION)).toEqual([]);
  });

  test.each(['phone-desk', 'on-call', 'support'])('refuses the log channel for %s in production', (audience) => {
    const recipients = {
      ...(JSON.parse(PRODUCTION.NOTIFY_RECIPIENTS) as Record<string, unknown>),
      [audience]: { channel: 'log' },
    };

    expect(problemsOf({ ...PRODUCTION, NOTIFY_RECIPIENTS: JSON.stringify(recipients) })).toEqual([
      `NOTIFY_RECIPIENTS.${audience}: the log channel is refused in production (nobody would be told); give a webhook or email target`,
    ]);
  });

  it('refuses http webhooks in production', () => {
    const recipients = {
      ...(JSON.parse(PRODUCTION.NOTIFY_RECIPIENTS) as Record<string, unknown>),
      'on-call': { channel: 'webhook', url: 'http://oncall.example.com/pages' },
    };

    expect(problemsOf({ ...PRODUCTION, NOTIFY_RECIPIENTS: JSON.stringify(recipients) })).toEqual([
      'NOTIFY_RECIPIENTS: webhooks must be https:// in production',
    ]);
  });

  test.each([
    'smtp://mail.example.com:25/?ignoreTLS=true',
    'smtp://mail.example.com:587/?requireTLS=false',
    'smtp://mail.example.com:587/?secure=false&pool=true',
  ])('refuses mail without TLS in production: %s', (url) => {
    expect(problemsOf({ ...PRODUCTION, SMTP_URL: url })).toEqual([
      'SMTP_URL: mail without TLS is refused in production (use smtps://, or smtp:// with STARTTLS)',
    ]);
  });

  it('takes smtp:// in production, where STARTTLS is then required', () => {
    expect(problemsOf({ ...PRODUCTION, SMTP_URL: 'smtp://mailer:secret@mail.example.com:587' })).toEqual([]);
  });

  test.each([
    ['http://idp.example.com/jwks.json', 'AUTH_JWKS_URL: must be an https:// URL in production'],
    ['not a url', 'AUTH_JWKS_URL: must be an https:// URL in production'],
  ])('refuses the key set at %s in production', (url, problem) => {
    expect(problemsOf({ ...PRODUCTION, AUTH_JWKS_URL: url })).toEqual([problem]);
  });
});
