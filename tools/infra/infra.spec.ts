import { parseBrokers, topicPartitions } from './index.js';
import { profileSettings } from './layout.js';
import { redactUrl, withDatabase } from './postgres.js';

describe(parseBrokers.name, () => {
  it('splits a comma-separated list and drops blanks', () => {
    const sut = parseBrokers(' a:9092, ,b:9092 ');

    expect(sut).toEqual(['a:9092', 'b:9092']);
  });

  it('gives an empty list when the variable is unset', () => {
    expect(parseBrokers(undefined)).toEqual([]);
  });
});

describe(topicPartitions.name, () => {
  const original = process.env['KAFKA_TOPIC_PARTITIONS'];
  afterEach(() => {
    if (original === undefined) delete process.env['KAFKA_TOPIC_PARTITIONS'];
    else process.env['KAFKA_TOPIC_PARTITIONS'] = original;
  });

  it('defaults to 6', () => {
    delete process.env['KAFKA_TOPIC_PARTITIONS'];

    expect(topicPartitions()).toBe(6);
  });

  it('rejects a value that is not a positive integer', () => {
    process.env['KAFKA_TOPIC_PARTITIONS'] = '0';

    expect(() => topicPartitions()).toThrow('KAFKA_TOPIC_PARTITIONS must be a positive integer');
  });
});

describe(profileSettings.name, () => {
  it('keeps every port and database of the test profile apart from the dev profile', () => {
    const dev = profileSettings('dev');
    const sut = profileSettings('test');

    expect(sut.kafkaPort).not.toBe(dev.kafkaPort);
    expect(sut.kafkaControllerPort).not.toBe(dev.kafkaControllerPort);
    expect(sut.embeddedPostgresPort).not.toBe(dev.embeddedPostgresPort);
    expect(sut.databaseName).not.toBe(dev.databaseName);
  });
});

describe(redactUrl.name, () => {
  it('hides the password of a connection URL', () => {
    const sut = redactUrl('postgres://app:s3cret@db:5432/support');

    expect(sut).not.toContain('s3cret');
    expect(sut).toContain('app:***@db:5432/support');
  });

  it('replaces only the database of a URL', () => {
    expect(withDatabase('postgres://app:pw@db:5432/support?sslmode=require', 'postgres')).toBe(
      'postgres://app:pw@db:5432/postgres?sslmode=require',
    );
  });
});
