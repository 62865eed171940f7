// Prometheus metrics of the ingest listeners, beside the component counters that
// lib/service.ts exports: requests by protocol, signal and status code, their latency, and
// how much of the in-flight budget is in use; and what the Kafka producer sent.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ProducerStats } from '../../lib/kafka/producer.ts';
import type { InFlightLimiter } from './limiter.ts';

export type Protocol = 'grpc' | 'http';

export class IngestMetrics {
  private readonly requests: Counter<'protocol' | 'signal' | 'code'>;
  private readonly latency: Histogram<'protocol' | 'signal'>;

  constructor(registry: Registry, limiter: InFlightLimiter) {
    this.requests = new Counter({
      name: 'telepipe_ingest_requests_total',
      help: 'OTLP export requests by protocol, signal and response status code',
      labelNames: ['protocol', 'signal', 'code'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'telepipe_ingest_request_duration_seconds',
      help: 'Time from receiving an OTLP export to answering it (includes the Kafka acks)',
      labelNames: ['protocol', 'signal'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    new Gauge({
      name: 'telepipe_ingest_inflight_requests',
      help: 'OTLP export requests being handled',
      registers: [registry],
      collect() {
        this.set(limiter.usage().requests);
      },
    });
    new Gauge({
      name: 'telepipe_ingest_inflight_bytes',
      help: 'Decompressed bytes of the OTLP export requests being handled',
      registers: [registry],
      collect() {
        this.set(limiter.usage().bytes);
      },
    });
  }

  /** Counts one answered request; `signal` is "unknown" when the path named none. */
  observe(protocol: Protocol, signal: string, code: string, startedAt: number): void {
    this.requests.inc({ protocol, signal, code });
    this.latency.observe({ protocol, signal }, (performance.now() - startedAt) / 1000);
  }
}

/**
 * The producer's cumulative counts as counters: sends / produce requests is how many OTLP
 * requests share one produce request (what `producer.lingerMs` and `maxInFlightRequests` tune).
 */
export function registerProducerMetrics(registry: Registry, stats: () => ProducerStats): void {
  const counters: [string, string, keyof ProducerStats][] = [
    [
      'telepipe_ingest_kafka_produce_requests_total',
      'Produce requests sent to Kafka',
      'produceRequests',
    ],
    [
      'telepipe_ingest_kafka_sends_total',
      'OTLP requests whose records went into produce requests',
      'sends',
    ],
    ['telepipe_ingest_kafka_records_total', 'Records put into produce requests', 'records'],
  ];
  for (const [name, help, key] of counters) {
    new Counter({
      name,
      help,
      registers: [registry],
      // The producer keeps the counts; a scrape copies them.
      collect() {
        this.reset();
        this.inc(stats()[key]);
      },
    });
  }
}
