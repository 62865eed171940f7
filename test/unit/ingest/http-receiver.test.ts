import { request as httpRequest } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../lib/otlp/codec.ts';
import type { Signal } from '../../../lib/otlp/types.ts';
import {
  fixtureProtobuf,
  FIXTURE_ITEMS,
  JSON_FIXTURES,
  metricValue,
  responseType,
  startReceivers,
  TRACE_ID,
  type Harness,
} from './harness.ts';
import { decodeRpcStatus } from './rpc-status.ts';

const PATHS: Record<Signal, string> = {
  metrics: '/v1/metrics',
  logs: '/v1/logs',
  traces: '/v1/traces',
};
const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

let h: Harness;
const post = (path: string, headers: Record<string, string>, body: string | Buffer) =>
  fetch(`${h.httpUrl}${path}`, { method: 'POST', headers, body });

describe('OTLP/HTTP receiver', () => {
  beforeAll(async () => {
    h = await startReceivers({
      limits: { maxRequestBytes: 64 * 1024, maxDecompressedBytes: 1024 * 1024 },
    });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.consumer.mode = 'ack';
    h.consumer.exports.length = 0;
    h.consumer.records.length = 0;
  });

  it.each(['metrics', 'logs', 'traces'] as const)(
    'accepts protobuf %s and hands the decoded request on',
    async (signal) => {
      const res = await post(PATHS[signal], PROTOBUF, fixtureProtobuf(signal));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-protobuf');
      const body = responseType(signal).decode(new Uint8Array(await res.arrayBuffer()));
      expect(body.toJSON()).toEqual({}); // full success: no partialSuccess
      expect(h.consumer.exports).toHaveLength(1);
      expect(h.consumer.exports[0]!.items).toBe(FIXTURE_ITEMS[signal]);
      expect(h.consumer.exports[0]!.tenant).toBe('default');
      expect(h.consumer.records).toHaveLength(2);
    },
  );

  it.each(['metrics', 'logs', 'traces'] as const)(
    'accepts OTLP/JSON %s with hex ids and answers in JSON',
    async (signal) => {
      const res = await post(PATHS[signal], JSON_TYPE, JSON.stringify(JSON_FIXTURES[signal]));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({});
      expect(h.consumer.exports[0]!.items).toBe(FIXTURE_ITEMS[signal]);
    },
  );

  it('keeps trace ids from OTLP/JSON hex in the Kafka record value', async () => {
    const res = await post('/v1/logs', JSON_TYPE, JSON.stringify(JSON_FIXTURES.logs));
    expect(res.status).toBe(200);
    const value = decodeRequest('logs', h.consumer.records[0]!.value);
    const record = value.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    expect(Buffer.from(record.traceId!).toString('hex')).toBe(TRACE_ID);
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
  ] as const)('decompresses %s bodies', async (encoding, compress) => {
    const res = await post(
      '/v1/traces',
      { ...PROTOBUF, 'content-encoding': encoding },
      compress(fixtureProtobuf('traces')),
    );
    expect(res.status).toBe(200);
    expect(h.consumer.exports[0]!.items).toBe(2);
  });

  it('reports rejected data points as a partial success', async () => {
    const json = structuredClone(JSON_FIXTURES.metrics) as {
      resourceMetrics: { scopeMetrics: { metrics: { name: string }[] }[] }[];
    };
    json.resourceMetrics[1]!.scopeMetrics[0]!.metrics[0]!.name = '';
    const res = await post('/v1/metrics', JSON_TYPE, JSON.stringify(json));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      partialSuccess: {
        rejectedDataPoints: '2',
        errorMessage: 'rejected metric data points: 1 × metric without a name',
      },
    });
    expect(h.consumer.exports[0]!.items).toBe(4);
  });

  it('answers bad input with 400, 404 and 415 and a google.rpc.Status body', async () => {
    const cases: [string, Record<string, string>, string | Buffer, number, RegExp][] = [
      ['/v1/logs', PROTOBUF, Buffer.from([0x0a, 0xff, 0xff, 0x01]), 400, /malformed OTLP protobuf/],
      [
        '/v1/logs',
        PROTOBUF,
        fixtureProtobuf('logs').subarray(0, 40),
        400,
        /malformed OTLP protobuf/,
      ],
      ['/v1/logs', PROTOBUF, Buffer.alloc(0), 400, /empty request body/],
      ['/v1/logs', JSON_TYPE, '{"resourceLogs": [', 400, /invalid JSON/],
      ['/v1/logs', JSON_TYPE, '{}', 400, /no resourceLogs entries/],
      ['/v1/logs', JSON_TYPE, '[1]', 400, /must be a JSON object/],
      ['/v1/logs', { 'content-type': 'text/plain' }, 'hello', 415, /unsupported Content-Type/],
      ['/v1/logs', { ...PROTOBUF, 'content-encoding': 'br' }, 'x', 415, /Content-Encoding "br"/],
      ['/v1/logs', { ...PROTOBUF, 'content-encoding': 'gzip' }, 'not gzip', 400, /decompress/],
      ['/v1/profiles', PROTOBUF, 'x', 404, /no OTLP endpoint/],
    ];
    for (const [path, headers, body, status, message] of cases) {
      const res = await post(path, headers, body);
      expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(status);
      const text = Buffer.from(await res.arrayBuffer());
      const decoded =
        res.headers.get('content-type') === 'application/json'
          ? (JSON.parse(text.toString()) as { code: number; message: string })
          : decodeRpcStatus(text);
      expect(decoded.message).toMatch(message);
      expect(decoded.code).toBeGreaterThan(0);
    }
    expect((await fetch(`${h.httpUrl}/v1/logs`)).status).toBe(404); // GET
    expect(h.consumer.exports).toHaveLength(0);
  });

  it('answers an oversized body with 413, with or without Content-Length', async () => {
    const big = Buffer.alloc(65 * 1024, 1);
    const declared = await post('/v1/traces', PROTOBUF, big);
    expect(declared.status).toBe(413);
    expect(await declared.text()).toMatch(/maxRequestBytes/);
    // Chunked, so the limit is only found while reading.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${h.httpUrl}/v1/traces`, { method: 'POST', headers: PROTOBUF });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 70; i++) req.write(Buffer.alloc(1024, 1));
      req.end();
    });
    expect(status).toBe(413);
  });

  it('stops inflating a decompression bomb at the limit and keeps serving', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024)); // 50 MiB of zeros, ~50 KB gzipped
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await post('/v1/metrics', { ...PROTOBUF, 'content-encoding': 'gzip' }, bomb);
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(/decompressed body is larger than 1048576 bytes/);
    expect((await post('/v1/metrics', PROTOBUF, fixtureProtobuf('metrics'))).status).toBe(200);
    expect(await metricValue(h.registry, 'telepipe_ingest_inflight_bytes')).toBe(0);
  });

  it('releases the in-flight budget of a client that disconnects mid-body', async () => {
    const { hostname, port } = new URL(h.httpUrl);
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest({
        host: hostname,
        port,
        path: '/v1/logs',
        method: 'POST',
        headers: { ...PROTOBUF, 'content-length': '10000' },
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(100, 1), () => setTimeout(() => req.destroy(), 50));
      req.on('close', () => resolve());
      setTimeout(() => reject(new Error('client never closed')), 5000);
    });
    for (let i = 0; i < 100; i++) {
      if ((await metricValue(h.registry, 'telepipe_ingest_inflight_requests')) === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await metricValue(h.registry, 'telepipe_ingest_inflight_requests')).toBe(0);
    expect(await metricValue(h.registry, 'telepipe_ingest_inflight_bytes')).toBe(0);
  });

  it('answers 503 with Retry-After and a Status body when Kafka fails', async () => {
    h.consumer.mode = 'fail';
    const failed = await post('/v1/logs', PROTOBUF, fixtureProtobuf('logs'));
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('2');
    const status = decodeRpcStatus(new Uint8Array(await failed.arrayBuffer()));
    expect(status.code).toBe(14);
    expect(status.message).toMatch(/Kafka is down/);
  });
});

