import { EmailChannel } from './email.channel.js';
import { LogChannel } from './log.channel.js';
import { DeliveryError, DeliveryErrorCode } from './notification-channel.js';
import type { Delivery, ResolvedTarget } from './notification-channel.js';
import { WebhookChannel } from './webhook.channel.js';

export interface ChannelSettings {
  readonly webhookKeys: readonly Buffer[];
  readonly smtpUrl: string;
  readonly from: string;
  readonly attemptTimeoutMs: number;
  readonly concurrency: number;
  readonly requireTls: boolean;
  /** NODE_ENV=development: the log channel shows the text it would send. */
  readonly development: boolean;
}

/** The channels configured for this instance, behind one `deliver`. */
export class ChannelRegistry {
  constructor(
    private readonly log: LogChannel,
    private readonly webhook: WebhookChannel | null,
    private readonly email: EmailChannel | null,
  ) {}

  static create(settings: ChannelSettings): ChannelRegistry {
    return new ChannelRegistry(
      new LogChannel({ showText: settings.development }),
      settings.webhookKeys.length > 0
        ? new WebhookChannel({ keys: settings.webhookKeys, maxSockets: settings.concurrency })
        : null,
      settings.smtpUrl
        ? new EmailChannel({
            smtpUrl: settings.smtpUrl,
            from: settings.from,
            timeoutMs: settings.attemptTimeoutMs,
            maxConnections: Math.min(10, settings.concurrency),
            requireTls: settings.requireTls,
          })
        : null,
    );
  }

  async deliver(delivery: Delivery, target: ResolvedTarget, signal: AbortSignal): Promise<void> {
    switch (target.channel) {
      case 'log':
        return this.log.deliver(delivery);
      case 'webhook':
        if (!this.webhook) throw notConfigured('webhook', 'NOTIFY_WEBHOOK_SECRET');
        return this.webhook.deliver(delivery, target, signal);
      case 'email':
        if (!this.email) throw notConfigured('email', 'SMTP_URL');
        return this.email.deliver(delivery, target, signal);
      default:
        // A target of no known channel is never reported as sent.
        throw new DeliveryError(
          DeliveryErrorCode.channelNotConfigured,
          `unknown channel ${String((target as { channel?: unknown }).channel)}`,
          false,
        );
    }
  }

  close(): void {
    this.webhook?.close();
    this.email?.close();
  }
}

function notConfigured(channel: string, setting: string): DeliveryError {
  return new DeliveryError(DeliveryErrorCode.channelNotConfigured, `the ${channel} channel needs ${setting}`, false);
}
