import { connect } from 'node:net';
import {
  apiVersionsRequest,
  brokerAddress,
  frameLength,
  kafkaJsApis,
  parseApiVersionsResponse,
  testBrokers,
  unsupportedApis,
} from '#testing';
import type { ApiVersionsResponse } from '#testing';

const CORRELATION_ID = 0x5ca1ab1e;
const ANSWER_TIMEOUT_MS = 10_000;

/** Asks one broker for its API version ranges over a bare socket: no Kafka client in between. */
async function brokerApiVersions(broker: string): Promise<ApiVersionsResponse> {
  const socket = connect(brokerAddress(broker));
  try {
    return await new Promise<ApiVersionsResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${broker} did not answer ApiVersions`)), ANSWER_TIMEOUT_MS);
      let received = Buffer.alloc(0);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('connect', () => socket.write(apiVersionsRequest(CORRELATION_ID, 'protocol-versions-guard')));
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const length = frameLength(received);
        if (length === undefined || received.length < length) return;
        clearTimeout(timer);
        try {
          resolve(parseApiVersionsResponse(received.subarray(0, length)));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  } finally {
    socket.destroy();
  }
}

describe('Kafka protocol versions (kafkajs 2.2.4 against the test broker)', () => {
  it('offers, for every API kafkajs uses, the highest version kafkajs implements', async () => {
    const kafkaJs = kafkaJsApis();

    for (const broker of testBrokers()) {
      const sut = await brokerApiVersions(broker);

      expect({ broker, correlationId: sut.correlationId, errorCode: sut.errorCode }).toEqual({
        broker,
        correlationId: CORRELATION_ID,
        errorCode: 0,
      });
      expect({ broker, unsupported: unsupportedApis(kafkaJs, sut.apis) }).toEqual({ broker, unsupported: [] });
    }
  });
});