describe('OTLP/HTTP limits and deadlines', () => {
  let limited: Harness;
  beforeAll(async () => {
    limited = await startReceivers({
      limits: { maxInFlightRequests: 2, maxInFlightBytes: 4096, retryAfterSeconds: 7 },
      producer: { ackTimeoutMs: 1500 },
    });
    limited.consumer.mode = 'hang';
  });
  afterAll(() => limited.close());

  it('answers 429 with Retry-After beyond the in-flight limits, and 503 at the ack deadline', async () => {
    const send = (body: Buffer) =>
      fetch(`${limited.httpUrl}/v1/traces`, { method: 'POST', headers: PROTOBUF, body });
    const hanging = [send(fixtureProtobuf('traces')), send(fixtureProtobuf('traces'))];
    // Wait until both are admitted and held by the consumer.
    for (let i = 0; i < 100 && limited.consumer.exports.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(limited.consumer.exports).toHaveLength(2);
    const third = await send(fixtureProtobuf('traces'));
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('7');
    expect(await third.text()).toMatch(/maxInFlightRequests/);
    const done = await Promise.all(hanging);
    expect(done.map((r) => r.status)).toEqual([503, 503]);
    expect(done[0]!.headers.get('retry-after')).toBe('7');
    expect(await metricValue(limited.registry, 'telepipe_ingest_inflight_requests')).toBe(0);
  });

  it('answers 429 when the in-flight bytes are used up and 413 when one request exceeds them', async () => {
    // Concatenated protobuf messages merge into one valid request with more resources.
    const traces = (bytes: number) =>
      Buffer.concat(
        Array.from({ length: Math.ceil(bytes / fixtureProtobuf('traces').length) }, () =>
          fixtureProtobuf('traces'),
        ),
      );
    const send = (body: Buffer) =>
      fetch(`${limited.httpUrl}/v1/traces`, { method: 'POST', headers: PROTOBUF, body });
    const before = limited.consumer.exports.length;
    const held = send(traces(2500));
    for (let i = 0; i < 100 && limited.consumer.exports.length === before; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const second = await send(traces(2000));
    expect(second.status).toBe(429);
    expect(await second.text()).toMatch(/maxInFlightBytes/);
    const alone = await send(traces(5000));
    expect(alone.status).toBe(413);
    expect((await held).status).toBe(503);
  });
});
