import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/** A request the receiver accepted after checking its Standard Webhooks signature. */
export interface ReceivedWebhook {
  readonly id: string;
  readonly timestamp: number;
  readonly body: string;
  readonly json: { readonly type: string; readonly timestamp: string; readonly data: Record<string, unknown> };
  readonly path: string;
  readonly receivedAt: number;
  /** The W3C traceparent header, when the sender continued a trace. */
  readonly traceparent: string | undefined;
}

export interface WebhookResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Delay before answering (a slow receiver). */
  readonly delayMs?: number;
}

export interface WebhookReceiverOptions {
  /** `whsec_<base64>`; several, separated by spaces, while a secret is rotated (any of them verifies). */
  readonly secret: string;
  /** At most the library's own 5 minutes, which it applies whatever this says. */
  readonly toleranceSeconds?: number;
  /** Decides the answer to each verified request; default 204. */
  readonly respond?: (webhook: ReceivedWebhook, attempt: number) => WebhookResponse;
}

/** A fresh `whsec_` secret. */
export function webhookSecret(bytes = 32): string {
  return `whsec_${randomBytes(bytes).toString('base64')}`;
}

/**
 * A real HTTP receiver that verifies signatures with the Standard Webhooks reference library
 * (`standardwebhooks`), never with the sender's code: a test of our signer is then not our signer
 * checking itself. Unsigned or badly signed requests get 401 and are counted.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Every request, verified or not, with its webhook-id (an attempt log). */
  readonly attempts: { id: string; at: number; status: number }[] = [];
  rejected = 0;
  /** One per configured secret: the library verifies against a single secret. */
  private readonly verifiers: readonly Webhook[];
  private readonly server: Server;
  private port = 0;
  private readonly delays = new Set<() => void>();
  private readonly attemptsById = new Map<string, number>();

  constructor(private readonly options: WebhookReceiverOptions) {
    this.verifiers = options.secret
      .trim()
      .split(/\s+/)
      .map((secret) => new Webhook(secret));
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
    this.server.keepAliveTimeout = 30_000;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path = '/hooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    for (const cancel of this.delays) cancel();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Verified webhooks about one ticket. */
  forTicket(ticketId: string): ReceivedWebhook[] {
    return this.received.filter((webhook) => webhook.json.data.ticketId === ticketId);
  }

  /** Whether the library accepts the signature header (and the timestamp) under any configured secret. */
  verify(id: string, timestamp: string, body: string, signatureHeader: string): boolean {
    const headers = { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signatureHeader };
    return this.verifiers.some((verifier) => {
      try {
        verifier.verify(body, headers, { jsonParse: false });
        return true;
      } catch (error) {
        if (error instanceof WebhookVerificationError) return false;
        throw error;
      }
    });
  }

  /** A delay that stop() cuts short, so a hanging answer never outlives the receiver. */
  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = (): void => {
        clearTimeout(timer);
        this.delays.delete(cancel);
        resolve();
      };
      const timer = setTimeout(cancel, ms);
      this.delays.add(cancel);
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const id = header(request, 'webhook-id');
    const timestamp = header(request, 'webhook-timestamp');
    const signature = header(request, 'webhook-signature');
    const tolerance = this.options.toleranceSeconds ?? 300;
    const fresh = /^\d+$/.test(timestamp) && Math.abs(Date.now() / 1000 - Number(timestamp)) <= tolerance;
    if (request.method !== 'POST' || !id || !fresh || !signature || !this.verify(id, timestamp, body, signature)) {
      this.rejected += 1;
      this.attempts.push({ id, at: Date.now(), status: 401 });
      response.writeHead(401).end();
      return;
    }
    const webhook: ReceivedWebhook = {
      id,
      timestamp: Number(timestamp),
      body,
      json: JSON.parse(body) as ReceivedWebhook['json'],
      path: request.url ?? '/',
      receivedAt: Date.now(),
      traceparent: header(request, 'traceparent') || undefined,
    };
    const attempt = (this.attemptsById.get(id) ?? 0) + 1;
    this.attemptsById.set(id, attempt);
    const answer = this.options.respond?.(webhook, attempt) ?? { status: 204 };
    this.attempts.push({ id, at: webhook.receivedAt, status: answer.status });
    if (answer.status >= 200 && answer.status < 300) this.received.push(webhook);
    if (answer.delayMs) await this.delay(answer.delayMs);
    if (!response.destroyed) response.writeHead(answer.status, answer.headers ?? {}).end();
  }
}

function header(request: IncomingMessage, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}
