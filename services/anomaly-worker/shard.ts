// Replicas split the series between them: a series belongs to replica
// md5(tenant, service, instance) mod count. The same hash is computed in ClickHouse
// (shardPredicate in sql.ts), so each replica reads only its own series and two replicas
// never score, or alert on, the same one.
import { createHash } from 'node:crypto';
import type { SeriesId } from '../../models/index.ts';
import { TelepipeError } from '../../lib/errors.ts';
import type { WorkerConfig } from '../../lib/config/sections/worker.ts';

/** Separates the identity parts in the hashed string (ASCII unit separator). */
export const SHARD_SEPARATOR = '\x1f';

export interface Shard {
  index: number;
  count: number;
}

/** The first 8 bytes of the MD5 as a little-endian integer: ClickHouse's reinterpretAsUInt64(MD5(s)). */
export function shardHash(id: SeriesId): bigint {
  const text = [id.tenant, id.service, id.instance].join(SHARD_SEPARATOR);
  return createHash('md5').update(text, 'utf8').digest().readBigUInt64LE(0);
}

export function shardOf(id: SeriesId, count: number): number {
  return Number(shardHash(id) % BigInt(count));
}

/** `anomaly-worker-2` → 2: a StatefulSet pod's ordinal. */
export function ordinalFromPodName(podName: string): number | undefined {
  const match = /-(\d+)$/.exec(podName);
  return match ? Number(match[1]) : undefined;
}

/** The replica's shard from config, else from the StatefulSet pod name (or HOSTNAME). */
export function resolveShard(
  config: WorkerConfig['shard'],
  env: NodeJS.ProcessEnv = process.env,
): Shard {
  const { count } = config;
  if (config.index !== undefined) return { index: config.index, count };
  if (count === 1) return { index: 0, count };
  const podName = config.podName || env.HOSTNAME || '';
  const index = ordinalFromPodName(podName);
  if (index === undefined || index >= count) {
    throw new TelepipeError(
      'config',
      `worker.shard.count is ${count} but no shard index: set worker.shard.index, or run as a StatefulSet pod named <name>-<0..${count - 1}> (pod name: "${podName}")`,
    );
  }
  return { index, count };
}
