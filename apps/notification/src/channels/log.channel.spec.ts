import { randomUUID } from 'node:crypto';
import { LogChannel } from './log.channel.js';
import type { Delivery } from './notification-channel.js';

function reply(): Delivery {
  return {
    notificationId: randomUUID(),
    ticketId: randomUUID(),
    reference: 'SR-7K4Q-M2XD',
    kind: 'ticket.reply',
    audience: 'requester',
    recipient: null,
    locale: 'en',
    subject: '[SR-7K4Q-M2XD] Reply to your request',
    body: 'We fixed the export, please try again.',
    alertId: null,
    escalationLevel: null,
    createdAt: new Date(),
    attempt: 1,
  };
}

/** Keeps what the channel logs, as the Nest logger would receive it. */
class RecordingLogger {
  readonly lines: unknown[] = [];

  log(message: unknown): void {
    this.lines.push(message);
  }
}

describe(LogChannel.name, () => {
  it('shows the text a notification would send, in development', async () => {
    const logger = new RecordingLogger();
    const sut = new LogChannel({ showText: true }, logger);
    const delivery = reply();

    await sut.deliver(delivery);

    expect(logger.lines).toEqual([
      expect.objectContaining({
        notificationId: delivery.notificationId,
        kind: 'ticket.reply',
        subject: '[SR-7K4Q-M2XD] Reply to your request',
        text: 'We fixed the export, please try again.',
      }),
    ]);
  });

  it('logs ids only, never the text, outside development', async () => {
    const logger = new RecordingLogger();
    const sut = new LogChannel({ showText: false }, logger);

    await sut.deliver(reply());

    expect(logger.lines).toHaveLength(1);
    expect(JSON.stringify(logger.lines)).not.toContain('We fixed the export');
    expect(logger.lines[0]).not.toHaveProperty('subject');
  });
});
