// telepipe → Collector: OTLP/HTTP requests sent to telepipe's ingest, built by its one
// builder, land in Kafka as one `otlp_proto` record per resource; the real Collector's
// kafkareceiver (its own consumer group, from the earliest offset) reads telepipe's topics and
// its otlp_http exporter sends what it read to a server of this test, which decodes it with
// telepipe's codec: every data point, log record and span arrives exactly once, and the
// tenant the ingest put in the record header reaches the Collector's pipeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../infra/stack/processes.ts';
import { encodeRequest } from '../../../lib/otlp/codec.ts';
import { RECORD_HEADERS } from '../../../lib/otlp/kafka-records.ts';
import { attributeString, countItems, splitByResource } from '../../../lib/otlp/resources.ts';
import type { Signal } from '../../../lib/otlp/types.ts';
import { createIngestService, type IngestService } from '../../../services/ingest/main.ts';
import { createTopics, deleteTopics } from '../../support/clickhouse.ts';
import {
  kafkaReceiver,
  signalPipelines,
  startCollector,
  type RunningCollector,
} from '../../support/otelcol.ts';
import { startOtlpHttpSink, type OtlpHttpSink } from '../../support/otlp-http-sink.ts';
import { testConfig, uniqueSuffix } from '../../support/stack.ts';
import { identitiesOf, interopRequests, SIGNALS } from './interop-data.ts';

const config = testConfig({
  ingest: {
    grpc: { address: '127.0.0.1:0' },
    http: { address: '127.0.0.1:0' },
    adminAddress: '127.0.0.1:0',
  },
});
const { metrics: metricsTopic, logs: logsTopic, traces: tracesTopic } = config.kafka.topics;
const TENANT = 'interop';
/** Where the kafkareceiver's header_extraction puts telepipe's tenant header. */
const TENANT_ATTRIBUTE = `kafka.header.${RECORD_HEADERS.tenant}`;
const sent = interopRequests();

/** Items (data points, log records, spans) the sink received for `signal` so far. */
const receivedItems = (sink: OtlpHttpSink, signal: Signal): number =>
  sink.received(signal).reduce((n, request) => n + countItems(signal, request), 0);

describe('telepipe ingest → Kafka → Collector (kafkareceiver, otlp_proto → otlp_http)', () => {
  let ingest: IngestService;
  let sink: OtlpHttpSink;
  let collector: RunningCollector;
  let collectorLog = '';

  beforeAll(async () => {
    await createTopics(config);
    sink = await startOtlpHttpSink();
    collector = await startCollector({
      receivers: {
        kafka: kafkaReceiver(
          config.kafka.brokers,
          { metrics: metricsTopic, logs: logsTopic, traces: tracesTopic },
          `test_otelcol_${uniqueSuffix()}`,
          [RECORD_HEADERS.tenant],
        ),
      },
      exporters: { otlp_http: { endpoint: sink.url } },
      service: { pipelines: signalPipelines(SIGNALS, 'kafka', 'otlp_http') },
    });
    ingest = await createIngestService(config);
    for (const signal of SIGNALS) {
      const response = await fetch(`http://127.0.0.1:${ingest.httpPort()}/v1/${signal}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-protobuf',
          [config.ingest.tenant.header]: TENANT,
        },
        body: encodeRequest(signal, sent[signal]),
      });
      expect(response.status, await response.text()).toBe(200);
    }
    await waitUntil(
      () =>
        Promise.resolve(
          SIGNALS.every(
            (signal) => receivedItems(sink, signal) >= countItems(signal, sent[signal]),
          ),
        ),
      90_000,
    );
    // Stopping drains the Collector's pipelines: whatever it would still export (a
    // duplicate included) reaches the sink before the counts are compared.
    await collector.stop();
    collectorLog = collector.output();
  }, 900_000); // a first run builds the Collector (bench/peer/collector.ts)

  afterAll(async () => {
    await collector?.stop();
    await ingest?.service.shutdown();
    await sink?.close();
    await deleteTopics(config);
  });

  it.each(SIGNALS)('the Collector exports every %s item exactly once', (signal) => {
    expect(identitiesOf(signal, sink.received(signal)), collectorLog).toEqual(
      identitiesOf(signal, [sent[signal]]),
    );
  });

  it.each(SIGNALS)(
    "the Collector reads telepipe's tenant header on every %s resource",
    (signal) => {
      const tenants = sink
        .received(signal)
        .flatMap((request) => splitByResource(signal, request))
        .map(({ resource }) => attributeString(resource?.attributes, TENANT_ATTRIBUTE));
      expect(tenants, collectorLog).toEqual(
        splitByResource(signal, sent[signal]).map(() => TENANT),
      );
    },
  );
});
