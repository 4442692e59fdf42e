import { randomUUID } from 'node:crypto';
import { mailMessageId, mailThread } from './mail-thread.js';

const id = (): string => mailMessageId(randomUUID(), 'example.com');

describe(mailThread.name, () => {
  it('starts a thread: no In-Reply-To and no References for the first mail', () => {
    expect(mailThread([])).toEqual({ inReplyTo: null, references: [] });
  });

  it('answers the acknowledgement and names it in References', () => {
    const acknowledgement = id();

    const sut = mailThread([acknowledgement]);

    expect(sut).toEqual({ inReplyTo: acknowledgement, references: [acknowledgement] });
  });

  it('answers the latest mail and names every earlier one, oldest first', () => {
    const earlier = [id(), id(), id()];

    const sut = mailThread(earlier);

    expect(sut.inReplyTo).toBe(earlier[2]);
    expect(sut.references).toEqual(earlier);
  });

  it('keeps the first and the latest mails of a long thread', () => {
    const earlier = Array.from({ length: 30 }, id);

    const sut = mailThread(earlier, 5);

    expect(sut.inReplyTo).toBe(earlier[29]);
    expect(sut.references).toEqual([earlier[0], ...earlier.slice(26)]);
  });
});

describe(mailMessageId.name, () => {
  it('is <uuid@domain>, with nothing else in it', () => {
    const notificationId = randomUUID();

    expect(mailMessageId(notificationId, 'mail.example.org')).toBe(`<${notificationId}@mail.example.org>`);
  });
});
