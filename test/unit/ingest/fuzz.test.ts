// Thousands of mutated OTLP requests (bit flips, truncations, splices, random bytes, broken
// gzip) over HTTP and gRPC: every one gets a well-formed OTLP answer, none hangs or crashes
// the receivers, and the in-flight budget is back to zero afterwards.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signal } from '../../../lib/otlp/types.ts';
import {
  fixtureProtobuf,
  JSON_FIXTURES,
  metricValue,
  RawGrpcClient,
  startReceivers,
  type Harness,
} from './harness.ts';

const ROUNDS = 1500;
const SIGNALS: Signal[] = ['metrics', 'logs', 'traces'];

/** mulberry32: a small seeded PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutator(seed: number) {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: T[]): T => items[int(items.length)]!;
  const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const mutate = (valid: Buffer): Buffer => {
    const out = Buffer.from(valid);
    switch (int(6)) {
      case 0: // flip 1-8 bits
        for (let i = int(8) + 1; i > 0; i--) out[int(out.length)]! ^= 1 << int(8);
        return out;
      case 1: // truncate
        return out.subarray(0, int(out.length));
      case 2: // random bytes
        return randomBytes(int(2048));
      case 3: // splice random bytes in
        return Buffer.concat([out.subarray(0, int(out.length)), randomBytes(int(64) + 1), out]);
      case 4: // duplicate a slice (repeated fields, broken lengths)
        return Buffer.concat([out, out.subarray(int(out.length))]);
      default: // set a byte to a varint continuation
        out[int(out.length)] = 0xff;
        return out;
    }
  };
  return { int, pick, mutate };
}

describe('fuzzed OTLP requests', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startReceivers({ limits: { maxDecompressedBytes: 256 * 1024 } });
  });
  afterAll(() => h.close());

  it(`answers ${ROUNDS} mutated OTLP/HTTP requests with 200, 400 or 413`, async () => {
    const m = mutator(20261123);
    const statuses = new Map<number, number>();
    const sendOne = async (): Promise<void> => {
      const signal = m.pick(SIGNALS);
      const json = m.int(3) === 0;
      const valid = json
        ? Buffer.from(JSON.stringify(JSON_FIXTURES[signal]))
        : fixtureProtobuf(signal);
      const compression = m.int(4);
      // 0: mutate then gzip, 1: gzip then mutate (corrupt stream), else plain.
      const body =
        compression === 0
          ? gzipSync(m.mutate(valid))
          : compression === 1
            ? m.mutate(gzipSync(valid))
            : m.mutate(valid);
      const res = await fetch(`${h.httpUrl}/v1/${signal}`, {
        method: 'POST',
        headers: {
          'content-type': json ? 'application/json' : 'application/x-protobuf',
          ...(compression < 2 ? { 'content-encoding': 'gzip' } : {}),
        },
        body,
        signal: AbortSignal.timeout(20_000),
      });
      const text = await res.text();
      expect([200, 400, 413], text).toContain(res.status);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    };
    await runConcurrently(ROUNDS, 8, sendOne);
    expect(statuses.get(400)).toBeGreaterThan(ROUNDS / 4);
    expect(statuses.get(200)).toBeGreaterThan(0);
    const ok = await fetch(`${h.httpUrl}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: fixtureProtobuf('logs'),
    });
    expect(ok.status).toBe(200);
    expect(await metricValue(h.registry, 'telepipe_ingest_inflight_bytes')).toBe(0);
    expect(await metricValue(h.registry, 'telepipe_ingest_inflight_requests')).toBe(0);
  });

  it(`answers ${ROUNDS} mutated OTLP/gRPC messages with OK or INVALID_ARGUMENT`, async () => {
    const m = mutator(11232026);
    const plain = new RawGrpcClient(h.grpcAddress);
    const gzip = new RawGrpcClient(h.grpcAddress, { gzip: true });
    const codes = new Map<number, number>();
    try {
      const sendOne = async (): Promise<void> => {
        const signal = m.pick(SIGNALS);
        const client = m.int(2) === 0 ? plain : gzip;
        const result = await client.export(signal, m.mutate(fixtureProtobuf(signal)));
        expect([GrpcStatus.OK, GrpcStatus.INVALID_ARGUMENT], result.details).toContain(result.code);
        codes.set(result.code, (codes.get(result.code) ?? 0) + 1);
      };
      await runConcurrently(ROUNDS, 8, sendOne);
      expect(codes.get(GrpcStatus.INVALID_ARGUMENT)).toBeGreaterThan(ROUNDS / 4);
      expect(codes.get(GrpcStatus.OK)).toBeGreaterThan(0);
      expect((await plain.export('traces', fixtureProtobuf('traces'))).code).toBe(GrpcStatus.OK);
    } finally {
      plain.close();
      gzip.close();
    }
    expect(await metricValue(h.registry, 'telepipe_ingest_inflight_bytes')).toBe(0);
  });
});

async function runConcurrently(
  total: number,
  workers: number,
  task: () => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) {
        next += 1;
        await task();
      }
    }),
  );
}
