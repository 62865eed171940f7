// OTLP → neutral rows, after a real protobuf round trip (decoded messages differ from
// plain objects: unset oneof members read as defaults).
import { describe, expect, it } from 'vitest';
import type { Attributes, Row } from '../../../lib/clickhouse/schema.ts';
import { decodeRequest, encodeRequest } from '../../../lib/otlp/codec.ts';
import type { ExportRequestBySignal, Signal } from '../../../lib/otlp/types.ts';
import { buildRows } from '../../../services/processor/rows/index.ts';
import {
  kv,
  logsRequest,
  metricsRequest,
  METRICS_ROWS,
  SEC,
  tracesRequest,
} from '../../support/clickhouseFixtures.ts';

const T0 = 1_700_000_000n * SEC;
const roundTrip = <S extends Signal>(signal: S, request: ExportRequestBySignal[S]) =>
  decodeRequest(signal, encodeRequest(signal, request));
const attrs = (a: unknown) =>
  Object.fromEntries((a as Attributes).keys.map((k, i) => [k, (a as Attributes).values[i]]));

describe('row builders', () => {
  it('builds one row per data point in the table of its type', () => {
    const rows = buildRows(
      'metrics',
      roundTrip('metrics', metricsRequest({ service: 'checkout', t0: T0, goroutines: 42 })),
      { tenantId: 'acme' },
    );
    expect(Object.fromEntries(Object.entries(rows).map(([t, r]) => [t, r.length]))).toEqual(
      METRICS_ROWS,
    );
    const [, latest] = rows.otel_metrics_sum!;
    expect(latest).toMatchObject({
      MetricName: 'go.goroutine.count',
      Value: 42, // asInt, although decoded messages read asDouble as 0
      IsMonotonic: false,
      AggregationTemporality: 2,
      ServiceName: 'checkout',
      TenantId: 'acme',
      StartTimeUnix: T0,
      TimeUnix: T0 + 90n * SEC,
      ScopeName: 'go.opentelemetry.io/contrib/instrumentation/runtime',
    });
    const histogram = rows.otel_metrics_histogram![0]!;
    expect(histogram).toMatchObject({
      Count: 100,
      Sum: 12.5,
      Min: 0.001,
      Max: 2,
      BucketCounts: [0, 10, 50, 30, 5, 3, 1, 1, 0],
    });
    expect((histogram.Exemplars as Row[])[0]).toMatchObject({
      Value: 0.2,
      TraceId: '0af7651916cd43dd8448eb211c80319c',
      SpanId: 'b7ad6b7169203331',
    });
    const summary = rows.otel_metrics_summary![0]!;
    expect(summary.ValueAtQuantiles).toEqual([
      { Quantile: 0.5, Value: 0.004 },
      { Quantile: 0.99, Value: 0.009 },
    ]);
    expect(rows.otel_metrics_exponential_histogram![0]).toMatchObject({
      PositiveOffset: 3,
      PositiveBucketCounts: [1, 2, 2],
      NegativeOffset: -1,
      ZeroCount: 1,
    });
  });

  it('builds log rows with typed attribute values as text', () => {
    const [row] = buildRows(
      'logs',
      roundTrip('logs', logsRequest({ service: 'api', t0: T0, count: 1 })),
      { tenantId: 'default' },
    ).otel_logs!;
    expect(row).toMatchObject({
      Timestamp: T0,
      ServiceName: 'api',
      Body: 'log line 0',
      SeverityNumber: 9,
      SeverityText: 'INFO',
      TraceFlags: 1,
      EventName: 'app.start',
      TraceId: '5b8efff798038103d269b633813fc60c',
      DataClassification: '',
    });
    expect(attrs(row!.LogAttributes)).toEqual({
      seq: 'm-0',
      'http.route': '/pay',
      'user.id': '42',
    });
  });

  it('falls back to the observed time and renders compound values as JSON', () => {
    const request = logsRequest({ service: 'api', t0: T0, count: 1 });
    const record = request.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    record.timeUnixNano = 0;
    record.body = {
      kvlistValue: {
        values: [
          kv('a', 1),
          kv('b', true),
          {
            key: 'c',
            value: { arrayValue: { values: [{ doubleValue: 1.5 }, { stringValue: 'x' }] } },
          },
        ],
      },
    };
    const [row] = buildRows('logs', roundTrip('logs', request), { tenantId: 't' }).otel_logs!;
    expect(row!.Timestamp).toBe(T0);
    expect(JSON.parse(row!.Body as string)).toEqual({ a: 1, b: true, c: [1.5, 'x'] });
  });

  it('marks redacted records from their data_classification attribute', () => {
    const request = logsRequest({ service: 'api', t0: T0, count: 1 });
    request.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.attributes.push(
      kv('data_classification', 'pii'),
      kv('redaction.summary', 'email:1'),
    );
    const [row] = buildRows('logs', roundTrip('logs', request), { tenantId: 't' }).otel_logs!;
    expect(row!.DataClassification).toBe('pii');
    expect(attrs(row!.LogAttributes)['redaction.summary']).toBe('email:1');
  });

  it('builds span rows with exporter kind and status names, duration, events and links', () => {
    const rows = buildRows('traces', roundTrip('traces', tracesRequest('checkout', T0)), {
      tenantId: 'default',
    }).otel_traces!;
    expect(rows.map((r) => [r.SpanName, r.SpanKind, r.StatusCode, r.Duration])).toEqual([
      ['POST /pay', 'Server', 'Ok', 120_000_000],
      ['charge', 'Client', 'Error', 80_000_000],
      ['SELECT cart', 'Client', 'Ok', 3_000_000],
    ]);
    expect(rows[1]).toMatchObject({
      ParentSpanId: 'a1a1a1a1a1a1a1a1',
      TraceState: 'vendor=1',
      StatusMessage: 'card declined',
    });
    expect(rows[0]!.ParentSpanId).toBe('');
    const [event] = rows[0]!.Events as Row[];
    expect(event).toMatchObject({ Name: 'cache.miss', Timestamp: T0 + 1_000_000n });
    const [link] = rows[0]!.Links as Row[];
    expect(link).toMatchObject({
      TraceId: '11112222333344445555666677778888',
      SpanId: '1111222233334444',
      TraceState: 'l=1',
    });
    expect(attrs(link!.Attributes)).toEqual({ link: 'batch' });
  });
});
