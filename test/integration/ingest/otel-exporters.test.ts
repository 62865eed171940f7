// The official OpenTelemetry JS exporters (gRPC, HTTP/protobuf, HTTP/JSON) send metrics,
// logs and traces to a running ingest; the records read back from the real Kafka decode to
// the same data, with the resource key and the telepipe headers.
import { Metadata } from '@grpc/grpc-js';
import { context, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as LogsGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as LogsJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as MetricsJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TracesGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TracesJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaAdmin } from '../../../lib/kafka/admin.ts';
import { decodeRequest } from '../../../lib/otlp/codec.ts';
import { attributeString, resourceKey } from '../../../lib/otlp/resources.ts';
import type { KeyValue, Signal } from '../../../lib/otlp/types.ts';
import { createIngestService, type IngestService } from '../../../services/ingest/main.ts';
import { readTopic, type ReadRecord } from '../../support/kafka-read.ts';
import { silentLogger, testConfig, uniqueSuffix } from '../../support/stack.ts';

type Protocol = 'grpc' | 'proto' | 'json';
const PROTOCOLS: Protocol[] = ['grpc', 'proto', 'json'];
type GrpcCompression = NonNullable<ConstructorParameters<typeof TracesGrpc>[0]>['compression'];
type HttpCompression = NonNullable<ConstructorParameters<typeof TracesProto>[0]>['compression'];

const config = testConfig({
  ingest: {
    grpc: { address: '127.0.0.1:0' },
    http: { address: '127.0.0.1:0' },
    adminAddress: '127.0.0.1:0',
  },
});
const run = uniqueSuffix();
const serviceName = (p: Protocol) => `shop-${p}-${run}`;
const tenant = (p: Protocol) => `tenant-${p}`;

/** Exporters for one protocol; gRPC and HTTP/protobuf compress with gzip. */
function exporters(p: Protocol, ingest: IngestService) {
  const http = (path: string) => ({
    url: `http://127.0.0.1:${ingest.httpPort()}/v1/${path}`,
    headers: { 'X-Scope-OrgID': tenant(p) },
    compression: (p === 'proto' ? 'gzip' : 'none') as HttpCompression,
  });
  if (p === 'grpc') {
    const metadata = new Metadata();
    metadata.set('x-scope-orgid', tenant(p));
    const grpc = {
      url: `http://127.0.0.1:${ingest.grpcPort()}`,
      metadata,
      compression: 'gzip' as GrpcCompression,
    };
    return {
      metrics: new MetricsGrpc(grpc),
      logs: new LogsGrpc(grpc),
      traces: new TracesGrpc(grpc),
    };
  }
  const [Metrics, Logs, Traces] =
    p === 'proto' ? [MetricsProto, LogsProto, TracesProto] : [MetricsJson, LogsJson, TracesJson];
  return {
    metrics: new Metrics(http('metrics')),
    logs: new Logs(http('logs')),
    traces: new Traces(http('traces')),
  };
}

interface Sent {
  traceId: string;
  spanId: string;
  childSpanId: string;
  startNs: bigint;
  endNs: bigint;
}

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

/** Records a counter, a gauge, a histogram, a log record and two spans through the SDKs. */
async function sendAll(p: Protocol, ingest: IngestService): Promise<Sent> {
  const resource = resourceFromAttributes({
    'service.name': serviceName(p),
    'host.name': 'node-1',
    'k8s.pod.name': `shop-${p}-7d9f`,
  });
  const ex = exporters(p, ingest);
  const startNs = nowNs() - 1_000_000n;

  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({ exporter: ex.metrics, exportIntervalMillis: 3_600_000 }),
    ],
  });
  const meter = meterProvider.getMeter('telepipe-test');
  meter.createCounter('orders.placed').add(5, { route: '/cart' });
  meter.createGauge('go.goroutine.count').record(42);
  meter
    .createHistogram('http.server.request.duration', { unit: 's' })
    .record(0.25, { route: '/cart' });
  await meterProvider.forceFlush();
  await meterProvider.shutdown();

  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor(ex.traces)],
  });
  const tracer = tracerProvider.getTracer('telepipe-test');
  const parent = tracer.startSpan('GET /cart', {
    kind: SpanKind.SERVER,
    attributes: { 'http.response.status_code': 200 },
  });
  const child = tracer.startSpan(
    'SELECT cart',
    { kind: SpanKind.CLIENT },
    trace.setSpan(context.active(), parent),
  );
  child.end();
  parent.end();
  await tracerProvider.forceFlush();
  await tracerProvider.shutdown();

  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: ex.logs })],
  });
  loggerProvider.getLogger('telepipe-test').emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: 'payment failed',
    attributes: { 'order.id': 1234, 'payment.retry': true },
    context: trace.setSpan(context.active(), parent),
  });
  await loggerProvider.forceFlush();
  await loggerProvider.shutdown();

  return {
    traceId: parent.spanContext().traceId,
    spanId: parent.spanContext().spanId,
    childSpanId: child.spanContext().spanId,
    startNs,
    endNs: nowNs() + 1_000_000n,
  };
}

/** Scalar attribute values, read through the AnyValue oneof (protobufjs names the set field in `value`). */
function attrs(kvs: KeyValue[] | undefined): Attributes {
  return Object.fromEntries(
    (kvs ?? []).map((kv) => {
      const any = kv.value as unknown as Record<string, unknown> & { value: string };
      const v = any[any.value];
      return [kv.key, Long.isLong(v) ? v.toNumber() : (v as string | number | boolean)];
    }),
  );
}
const hex = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('hex');

