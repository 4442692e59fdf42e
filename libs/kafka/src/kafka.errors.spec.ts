import {
  KafkaErrorCode,
  KafkaPublishError,
  NonRetriableEventError,
  isInfrastructureError,
  publishFailureOf,
} from './kafka.errors.js';

describe(isInfrastructureError.name, () => {
  test.each([
    {
      name: 'Kafka unavailable',
      error: new KafkaPublishError(KafkaErrorCode.unavailable, 'no broker'),
      infrastructure: true,
    },
    {
      name: 'Kafka publish timeout',
      error: new KafkaPublishError(KafkaErrorCode.publishTimeout, 'no ack'),
      infrastructure: true,
    },
    {
      name: 'a refused connection, as a cause',
      error: new Error('query failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }),
      infrastructure: true,
    },
    {
      name: 'a record the broker refused',
      error: new KafkaPublishError(KafkaErrorCode.recordRefused, 'too large'),
      infrastructure: false,
    },
    { name: 'an invalid payload', error: new NonRetriableEventError('INVALID_EVENT', 'bad'), infrastructure: false },
    { name: 'a handler bug', error: new TypeError('cannot read properties of undefined'), infrastructure: false },
  ])('$name: $infrastructure', ({ error, infrastructure }) => {
    expect(isInfrastructureError(error)).toBe(infrastructure);
  });

  it('asks the service whether a failure is one of its other dependencies', () => {
    const databaseDown = Object.assign(new Error('terminating connection'), { code: '57P01' });

    expect(isInfrastructureError(databaseDown)).toBe(false);
    expect(isInfrastructureError(databaseDown, (error) => error === databaseDown)).toBe(true);
  });
});

describe(publishFailureOf.name, () => {
  test.each(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'INVALID_TIMESTAMP'])(
    'blames the record for %s',
    (type) => {
      const sut = publishFailureOf(new Error('send failed', { cause: Object.assign(new Error('refused'), { type }) }));

      expect(sut).toMatchObject({ code: KafkaErrorCode.recordRefused, retriable: false });
      expect(isInfrastructureError(sut)).toBe(false);
    },
  );

  test.each(['NOT_ENOUGH_REPLICAS', 'NOT_LEADER_FOR_PARTITION', 'REQUEST_TIMED_OUT', 'TOPIC_AUTHORIZATION_FAILED'])(
    'waits out %s: the broker, not the record',
    (type) => {
      const sut = publishFailureOf(Object.assign(new Error('failed'), { type }));

      expect(sut).toMatchObject({ code: KafkaErrorCode.unavailable, retriable: true });
      expect(isInfrastructureError(sut)).toBe(true);
    },
  );

  it('keeps a timeout as it is', () => {
    const timeout = new KafkaPublishError(KafkaErrorCode.publishTimeout, 'no ack');

    expect(publishFailureOf(timeout)).toBe(timeout);
  });
});
