// The processor's Prometheus metrics (component received/sent/dropped come from Service).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type ProcessorMetrics = ReturnType<typeof createProcessorMetrics>;

export function createProcessorMetrics(registry: Registry) {
  const registers = [registry];
  return {
    rowsInserted: new Counter({
      name: 'telepipe_processor_rows_inserted_total',
      help: 'Rows inserted into ClickHouse, per table',
      labelNames: ['table'] as const,
      registers,
    }),
    inserts: new Counter({
      name: 'telepipe_processor_inserts_total',
      help: 'INSERT statements per table and outcome (ok, retried, rejected)',
      labelNames: ['table', 'outcome'] as const,
      registers,
    }),
    batches: new Counter({
      name: 'telepipe_processor_batches_total',
      help: 'Partition batches stored and committed',
      registers,
    }),
    insertSeconds: new Histogram({
      name: 'telepipe_processor_insert_duration_seconds',
      help: 'Latency of successful INSERTs, per table',
      labelNames: ['table'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    deadLetters: new Counter({
      name: 'telepipe_processor_dead_lettered_total',
      help: 'Records sent to the dead-letter topic, per error reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    bufferedRows: new Gauge({
      name: 'telepipe_processor_buffered_rows',
      help: 'Rows built but not yet inserted',
      registers,
    }),
    consumerLag: new Gauge({
      name: 'telepipe_processor_consumer_lag',
      help: 'Records behind the partition end, as of the last batch fetched',
      labelNames: ['topic', 'partition'] as const,
      registers,
    }),
    freshnessSeconds: new Histogram({
      name: 'telepipe_processor_freshness_seconds',
      help: 'From ingest receive time to committed in ClickHouse, per record',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
  };
}
