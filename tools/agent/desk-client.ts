import type { Queue } from '#contracts';
import type { DeskAnswer } from './desk-answers.js';

/** Desk answers at once or is treated as absent: the client works on Kafka alone then. */
const DESK_TIMEOUT_MS = 3_000;

/** The desk service's HTTP API, as much as the agent client reads of it. Never throws. */
export class DeskClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: () => Promise<string>,
    private readonly timeoutMs = DESK_TIMEOUT_MS,
  ) {}

  queue(queue: Queue): Promise<DeskAnswer> {
    return this.get(`/v1/desk/queues/${queue}/tickets`);
  }

  ticket(ticketId: string): Promise<DeskAnswer> {
    return this.get(`/v1/desk/tickets/${encodeURIComponent(ticketId)}`);
  }

  private async get(path: string): Promise<DeskAnswer> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`;
    try {
      const response = await fetch(url, {
        headers: { accept: 'application/json', authorization: `Bearer ${await this.token()}` },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const body: unknown = await response.json().catch(() => null);
      if (response.ok) return { ok: true, body };
      return { ok: false, error: `${url}: ${response.status} ${problemOf(body) ?? response.statusText}` };
    } catch (error) {
      return { ok: false, error: `${url}: ${reasonOf(error)}` };
    }
  }
}

/** The title and detail of a problem+json answer. */
function problemOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { title, detail } = body as { title?: unknown; detail?: unknown };
  const parts = [title, detail].filter((part): part is string => typeof part === 'string' && part !== '');
  return parts.length > 0 ? parts.join(': ') : undefined;
}

/** `fetch failed` says little: the cause (ECONNREFUSED...) says why. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'no answer in time';
  const cause = error.cause;
  if (cause instanceof Error) return 'code' in cause && typeof cause.code === 'string' ? cause.code : cause.message;
  return error.message;
}
