import { Inject, Injectable } from '@nestjs/common';
import { ChannelRegistry } from '../channels/channel-registry.js';
import { DeliveryError, DeliveryErrorCode } from '../channels/notification-channel.js';
import type { Delivery, ResolvedTarget } from '../channels/notification-channel.js';
import { NotificationConfig } from '../notification.config.js';
import { ContactRepository } from '../recipients/contact.repository.js';
import { requesterTargetFor } from '../recipients/recipients.js';
import type { ChannelName, RecipientDirectory, RequesterTarget, StaffTarget } from '../recipients/recipients.js';
import { senderDomain } from '../channels/email.channel.js';
import { mailMessageId, mailThread } from '../channels/mail-thread.js';
import { TicketRepository } from '../conversations/ticket.repository.js';
import { redactPersonalData } from './redact.js';
import type { AttemptResult } from './retry-policy.js';
import { messageOf } from '#kafka';

export const CHANNEL_REGISTRY = Symbol('CHANNEL_REGISTRY');

const ERASED = 'the requester address has been erased';

export interface SendResult {
  readonly channel: ChannelName;
  readonly result: AttemptResult;
  /** The Message-ID of a mail sent to the requester (it threads the ticket's next mails). */
  readonly mailMessageId?: string;
}

/** Finds where a notification goes (configuration, or the requester's address) and makes one attempt. */
@Injectable()
export class NotificationSender {
  private readonly directory: RecipientDirectory;
  private readonly mailDomain: string;

  constructor(
    @Inject(CHANNEL_REGISTRY) private readonly channels: ChannelRegistry,
    private readonly contacts: ContactRepository,
    private readonly tickets: TicketRepository,
    config: NotificationConfig,
  ) {
    this.directory = config.recipients;
    this.mailDomain = senderDomain(config.NOTIFY_FROM);
  }

  /** Never rejects: every failure becomes a result the retry policy can weigh. */
  async attempt(delivery: Delivery, signal: AbortSignal): Promise<SendResult> {
    let channel: ChannelName = this.configuredTarget(delivery)?.channel ?? 'log';
    try {
      const configured =
        delivery.audience === 'requester' ? await this.requesterTarget(delivery) : this.configuredTarget(delivery);
      if (!configured)
        throw new DeliveryError(
          DeliveryErrorCode.channelNotConfigured,
          `no target for the audience ${delivery.audience}`,
          false,
        );
      channel = configured.channel;
      const target = await this.resolve(delivery, configured);
      if ('skip' in target) return { channel, result: { kind: 'skipped', reason: target.skip } };
      await this.channels.deliver(delivery, target, signal);
      return target.channel === 'email' && delivery.audience === 'requester'
        ? { channel, result: { kind: 'sent' }, mailMessageId: mailMessageId(delivery.notificationId, this.mailDomain) }
        : { channel, result: { kind: 'sent' } };
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

  /** The requester's target on their ticket's channel: chat requesters may have their own (the chat backend). */
  private async requesterTarget(delivery: Delivery): Promise<ResolvedTarget | { readonly channel: 'email' }> {
    const requester = this.directory.requester;
    if (!requester.chat) return requesterTargetFor(requester, undefined);
    const ticket = (await this.tickets.find([delivery.ticketId])).get(delivery.ticketId);
    return requesterTargetFor(requester, ticket?.channel);
  }

  private async resolve(
    delivery: Delivery,
    configured: ResolvedTarget | { readonly channel: 'email' },
  ): Promise<ResolvedTarget | { skip: string }> {
    if (delivery.audience !== 'requester') return configured as ResolvedTarget;
    if (configured.channel !== 'email') {
      // A reply is the conversation itself: once its requester is erased, it goes nowhere.
      if (delivery.kind === 'ticket.reply' && (await this.contacts.find(delivery.ticketId)).kind === 'erased')
        return { skip: ERASED };
      return configured;
    }
    // The requester's own address. The routed event can overtake the submitted one (two topics): it comes soon.
    const contact = await this.contacts.find(delivery.ticketId);
    if (contact.kind === 'unknown')
      throw new DeliveryError(DeliveryErrorCode.contactUnknown, "the requester's address is not known yet", true);
    if (contact.kind === 'erased') return { skip: ERASED };
    if (!contact.email) return { skip: 'the requester has no email address' };
    const thread = mailThread(
      (await this.tickets.mailsOf(delivery.ticketId)).filter(
        (id) => id !== mailMessageId(delivery.notificationId, this.mailDomain),
      ),
    );
    return { channel: 'email', to: contact.email, ...thread };
  }
}