describe('OpenTelemetry JS exporters → ingest → Kafka', () => {
  let ingest: IngestService;
  const sent = new Map<Protocol, Sent>();
  const topics = new Map<Signal, ReadRecord[]>();

  beforeAll(async () => {
    ingest = await createIngestService(config);
    for (const p of PROTOCOLS) sent.set(p, await sendAll(p, ingest));
    const { metrics, logs, traces } = config.kafka.topics;
    for (const [signal, topic] of [
      ['metrics', metrics],
      ['logs', logs],
      ['traces', traces],
    ] as const) {
      topics.set(signal, await readTopic(config.kafka, topic));
    }
  });

  afterAll(async () => {
    await ingest?.service.shutdown();
    const admin = new KafkaAdmin(config.kafka, silentLogger);
    await admin.deleteTopics(Object.values(config.kafka.topics));
    await admin.disconnect();
  });

  /** The records of one protocol's service, with the key and headers checked. */
  function recordsOf<S extends Signal>(signal: S, p: Protocol) {
    const found = (topics.get(signal) ?? []).flatMap((record) => {
      const request = decodeRequest(signal, record.value);
      const [resourceEntry] =
        'resourceMetrics' in request
          ? request.resourceMetrics
          : 'resourceLogs' in request
            ? request.resourceLogs
            : request.resourceSpans;
      if (attributeString(resourceEntry?.resource?.attributes, 'service.name') !== serviceName(p)) {
        return [];
      }
      return [{ record, request, resource: resourceEntry?.resource }];
    });
    const window = sent.get(p)!;
    for (const { record, request, resource } of found) {
      const entries = Object.values(request)[0] as unknown[];
      expect(entries).toHaveLength(1); // one resource per record
      expect(record.key).toBe(resourceKey(resource));
      expect(record.headers['telepipe-tenant']).toBe(tenant(p));
      expect(record.headers['content-type']).toBe('application/x-protobuf');
      const received = BigInt(record.headers['telepipe-received-ns']!);
      expect(received >= window.startNs && received <= window.endNs).toBe(true);
    }
    return found;
  }

  it.each(PROTOCOLS)('delivers metrics sent over %s', (p) => {
    const found = recordsOf('metrics', p);
    expect(found.length).toBeGreaterThan(0);
    const metrics = found.flatMap(({ request }) =>
      request.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics)),
    );
    const byName = new Map(metrics.map((m) => [m.name, m]));
    const orders = byName.get('orders.placed')!.sum!;
    expect(orders.isMonotonic).toBe(true);
    expect(orders.dataPoints[0]!.asDouble).toBe(5);
    expect(attrs(orders.dataPoints[0]!.attributes)).toEqual({ route: '/cart' });
    expect(byName.get('go.goroutine.count')!.gauge!.dataPoints[0]!.asDouble).toBe(42);
    const histogram = byName.get('http.server.request.duration')!;
    expect(histogram.unit).toBe('s');
    expect(Number(histogram.histogram!.dataPoints[0]!.count)).toBe(1);
    expect(histogram.histogram!.dataPoints[0]!.sum).toBe(0.25);
    expect(attributeString(found[0]!.resource?.attributes, 'k8s.pod.name')).toBe(`shop-${p}-7d9f`);
  });

  it.each(PROTOCOLS)('delivers traces sent over %s', (p) => {
    const found = recordsOf('traces', p);
    const spans = found.flatMap(({ request }) =>
      request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)),
    );
    expect(spans).toHaveLength(2);
    const parent = spans.find((s) => s.name === 'GET /cart')!;
    const child = spans.find((s) => s.name === 'SELECT cart')!;
    const ids = sent.get(p)!;
    expect(hex(parent.traceId)).toBe(ids.traceId);
    expect(hex(parent.spanId)).toBe(ids.spanId);
    expect(parent.kind).toBe(2); // SPAN_KIND_SERVER
    expect(attrs(parent.attributes)).toEqual({ 'http.response.status_code': 200 });
    expect(hex(child.traceId)).toBe(ids.traceId);
    expect(hex(child.spanId)).toBe(ids.childSpanId);
    expect(hex(child.parentSpanId)).toBe(ids.spanId);
    expect(child.kind).toBe(3); // SPAN_KIND_CLIENT
  });

  it.each(PROTOCOLS)('delivers logs sent over %s', (p) => {
    const found = recordsOf('logs', p);
    const logs = found.flatMap(({ request }) =>
      request.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)),
    );
    expect(logs).toHaveLength(1);
    const log = logs[0]!;
    expect(log.body?.stringValue).toBe('payment failed');
    expect(log.severityNumber).toBe(SeverityNumber.ERROR);
    expect(log.severityText).toBe('ERROR');
    expect(attrs(log.attributes)).toEqual({ 'order.id': 1234, 'payment.retry': true });
    expect(hex(log.traceId)).toBe(sent.get(p)!.traceId);
    expect(hex(log.spanId)).toBe(sent.get(p)!.spanId);
  });

  it('reports ready while Kafka is reachable', async () => {
    const res = await fetch(`http://127.0.0.1:${ingest.service.adminPort()}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ready: true, checks: { kafka: true } });
  });
});
