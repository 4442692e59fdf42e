import { KafkaErrorCode, KafkaPublishError, NonRetriableEventError, isInfrastructureError, isStaleProducer } from './kafka.errors.js';

describe(isInfrastructureError.name, () => {
  test.each([
    { name: 'Kafka unavailable', error: new KafkaPublishError(KafkaErrorCode.unavailable, 'no broker'), infrastructure: true },
    { name: 'Kafka publish timeout', error: new KafkaPublishError(KafkaErrorCode.publishTimeout, 'no ack'), infrastructure: true },
    {
      name: 'a refused connection, as a cause',
      error: new Error('query failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }),
      infrastructure: true,
    },
    {
      name: 'PostgreSQL shutting down (TypeORM driverError)',
      error: Object.assign(new Error('QueryFailedError'), { driverError: { code: '57P01' } }),
      infrastructure: true,
    },
    { name: 'a pool that cannot connect', error: new Error('timeout exceeded when trying to connect'), infrastructure: true },
    {
      name: 'a deadlock, which the next attempt gets past',
      error: Object.assign(new Error('deadlock detected'), { driverError: { code: '40P01' } }),
      infrastructure: true,
    },
    {
      name: 'a serialization failure',
      error: Object.assign(new Error('could not serialize access'), { driverError: { code: '40001' } }),
      infrastructure: true,
    },
    { name: 'an invalid payload', error: new NonRetriableEventError('INVALID_EVENT', 'bad'), infrastructure: false },
    { name: 'a unique violation', error: Object.assign(new Error('duplicate key'), { driverError: { code: '23505' } }), infrastructure: false },
    { name: 'a handler bug', error: new TypeError('cannot read properties of undefined'), infrastructure: false },
  ])('$name: $infrastructure', ({ error, infrastructure }) => {
    expect(isInfrastructureError(error)).toBe(infrastructure);
  });
});

describe(isStaleProducer.name, () => {
  it('recognises the broker forgetting a producer, also inside an aggregate of partition errors', () => {
    const outOfOrder = Object.assign(new Error('out of order'), { type: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
    expect(isStaleProducer(new Error('send failed', { cause: outOfOrder }))).toBe(true);
    expect(
      isStaleProducer(Object.assign(new Error('aggregate'), { errors: [new Error('x'), Object.assign(new Error('y'), { type: 'UNKNOWN_PRODUCER_ID' })] })),
    ).toBe(true);
    expect(isStaleProducer(Object.assign(new Error('timeout'), { type: 'REQUEST_TIMED_OUT' }))).toBe(false);
  });
});
