import { isTransientDatabaseError } from './database-errors.js';

const driverError = (code: string, message = 'failed'): Error =>
  Object.assign(new Error('QueryFailedError'), { driverError: Object.assign(new Error(message), { code }) });

describe(isTransientDatabaseError.name, () => {
  test.each([
    { name: 'PostgreSQL shutting down (TypeORM driverError)', error: driverError('57P01'), transient: true },
    { name: 'the server not accepting connections yet', error: driverError('57P03'), transient: true },
    { name: 'too many connections', error: driverError('53300'), transient: true },
    { name: 'disk full', error: driverError('53100'), transient: true },
    { name: 'out of memory', error: driverError('53200'), transient: true },
    { name: 'a connection failure (class 08)', error: driverError('08006'), transient: true },
    { name: 'a read-only standby after a failover', error: driverError('25006'), transient: true },
    { name: 'a deadlock, which the next attempt gets past', error: driverError('40P01'), transient: true },
    { name: 'a serialization failure', error: driverError('40001'), transient: true },
    {
      name: 'a pool that cannot connect',
      error: new Error('timeout exceeded when trying to connect'),
      transient: true,
    },
    {
      name: 'a client that lost its connection',
      error: new Error('Client has encountered a connection error and is not queryable'),
      transient: true,
    },
    { name: 'a unique violation', error: driverError('23505'), transient: false },
    { name: 'a syntax error', error: driverError('42601'), transient: false },
    { name: 'a handler bug', error: new TypeError('cannot read properties of undefined'), transient: false },
    {
      name: 'a socket error code, which is not a SQLSTATE',
      error: Object.assign(new Error('x'), { code: 'EPIPE' }),
      transient: false,
    },
  ])('$name: $transient', ({ error, transient }) => {
    expect(isTransientDatabaseError(error)).toBe(transient);
  });
});
