// Replicas partition the series: every series has exactly one owner for any replica count.
import { describe, expect, it } from 'vitest';
import { workerSchema } from '../../../lib/config/sections/worker.ts';
import {
  ordinalFromPodName,
  resolveShard,
  shardOf,
} from '../../../services/anomaly-worker/shard.ts';

const series = Array.from({ length: 600 }, (_, i) => ({
  tenant: `tenant-${i % 3}`,
  service: `svc-${i % 17}`,
  instance: `pod-${i}`,
}));

describe('sharding', () => {
  it("partitions the series: the replicas' shares are disjoint and cover every series", () => {
    for (const count of [1, 2, 3, 5]) {
      const shares = Array.from({ length: count }, (_, index) =>
        series.filter((id) => shardOf(id, count) === index),
      );
      const owned = shares.flat();
      expect(owned).toHaveLength(series.length);
      expect(new Set(owned)).toEqual(new Set(series));
    }
  });

  it('spreads series over the replicas', () => {
    const perShard = [0, 0, 0];
    for (const id of series) perShard[shardOf(id, 3)]!++;
    for (const n of perShard) expect(n).toBeGreaterThan(series.length / 3 / 2);
  });

  it('is stable: the same series maps to the same shard every time', () => {
    const id = { tenant: 'acme', service: 'checkout', instance: 'checkout-7d9f-abc' };
    expect(shardOf(id, 4)).toBe(shardOf({ ...id }, 4));
    // What ClickHouse computes for it: reinterpretAsUInt64(MD5('acme\x1fcheckout\x1fcheckout-7d9f-abc')) % 4.
    expect(shardOf(id, 4)).toBe(3);
  });

  it('does not confuse identities that concatenate alike', () => {
    const a = { tenant: 't', service: 'ab', instance: 'c' };
    const b = { tenant: 't', service: 'a', instance: 'bc' };
    const differs = [2, 3, 5, 7, 11, 13].some((count) => shardOf(a, count) !== shardOf(b, count));
    expect(differs).toBe(true);
  });
});

describe('resolveShard', () => {
  const shard = (raw: object) => workerSchema.parse({ shard: raw }).shard;

  it('uses the configured index', () => {
    expect(resolveShard(shard({ count: 3, index: 2 }), {})).toEqual({ index: 2, count: 3 });
  });

  it('takes the index from a StatefulSet pod name, else from HOSTNAME', () => {
    expect(resolveShard(shard({ count: 3, podName: 'anomaly-worker-1' }), {})).toEqual({
      index: 1,
      count: 3,
    });
    expect(resolveShard(shard({ count: 3 }), { HOSTNAME: 'anomaly-worker-2' })).toEqual({
      index: 2,
      count: 3,
    });
  });

  it('needs no index for a single replica', () => {
    expect(resolveShard(shard({}), { HOSTNAME: 'laptop-7' })).toEqual({ index: 0, count: 1 });
  });

  it('refuses a missing or out-of-range index', () => {
    expect(() => resolveShard(shard({ count: 2 }), { HOSTNAME: 'worker' })).toThrow(/shard index/);
    expect(() => resolveShard(shard({ count: 2, podName: 'worker-5' }), {})).toThrow(/shard index/);
    expect(() => shard({ count: 2, index: 2 })).toThrow(/smaller than shard.count/);
  });

  it('parses pod ordinals', () => {
    expect(ordinalFromPodName('anomaly-worker-12')).toBe(12);
    expect(ordinalFromPodName('anomaly-worker')).toBeUndefined();
  });
});
