import {
  KAFKAJS_APIS,
  apiVersionsRequest,
  brokerAddress,
  frameLength,
  kafkaJsApis,
  parseApiVersionsResponse,
  unsupportedApis,
} from './kafka-api-versions.js';
import type { KafkaJsApi } from './kafka-api-versions.js';

/** An ApiVersions v0 response as a broker writes it, field by field. */
function response(correlationId: number, errorCode: number, ranges: readonly [number, number, number][]): Buffer {
  const frame = Buffer.alloc(4 + 4 + 2 + 4 + ranges.length * 6);
  let offset = frame.writeInt32BE(frame.length - 4, 0);
  offset = frame.writeInt32BE(correlationId, offset);
  offset = frame.writeInt16BE(errorCode, offset);
  offset = frame.writeInt32BE(ranges.length, offset);
  for (const [apiKey, min, max] of ranges) {
    offset = frame.writeInt16BE(apiKey, offset);
    offset = frame.writeInt16BE(min, offset);
    offset = frame.writeInt16BE(max, offset);
  }
  return frame;
}

describe(apiVersionsRequest.name, () => {
  it('writes size, api_key 18, api_version 0, the correlation id and the client id', () => {
    const sut = apiVersionsRequest(7, 'ab');

    expect(sut.toString('hex')).toBe('0000000c' + '0012' + '0000' + '00000007' + '0002' + '6162');
  });
});

describe(parseApiVersionsResponse.name, () => {
  it('reads the correlation id, the error code and every [api_key, min, max]', () => {
    const sut = parseApiVersionsResponse(
      response(7, 0, [
        [0, 3, 12],
        [18, 0, 4],
      ]),
    );

    expect(sut).toEqual({
      correlationId: 7,
      errorCode: 0,
      apis: [
        { apiKey: 0, minVersion: 3, maxVersion: 12 },
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
      ],
    });
  });

  it('reads an error answer with no ranges', () => {
    expect(parseApiVersionsResponse(response(1, 35, []))).toEqual({ correlationId: 1, errorCode: 35, apis: [] });
  });

  it('refuses a frame cut short or with bytes left over', () => {
    const whole = response(7, 0, [[0, 3, 12]]);

    expect(() => parseApiVersionsResponse(whole.subarray(0, whole.length - 1))).toThrow(/announces/);
    expect(() => parseApiVersionsResponse(Buffer.concat([whole, Buffer.from([0])]))).toThrow(/announces/);
    const miscounted = Buffer.from(whole);
    miscounted.writeInt32BE(2, 10);
    expect(() => parseApiVersionsResponse(miscounted)).toThrow(/do not fill/);
  });
});

describe(frameLength.name, () => {
  it('is unknown until the size is in, then the size plus its own 4 bytes', () => {
    const frame = response(7, 0, [[0, 3, 12]]);

    expect(frameLength(frame.subarray(0, 3))).toBeUndefined();
    expect(frameLength(frame.subarray(0, 4))).toBe(frame.length);
  });
});

describe(kafkaJsApis.name, () => {
  it("reads every API's key and highest version from kafkajs's request modules", () => {
    const sut = kafkaJsApis();

    expect(sut.map((api) => api.name)).toEqual([...KAFKAJS_APIS]);
    expect(sut.find((api) => api.name === 'Produce')).toEqual({ name: 'Produce', apiKey: 0, highest: 7 });
    expect(sut.find((api) => api.name === 'GroupCoordinator')).toEqual({
      name: 'GroupCoordinator',
      apiKey: 10,
      highest: 2,
    });
    expect(sut.find((api) => api.name === 'ApiVersions')).toEqual({ name: 'ApiVersions', apiKey: 18, highest: 2 });
  });
});

describe(unsupportedApis.name, () => {
  const kafkaJs: KafkaJsApi[] = [
    { name: 'Produce', apiKey: 0, highest: 7 },
    { name: 'Fetch', apiKey: 1, highest: 11 },
  ];

  it('finds nothing when each highest version is inside the broker range', () => {
    expect(
      unsupportedApis(kafkaJs, [
        { apiKey: 0, minVersion: 3, maxVersion: 7 },
        { apiKey: 1, minVersion: 4, maxVersion: 17 },
      ]),
    ).toEqual([]);
  });

  it('names an API the broker lacks, has dropped the version of, or does not reach yet', () => {
    expect(unsupportedApis(kafkaJs, [{ apiKey: 1, minVersion: 12, maxVersion: 17 }])).toEqual([
      'Produce (key 0): the broker does not offer it',
      'Fetch (key 1): kafkajs sends v11, the broker accepts v12-v17',
    ]);
    expect(
      unsupportedApis(kafkaJs, [
        { apiKey: 0, minVersion: 0, maxVersion: 6 },
        { apiKey: 1, minVersion: 0, maxVersion: 11 },
      ]),
    ).toEqual(['Produce (key 0): kafkajs sends v7, the broker accepts v0-v6']);
  });
});

describe(brokerAddress.name, () => {
  test.each([
    ['127.0.0.1:19092', { host: '127.0.0.1', port: 19092 }],
    ['kafka.internal:9092', { host: 'kafka.internal', port: 9092 }],
    ['[::1]:9092', { host: '::1', port: 9092 }],
  ])('reads %s', (broker, expected) => {
    expect(brokerAddress(broker)).toEqual(expected);
  });

  test.each(['localhost', ':9092', 'localhost:0', 'localhost:http'])('refuses %s', (broker) => {
    expect(() => brokerAddress(broker)).toThrow(/host:port/);
  });
});
