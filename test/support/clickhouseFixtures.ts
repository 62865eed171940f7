// OTLP requests with known content for the processor and storage tests: every data point
// type, logs with attributes, and a trace with events and links. Times are unix ns.
import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  KeyValue,
} from '../../lib/otlp/types.ts';

export const kv = (key: string, value: string | number | boolean): KeyValue => ({
  key,
  value:
    typeof value === 'string'
      ? { stringValue: value }
      : typeof value === 'boolean'
        ? { boolValue: value }
        : Number.isInteger(value)
          ? { intValue: value }
          : { doubleValue: value },
});

export const resource = (service: string, instance = `${service}-1`) => ({
  attributes: [
    kv('service.name', service),
    kv('service.instance.id', instance),
    kv('k8s.pod.name', `${service}-pod`),
  ],
});

const scope = {
  name: 'go.opentelemetry.io/contrib/instrumentation/runtime',
  version: '0.60.0',
  attributes: [kv('scope.attr', 'x')],
};

export const SEC = 1_000_000_000n;
/** A fixed minute boundary near now, so daily partitions stay few. */
export function baseTimeNs(): bigint {
  const minute = BigInt(Math.floor(Date.now() / 60_000) - 10) * 60n;
  return minute * SEC;
}
const ns = (v: bigint): string => v.toString();

export interface MetricsFixture {
  service: string;
  instance?: string;
  t0: bigint;
  goroutines: number;
  /** Bucket counts of http.server.request.duration (cumulative), bounds LATENCY_BOUNDS. */
  latencyBuckets?: [number[], number[]];
}

export const LATENCY_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
export const GC_BOUNDS = [10_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000];

