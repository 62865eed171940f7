import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeRequest, encodeRequest } from '../../../lib/otlp/codec.ts';
import {
  fixtureProtobuf,
  FIXTURE_ITEMS,
  metricValue,
  RawGrpcClient,
  responseType,
  startReceivers,
  type Harness,
} from './harness.ts';
import { decodeRpcStatus } from './rpc-status.ts';

describe('OTLP/gRPC receiver', () => {
  let h: Harness;
  let client: RawGrpcClient;
  let gzipClient: RawGrpcClient;
  beforeAll(async () => {
    h = await startReceivers({
      limits: { maxRequestBytes: 64 * 1024, retryAfterSeconds: 3 },
    });
    client = new RawGrpcClient(h.grpcAddress);
    gzipClient = new RawGrpcClient(h.grpcAddress, { gzip: true });
  });
  afterAll(async () => {
    client.close();
    gzipClient.close();
    await h.close();
  });
  beforeEach(() => {
    h.consumer.mode = 'ack';
    h.consumer.exports.length = 0;
    h.consumer.records.length = 0;
  });

  it.each(['metrics', 'logs', 'traces'] as const)('serves %s Export', async (signal) => {
    const result = await client.export(signal, fixtureProtobuf(signal));
    expect(result.code).toBe(status.OK);
    expect(result.response).toHaveLength(0); // empty Export*ServiceResponse: full success
    expect(h.consumer.exports[0]!.items).toBe(FIXTURE_ITEMS[signal]);
    expect(h.consumer.records).toHaveLength(2);
  });

  it('accepts gzip-compressed messages', async () => {
    const result = await gzipClient.export('traces', fixtureProtobuf('traces'));
    expect(result.code).toBe(status.OK);
    const value = decodeRequest('traces', h.consumer.records[0]!.value);
    expect(value.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.name).toBe('GET /checkout');
  });

  it('reports rejected data points as a partial success', async () => {
    const request = decodeRequest('metrics', fixtureProtobuf('metrics'));
    request.resourceMetrics[0]!.scopeMetrics[0]!.metrics[1]!.name = '';
    const result = await client.export('metrics', Buffer.from(encodeRequest('metrics', request)));
    expect(result.code).toBe(status.OK);
    expect(responseType('metrics').decode(result.response!).toJSON()).toEqual({
      partialSuccess: {
        rejectedDataPoints: '1',
        errorMessage: 'rejected metric data points: 1 × metric without a name',
      },
    });
  });

  it('answers malformed, empty and oversized messages without breaking the connection', async () => {
    const garbage = await client.export('logs', Buffer.from([0x0a, 0xff, 0xff, 0x01]));
    expect(garbage.code).toBe(status.INVALID_ARGUMENT);
    expect(garbage.details).toMatch(/malformed OTLP protobuf ExportLogsServiceRequest/);
    const empty = await client.export('logs', Buffer.alloc(0));
    expect(empty.code).toBe(status.INVALID_ARGUMENT);
    expect(empty.details).toMatch(/empty request body/);
    const big = await client.export('logs', Buffer.alloc(65 * 1024, 1));
    expect(big.code).toBe(status.RESOURCE_EXHAUSTED);
    const bomb = await gzipClient.export('logs', Buffer.alloc(10 * 1024 * 1024));
    expect(bomb.code).toBe(status.RESOURCE_EXHAUSTED);
    const unknown = await client.export(
      'logs',
      fixtureProtobuf('logs'),
      {},
      '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export',
    );
    expect(unknown.code).toBe(status.UNIMPLEMENTED);
    expect((await client.export('logs', fixtureProtobuf('logs'))).code).toBe(status.OK);
    expect(await metricValue(h.registry, 'telepipe_ingest_inflight_bytes')).toBe(0);
  });

  it('answers UNAVAILABLE with a RetryInfo detail when Kafka fails', async () => {
    h.consumer.mode = 'fail';
    const result = await client.export('traces', fixtureProtobuf('traces'));
    expect(result.code).toBe(status.UNAVAILABLE);
    const details = result.trailers?.get('grpc-status-details-bin')[0] as Buffer;
    const decoded = decodeRpcStatus(details);
    expect(decoded).toEqual({
      code: status.UNAVAILABLE,
      message: 'Kafka is down (test)',
      retryDelaySeconds: 3,
    });
  });
});

describe('OTLP/gRPC limits and deadlines', () => {
  it('answers RESOURCE_EXHAUSTED with RetryInfo beyond the in-flight limit and UNAVAILABLE at the deadline', async () => {
    const h = await startReceivers({
      limits: { maxInFlightRequests: 1 },
      producer: { ackTimeoutMs: 1000 },
    });
    const client = new RawGrpcClient(h.grpcAddress);
    try {
      h.consumer.mode = 'hang';
      const held = client.export('logs', fixtureProtobuf('logs'));
      for (let i = 0; i < 100 && h.consumer.exports.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const refused = await client.export('logs', fixtureProtobuf('logs'));
      expect(refused.code).toBe(status.RESOURCE_EXHAUSTED);
      const details = refused.trailers?.get('grpc-status-details-bin')[0] as Buffer;
      expect(decodeRpcStatus(details).retryDelaySeconds).toBe(2);
      expect((await held).code).toBe(status.UNAVAILABLE);
    } finally {
      client.close();
      await h.close();
    }
  });
});
