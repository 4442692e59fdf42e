import { createTransport } from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { DeliveryError, DeliveryErrorCode, untilAborted } from './notification-channel.js';
import type { Delivery, EmailAddress, NotificationChannel } from './notification-channel.js';
import { mailMessageId } from './mail-thread.js';

export interface EmailChannelOptions {
  /** `smtp://` or `smtps://` URL, credentials included. */
  readonly smtpUrl: string;
  /** RFC 5322 From, e.g. `Support <support@example.com>`. */
  readonly from: string;
  readonly timeoutMs: number;
  readonly maxConnections: number;
  /** STARTTLS is required on smtp:// (production): no mail, and no password, in clear. */
  readonly requireTls: boolean;
}

/** The domain of the From address, for Message-IDs. */
export function senderDomain(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
}

/** 5yz replies are permanent rejections (RFC 5321), except 503, a session in the wrong state. */
function isPermanentReply(code: number): boolean {
  return code >= 500 && code < 600 && code !== 503;
}

/**
 * Plain-text email over a pooled SMTP connection. The Message-ID is derived from the notification
 * id, so a mail sent again after an uncertain attempt is recognisable as the same message.
 */
export class EmailChannel implements NotificationChannel<EmailAddress> {
  readonly name = 'email';
  private readonly transport: Transporter;
  private readonly domain: string;

  constructor(options: EmailChannelOptions) {
    this.domain = senderDomain(options.from);
    this.transport = createTransport(
      {
        pool: true,
        url: options.smtpUrl,
        maxConnections: options.maxConnections,
        connectionTimeout: options.timeoutMs,
        greetingTimeout: options.timeoutMs,
        socketTimeout: options.timeoutMs,
        ...(options.requireTls ? { requireTLS: true } : {}),
      },
      { from: options.from },
    );
  }

  async deliver(
    delivery: Delivery,
    target: Pick<EmailAddress, 'to' | 'inReplyTo' | 'references'>,
    signal: AbortSignal,
  ): Promise<void> {
    const references = target.references ?? [];
    try {
      await untilAborted(
        this.transport.sendMail({
          to: target.to,
          subject: delivery.subject,
          text: delivery.body,
          messageId: mailMessageId(delivery.notificationId, this.domain),
          // RFC 5322 threading: the reply sits under the ticket's earlier mails in the requester's client.
          ...(target.inReplyTo ? { inReplyTo: target.inReplyTo } : {}),
          ...(references.length > 0 ? { references: [...references] } : {}),
          headers: {
            // RFC 3834: no out-of-office replies to a machine.
            'Auto-Submitted': 'auto-generated',
            'X-Support-Reference': delivery.reference,
            'X-Notification-Id': delivery.notificationId,
          },
        }),
        signal,
      );
    } catch (error) {
      throw asDeliveryError(error);
    }
  }

  close(): void {
    this.transport.close();
  }
}

function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const details = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  const responseCode = typeof details.responseCode === 'number' ? details.responseCode : undefined;
  const code = typeof details.code === 'string' ? details.code : 'ERROR';
  // The server's reply text may quote the address: only the codes are kept.
  if (responseCode !== undefined) {
    const permanent = isPermanentReply(responseCode);
    return new DeliveryError(
      permanent ? DeliveryErrorCode.smtpRejected : DeliveryErrorCode.smtpUnavailable,
      `SMTP ${responseCode} (${code})`,
      !permanent,
    );
  }
  if (code === 'ETIMEDOUT')
    return new DeliveryError(DeliveryErrorCode.timeout, 'SMTP server did not answer in time', true);
  return new DeliveryError(DeliveryErrorCode.smtpUnavailable, `cannot reach the SMTP server (${code})`, true);
}