/** One metrics request: gauge, sum, two histograms (two points each, one minute apart), exp histogram, summary. */
export function metricsRequest(f: MetricsFixture): ExportMetricsServiceRequest {
  const t1 = f.t0 + 30n * SEC;
  const t2 = f.t0 + 60n * SEC + 30n * SEC;
  const traceId = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex');
  const spanId = Buffer.from('b7ad6b7169203331', 'hex');
  const [lat1, lat2] = f.latencyBuckets ?? [
    [0, 10, 50, 30, 5, 3, 1, 1, 0],
    [0, 20, 100, 60, 10, 6, 2, 2, 0],
  ];
  const hist = (bounds: number[], counts: number[], t: bigint, attrs: KeyValue[]) => ({
    attributes: attrs,
    startTimeUnixNano: ns(f.t0),
    timeUnixNano: ns(t),
    count: counts.reduce((a, b) => a + b, 0),
    sum: 12.5,
    bucketCounts: counts,
    explicitBounds: bounds,
    min: 0.001,
    max: 2,
    exemplars: [
      {
        filteredAttributes: [kv('exemplar', 'e')],
        timeUnixNano: ns(t),
        asDouble: 0.2,
        traceId,
        spanId,
      },
    ],
  });
  const gcCounts1 = [5, 40, 3, 1, 1, 0, 0];
  const gcCounts2 = [10, 80, 6, 2, 2, 0, 0];
  return {
    resourceMetrics: [
      {
        resource: resource(f.service, f.instance),
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeMetrics: [
          {
            scope,
            schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
            metrics: [
              {
                name: 'go.memory.used',
                unit: 'By',
                description: 'Memory used',
                metadata: [],
                gauge: {
                  dataPoints: [
                    {
                      attributes: [kv('go.memory.type', 'other')],
                      timeUnixNano: ns(t1),
                      asInt: 1234,
                      exemplars: [],
                    },
                  ],
                },
              },
              {
                name: 'go.goroutine.count',
                unit: '{goroutine}',
                description: 'Count of live goroutines.',
                metadata: [],
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: false,
                  dataPoints: [
                    {
                      attributes: [],
                      startTimeUnixNano: ns(f.t0),
                      timeUnixNano: ns(f.t0 + 10n * SEC),
                      asInt: f.goroutines - 5,
                      exemplars: [],
                    },
                    {
                      attributes: [],
                      startTimeUnixNano: ns(f.t0),
                      timeUnixNano: ns(t2),
                      asInt: f.goroutines,
                      exemplars: [],
                    },
                  ],
                },
              },
              {
                name: 'http.server.request.duration',
                unit: 's',
                description: 'Duration of HTTP server requests.',
                metadata: [],
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    hist(LATENCY_BOUNDS, lat1, t1, [kv('http.route', '/pay')]),
                    hist(LATENCY_BOUNDS, lat2, t2, [kv('http.route', '/pay')]),
                  ],
                },
              },
              {
                name: 'process.runtime.go.gc.pause_ns',
                unit: 'ns',
                description: 'Amount of nanoseconds in GC stop-the-world pauses',
                metadata: [],
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    hist(GC_BOUNDS, gcCounts1, t1, []),
                    hist(GC_BOUNDS, gcCounts2, t2, []),
                  ],
                },
              },
              {
                name: 'rpc.client.duration',
                unit: 'ms',
                metadata: [],
                exponentialHistogram: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      attributes: [kv('rpc.method', 'Get')],
                      startTimeUnixNano: ns(f.t0),
                      timeUnixNano: ns(t1),
                      count: 6,
                      sum: 21,
                      scale: 2,
                      zeroCount: 1,
                      positive: { offset: 3, bucketCounts: [1, 2, 2] },
                      negative: { offset: -1, bucketCounts: [] },
                      min: 0,
                      max: 9,
                      exemplars: [],
                    },
                  ],
                },
              },
              {
                name: 'go.gc.duration',
                unit: 's',
                metadata: [],
                summary: {
                  dataPoints: [
                    {
                      attributes: [],
                      startTimeUnixNano: ns(f.t0),
                      timeUnixNano: ns(t1),
                      count: 4,
                      sum: 0.02,
                      quantileValues: [
                        { quantile: 0.5, value: 0.004 },
                        { quantile: 0.99, value: 0.009 },
                      ],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** Rows one metricsRequest produces, per table. */
export const METRICS_ROWS = {
  otel_metrics_gauge: 1,
  otel_metrics_sum: 2,
  otel_metrics_histogram: 4,
  otel_metrics_exponential_histogram: 1,
  otel_metrics_summary: 1,
} as const;

export interface LogsFixture {
  service: string;
  t0: bigint;
  count: number;
  /** Marker stored in the `seq` attribute: `${marker}-${i}`. */
  marker?: string;
  severity?: { number: number; text: string };
  route?: string;
  body?: (i: number) => string;
  /** Spread the records over this many days (for rejection tests). */
  daysApart?: number;
}

export function logsRequest(f: LogsFixture): ExportLogsServiceRequest {
  const severity = f.severity ?? { number: 9, text: 'INFO' };
  return {
    resourceLogs: [
      {
        resource: resource(f.service),
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeLogs: [
          {
            scope: { name: 'app/logger', version: '1.0.0', attributes: [] },
            schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
            logRecords: Array.from({ length: f.count }, (_, i) => ({
              timeUnixNano: (
                f.t0 +
                BigInt(i) * SEC -
                BigInt(f.daysApart ?? 0) * BigInt(i) * 86_400n * SEC
              ).toString(),
              observedTimeUnixNano: (f.t0 + BigInt(i) * SEC).toString(),
              severityNumber: severity.number,
              severityText: severity.text,
              body: { stringValue: f.body ? f.body(i) : `log line ${i}` },
              attributes: [
                kv('seq', `${f.marker ?? 'm'}-${i}`),
                kv('http.route', f.route ?? '/pay'),
                kv('user.id', 42),
              ],
              flags: 1,
              traceId: Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'),
              spanId: Buffer.from('eee19b7ec3c1b174', 'hex'),
              eventName: i === 0 ? 'app.start' : '',
            })),
          },
        ],
      },
    ],
  };
}

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

export function tracesRequest(
  service: string,
  t0: bigint,
  traceId = TRACE_ID,
): ExportTraceServiceRequest {
  const id = Buffer.from(traceId, 'hex');
  const span = (
    name: string,
    spanId: string,
    parent: string,
    offsetMs: number,
    durationMs: number,
    kind: number,
  ) => ({
    traceId: id,
    spanId: Buffer.from(spanId, 'hex'),
    parentSpanId: parent ? Buffer.from(parent, 'hex') : new Uint8Array(0),
    traceState: 'vendor=1',
    name,
    kind,
    startTimeUnixNano: (t0 + BigInt(offsetMs) * 1_000_000n).toString(),
    endTimeUnixNano: (t0 + BigInt(offsetMs + durationMs) * 1_000_000n).toString(),
    attributes: [kv('http.route', '/pay'), kv('http.status_code', 200)],
    events: [
      {
        timeUnixNano: (t0 + BigInt(offsetMs + 1) * 1_000_000n).toString(),
        name: 'cache.miss',
        attributes: [kv('key', 'cart')],
      },
    ],
    links: [
      {
        traceId: Buffer.from('11112222333344445555666677778888', 'hex'),
        spanId: Buffer.from('1111222233334444', 'hex'),
        traceState: 'l=1',
        attributes: [kv('link', 'batch')],
      },
    ],
    status: { code: name === 'charge' ? 2 : 1, message: name === 'charge' ? 'card declined' : '' },
  });
  return {
    resourceSpans: [
      {
        resource: resource(service),
        scopeSpans: [
          {
            scope: { name: 'net/http', version: '0.1', attributes: [] },
            spans: [
              span('POST /pay', 'a1a1a1a1a1a1a1a1', '', 0, 120, 2),
              span('charge', 'b2b2b2b2b2b2b2b2', 'a1a1a1a1a1a1a1a1', 10, 80, 3),
              span('SELECT cart', 'c3c3c3c3c3c3c3c3', 'a1a1a1a1a1a1a1a1', 5, 3, 3),
            ],
          },
        ],
      },
    ],
  };
}

export interface TestRequests {
  metrics: ExportMetricsServiceRequest[];
  logs: ExportLogsServiceRequest[];
  traces: ExportTraceServiceRequest[];
}

/**
 * The data the example-query tests store: two services' metrics, checkout's error logs
 * on /pay among info logs and logs of other routes and services, and one trace.
 */
export function queryTestRequests(t0: bigint): TestRequests {
  return {
    metrics: [
      metricsRequest({ service: 'checkout', t0, goroutines: 42 }),
      metricsRequest({
        service: 'payments',
        t0,
        goroutines: 7,
        latencyBuckets: [
          [0, 100, 0, 0, 0, 0, 0, 0, 0],
          [0, 200, 0, 0, 0, 0, 0, 0, 0],
        ],
      }),
    ],
    logs: [
      logsRequest({
        service: 'checkout',
        t0,
        count: 3,
        severity: { number: 17, text: 'ERROR' },
        body: (i) => `error ${i}`,
      }),
      logsRequest({ service: 'checkout', t0, count: 5, body: (i) => `info ${i}` }),
      logsRequest({
        service: 'checkout',
        t0,
        count: 2,
        severity: { number: 17, text: 'ERROR' },
        route: '/cart',
        body: (i) => `cart error ${i}`,
      }),
      logsRequest({
        service: 'payments',
        t0,
        count: 2,
        severity: { number: 17, text: 'ERROR' },
        body: (i) => `payments error ${i}`,
      }),
    ],
    traces: [
      tracesRequest('checkout', t0),
      tracesRequest('checkout', t0, '99999999999999999999999999999999'),
    ],
  };
}
