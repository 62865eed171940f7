import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ProducerStats } from '../../../lib/kafka/producer.ts';
import { registerProducerMetrics } from '../../../services/ingest/metrics.ts';
import { metricValue } from './harness.ts';

describe('registerProducerMetrics', () => {
  it("exports the producer's counts as they are at each scrape", async () => {
    const registry = new Registry();
    const stats: ProducerStats = { produceRequests: 2, sends: 7, records: 30 };
    registerProducerMetrics(registry, () => stats);
    expect(await metricValue(registry, 'telepipe_ingest_kafka_produce_requests_total')).toBe(2);
    expect(await metricValue(registry, 'telepipe_ingest_kafka_sends_total')).toBe(7);
    expect(await metricValue(registry, 'telepipe_ingest_kafka_records_total')).toBe(30);
    stats.sends = 9;
    expect(await metricValue(registry, 'telepipe_ingest_kafka_sends_total')).toBe(9);
  });
});
