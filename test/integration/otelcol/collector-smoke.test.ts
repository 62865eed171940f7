// The OpenTelemetry Collector that the interop tests and the peer bench use (built by
// bench/peer/collector.ts with the Collector's builder) runs here and speaks to the local
// Kafka: one OTLP/HTTP request into its otlpreceiver comes out of its kafkaexporter as
// one `otlp_proto` record that telepipe's OTLP codec decodes to the same request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaAdmin } from '../../../lib/kafka/admin.ts';
import { decodeRequest, encodeRequest } from '../../../lib/otlp/codec.ts';
import { metricsRequest, SEC } from '../../support/clickhouseFixtures.ts';
import { readTopic } from '../../support/kafka-read.ts';
import {
  kafkaExporter,
  otlpHttpReceiver,
  signalPipelines,
  startCollector,
  type RunningCollector,
} from '../../support/otelcol.ts';
import { freePort, silentLogger, testConfig } from '../../support/stack.ts';

const config = testConfig();
const topic = config.kafka.topics.metrics;
const admin = new KafkaAdmin(config.kafka, silentLogger);

describe('the built Collector: otlpreceiver → kafkaexporter (otlp_proto)', () => {
  let collector: RunningCollector;
  let port: number;

  beforeAll(async () => {
    await admin.ensureTopics([{ topic, partitions: 1 }]);
    port = await freePort();
    collector = await startCollector({
      receivers: { otlp: otlpHttpReceiver(port) },
      exporters: { kafka: kafkaExporter(config.kafka.brokers, { metrics: topic }) },
      service: { pipelines: signalPipelines(['metrics'], 'otlp', 'kafka') },
    });
  }, 900_000); // a first run builds the Collector (about 3 minutes on 2 cores)

  afterAll(async () => {
    await collector?.stop();
    await admin.deleteTopics([topic]);
    await admin.disconnect();
  });

  it('writes one OTLP/HTTP request as one record that decodes to the same request', async () => {
    const sent = metricsRequest({ service: 'smoke', t0: 1_700_000_000n * SEC, goroutines: 42 });
    const response = await fetch(`http://127.0.0.1:${port}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeRequest('metrics', sent),
    });
    expect(response.status, collector.output()).toBe(200);

    const records = await readTopic(config.kafka, topic);
    expect(records).toHaveLength(1);
    const received = decodeRequest('metrics', records[0]!.value);
    // Same bytes modulo field order is the Collector's contract; compare decoded content.
    expect(received).toEqual(decodeRequest('metrics', encodeRequest('metrics', sent)));
  });
});
