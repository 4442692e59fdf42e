import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { DeliveryError, DeliveryErrorCode } from './notification-channel.js';
import type { Delivery, NotificationChannel } from './notification-channel.js';
import { childTraceparent } from '#kafka';
import { webhookHeaders } from './webhook-signature.js';

export interface WebhookChannelOptions {
  /** Signing keys (decoded `whsec_` secrets). */
  readonly keys: readonly Buffer[];
  /** Connections kept per receiver; matches the delivery concurrency. */
  readonly maxSockets: number;
}

/** The JSON body a receiver gets (Standard Webhooks shape: type, timestamp, data). */
export interface WebhookBody {
  readonly type: string;
  readonly timestamp: string;
  readonly data: {
    readonly notificationId: string;
    readonly ticketId: string;
    readonly reference: string;
    readonly audience: string;
    readonly recipient: string | null;
    readonly locale: string;
    readonly subject: string;
    readonly text: string;
    readonly alertId: string | null;
    readonly escalationLevel: number | null;
  };
}

export function webhookBody(delivery: Delivery): WebhookBody {
  return {
    type: delivery.kind,
    timestamp: delivery.createdAt.toISOString(),
    data: {
      notificationId: delivery.notificationId,
      ticketId: delivery.ticketId,
      reference: delivery.reference,
      audience: delivery.audience,
      recipient: delivery.recipient,
      locale: delivery.locale,
      subject: delivery.subject,
      text: delivery.body,
      alertId: delivery.alertId,
      escalationLevel: delivery.escalationLevel,
    },
  };
}

const RETRIABLE_STATUSES = new Set([408, 425, 429]);

/** Seconds or an HTTP date, as in RFC 9110; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * HTTP POST signed the Standard Webhooks way, over kept-alive connections. The webhook-id is the
 * notification id, identical on every attempt, so receivers can deduplicate; redirects are not
 * followed. 2xx is success; 408, 425, 429 and 5xx are retried; any other status is final.
 */
export class WebhookChannel implements NotificationChannel<{ readonly channel: 'webhook'; readonly url: string }> {
  readonly name = 'webhook';
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;
  private readonly urls = new Map<string, URL>();

  constructor(private readonly options: WebhookChannelOptions) {
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets });
  }

  async deliver(delivery: Delivery, target: { readonly url: string }, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(webhookBody(delivery));
    // The signed timestamp is the wall-clock time of this attempt: receivers check it against theirs.
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'support-notification/1',
      ...webhookHeaders(this.options.keys, delivery.notificationId, new Date(), body),
      // The receiver's work is a span of the ticket's trace (not signed: it is not part of the message).
      ...(delivery.traceparent ? { traceparent: childTraceparent(delivery.traceparent) } : {}),
    };
    const response = await this.post(this.parsed(target.url), headers, body, signal);
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return;
    const retriable = status >= 500 || RETRIABLE_STATUSES.has(status);
    const header = response.headers['retry-after'];
    throw new DeliveryError(
      DeliveryErrorCode.httpStatus,
      `receiver answered ${status}`,
      retriable,
      retriable ? retryAfterMs(header) : undefined,
    );
  }

  private parsed(url: string): URL {
    let parsed = this.urls.get(url);
    if (!parsed) {
      parsed = new URL(url);
      this.urls.set(url, parsed);
    }
    return parsed;
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private post(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<IncomingMessage> {
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const request = send(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          agent: secure ? this.httpsAgent : this.httpAgent,
          signal,
        },
        (response) => {
          // The body is not needed; reading it to the end returns the connection to the pool.
          response.resume();
          response.once('end', () => resolve(response));
          response.once('error', (error) => reject(asDeliveryError(error, signal)));
        },
      );
      request.once('error', (error) => reject(asDeliveryError(error, signal)));
      request.end(body);
    });
  }
}

function asDeliveryError(error: Error, signal: AbortSignal): DeliveryError {
  if (signal.aborted || error.name === 'AbortError')
    return new DeliveryError(DeliveryErrorCode.timeout, 'no answer before the attempt timeout', true);
  const code = 'code' in error && typeof error.code === 'string' ? error.code : 'ERROR';
  return new DeliveryError(DeliveryErrorCode.network, `cannot reach the receiver (${code})`, true);
}
