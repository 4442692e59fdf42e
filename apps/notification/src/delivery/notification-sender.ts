import { Inject, Injectable } from '@nestjs/common';
import { ChannelRegistry } from '../channels/channel-registry.js';
import { DeliveryError, DeliveryErrorCode } from '../channels/notification-channel.js';
import type { Delivery, ResolvedTarget } from '../channels/notification-channel.js';
import { NotificationConfig } from '../notification.config.js';
import { ContactRepository } from '../recipients/contact.repository.js';
import type { ChannelName, RecipientDirectory, RequesterTarget, StaffTarget } from '../recipients/recipients.js';
import { redactPersonalData } from './redact.js';
import type { AttemptResult } from './retry-policy.js';
import { messageOf } from '#kafka';

export const CHANNEL_REGISTRY = Symbol('CHANNEL_REGISTRY');

export interface SendResult {
  readonly channel: ChannelName;
  readonly result: AttemptResult;
}

/** Finds where a notification goes (configuration, or the requester's address) and makes one attempt. */
@Injectable()
export class NotificationSender {
  private readonly directory: RecipientDirectory;

  constructor(
    @Inject(CHANNEL_REGISTRY) private readonly channels: ChannelRegistry,
    private readonly contacts: ContactRepository,
    config: NotificationConfig,
  ) {
    this.directory = config.recipients;
  }

  /** Never rejects: every failure becomes a result the retry policy can weigh. */
  async attempt(delivery: Delivery, signal: AbortSignal): Promise<SendResult> {
    const configured = this.configuredTarget(delivery);
    const channel = configured?.channel ?? 'log';
    try {
      if (!configured)
        throw new DeliveryError(
          DeliveryErrorCode.channelNotConfigured,
          `no target for the audience ${delivery.audience}`,
          false,
        );
      const target = await this.resolve(delivery, configured);
      if ('skip' in target) return { channel, result: { kind: 'skipped', reason: target.skip } };
      await this.channels.deliver(delivery, target, signal);
      return { channel, result: { kind: 'sent' } };
    } catch (error) {
      if (error instanceof DeliveryError) {
        return {
          channel,
          result: {
            kind: 'failed',
            code: error.code,
            message: redactPersonalData(error.message),
            retriable: error.retriable,
            ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
          },
        };
      }
      const message = redactPersonalData(messageOf(error));
      return { channel, result: { kind: 'failed', code: DeliveryErrorCode.unexpected, message, retriable: true } };
    }
  }

  /** The receiver a delivery will go to, for per-receiver concurrency limits. */
  receiverOf(delivery: Delivery): string {
    const target = this.configuredTarget(delivery);
    if (!target) return 'none';
    return target.channel === 'webhook' ? `webhook ${target.url}` : target.channel;
  }

  private configuredTarget(delivery: Delivery): StaffTarget | RequesterTarget | undefined {
    switch (delivery.audience) {
      case 'psm':
        return (
          (delivery.recipient === null ? undefined : this.directory.psm.byId.get(delivery.recipient)) ??
          this.directory.psm.default
        );
      case 'requester':
      case 'support':
      case 'phone-desk':
      case 'on-call':
        return this.directory[delivery.audience];
      default:
        return undefined;
    }
  }

  private async resolve(
    delivery: Delivery,
    configured: StaffTarget | RequesterTarget,
  ): Promise<ResolvedTarget | { skip: string }> {
    if (configured.channel !== 'email' || 'to' in configured) return configured;
    // The requester's own address. The routed event can overtake the submitted one (two topics): it comes soon.
    const contact = await this.contacts.find(delivery.ticketId);
    if (contact.kind === 'unknown')
      throw new DeliveryError(DeliveryErrorCode.contactUnknown, "the requester's address is not known yet", true);
    if (contact.kind === 'erased') return { skip: 'the requester address has been erased' };
    if (!contact.email) return { skip: 'the requester has no email address' };
    return { channel: 'email', to: contact.email };
  }
}
