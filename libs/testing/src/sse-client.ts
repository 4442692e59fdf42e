/** One Server-Sent Event as received. */
export interface ReceivedSseEvent {
  readonly id: string | undefined;
  readonly type: string;
  readonly data: string;
  /** When it was parsed (ms since epoch). */
  readonly receivedAt: number;
}

/**
 * A Server-Sent Events client over fetch (it sends headers, which a browser's EventSource cannot):
 * it collects events as they come, and can reconnect with the last id it saw.
 */
export class SseClient {
  readonly events: ReceivedSseEvent[] = [];
  private readonly abort = new AbortController();
  private finished: Promise<void> | undefined;
  status = 0;

  private constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
  ) {}

  /** Connects; resolves once the response's headers arrived (events then keep coming in). */
  static async connect(url: string, headers: Record<string, string>): Promise<SseClient> {
    const client = new SseClient(url, headers);
    await client.open();
    return client;
  }

  get lastEventId(): string | undefined {
    for (let index = this.events.length - 1; index >= 0; index -= 1) {
      const id = this.events[index]?.id;
      if (id !== undefined) return id;
    }
    return undefined;
  }

  /** Events of these types (heartbeats left out by default). */
  of(...types: string[]): ReceivedSseEvent[] {
    return this.events.filter((event) =>
      types.length === 0 ? event.type !== 'heartbeat' : types.includes(event.type),
    );
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.finished?.catch(() => undefined);
  }

  private async open(): Promise<void> {
    const response = await fetch(this.url, {
      headers: { accept: 'text/event-stream', ...this.headers },
      signal: this.abort.signal,
    });
    this.status = response.status;
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      return;
    }
    this.finished = this.read(response.body);
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch (error) {
      if (!this.abort.signal.aborted) throw error;
    }
  }

  private parse(block: string): void {
    let id: string | undefined;
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0 && id === undefined) return;
    this.events.push({ id, type, data: data.join('\n'), receivedAt: Date.now() });
  }
}
