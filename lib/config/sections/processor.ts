import { z } from 'zod';
import { listenAddress, positiveInt } from '../fields.ts';

export const processorSchema = z
  .object({
    /** Health, readiness and Prometheus metrics of the processor service. */
    adminAddress: listenAddress('127.0.0.1:8889'),
    /** Kafka consumer group; replicas in one group share the partitions. */
    groupId: z.string().min(1).default('telepipe-processor'),
    /** Signals to consume (their topics come from kafka.topics). */
    signals: z
      .array(z.enum(['metrics', 'logs', 'traces']))
      .min(1)
      .default(['metrics', 'logs', 'traces']),
    /**
     * Processes that consume in the one consumer group, each a whole processor (decode,
     * redaction, insert): the CPU work is per record, so more cores need more processes.
     */
    workers: positiveInt(1),
    /** Kafka partitions processed in parallel by one processor. */
    concurrency: positiveInt(4),
    sessionTimeoutMs: positiveInt(30_000),
    /** Bytes fetched per partition and request. */
    maxBytesPerPartition: positiveInt(4 * 1024 * 1024),
    /** A partition's batch is inserted when one table reaches maxRows, all reach maxBytes, or the oldest row maxAgeMs. */
    batch: z
      .object({
        maxRows: positiveInt(50_000),
        maxBytes: positiveInt(16 * 1024 * 1024),
        maxAgeMs: positiveInt(1000),
      })
      .strict()
      .prefault({}),
    /** ClickHouse insert format; RowBinary measured fastest (docs/storage.md). */
    insertFormat: z.enum(['RowBinary', 'JSONEachRow']).default('RowBinary'),
    /** Backoff while ClickHouse is unavailable: doubles from initialMs up to maxMs. */
    retry: z
      .object({ initialMs: positiveInt(250), maxMs: positiveInt(10_000) })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});
