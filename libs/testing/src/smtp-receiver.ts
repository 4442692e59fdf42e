import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message as the SMTP server received it, decoded enough for assertions. */
export interface ReceivedMail {
  readonly envelopeFrom: string;
  readonly envelopeTo: string[];
  readonly headers: Record<string, string>;
  readonly subject: string;
  readonly text: string;
  readonly raw: string;
  /** When the server accepted it (ms since epoch). */
  readonly receivedAt: number;
}

export interface SmtpReceiverOptions {
  /** SMTP reply code to refuse a recipient with (e.g. 550 permanent, 451 transient); undefined accepts. */
  readonly refuseRecipient?: (address: string) => number | undefined;
}

/**
 * A real SMTP server (smtp-server) on a free local port, without TLS or authentication, that
 * keeps every message it accepts.
 */
export class SmtpReceiver {
  readonly messages: ReceivedMail[] = [];
  private readonly server: SMTPServer;
  private port = 0;

  constructor(options: SmtpReceiverOptions = {}) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const code = options.refuseRecipient?.(address.address);
        if (code === undefined) return callback();
        const error = Object.assign(new Error(`${code} recipient refused`), { responseCode: code });
        return callback(error);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const from = session.envelope.mailFrom;
          this.messages.push({
            ...parseMail(raw),
            raw,
            receivedAt: Date.now(),
            envelopeFrom: from ? from.address : '',
            envelopeTo: session.envelope.rcptTo.map((recipient) => recipient.address),
          });
          callback();
        });
      },
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => {
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  to(address: string): ReceivedMail[] {
    return this.messages.filter((message) => message.envelopeTo.includes(address));
  }
}

function parseMail(raw: string): Omit<ReceivedMail, 'raw' | 'envelopeFrom' | 'envelopeTo' | 'receivedAt'> {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const text =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : encoding === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : body;
  return { headers, subject: decodeEncodedWords(headers.subject ?? ''), text: text.replace(/\r\n$/, '') };
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => `%${hex}`);
  // Bytes as percent escapes, decoded as UTF-8; a literal % must not be taken for one.
  return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
}

function decodeEncodedWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([bq])\?([^?]*)\?=/gi, (_, _charset: string, kind: string, data: string) =>
      kind.toLowerCase() === 'b'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}
