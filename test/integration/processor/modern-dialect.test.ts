// The modern dialect's encoders in a current ClickHouse engine (chDB in-process, without
// the HTTP adapter): rows built by the processor's row builders, encoded in both insert
// formats (RowBinary and JSONEachRow), read back field by field, deduplicated by token, and
// every example query of docs/queries.md. The product's own writer and client against the
// same engine: pipeline, crash, faults and migrations tests (test/support/engines.ts).
// Needs chdb (`npm test` installs it); fails (never skips) without it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dialect, dialectForVersion, quoteIdentifier } from '../../../lib/clickhouse/dialect.ts';
import { encodeRows, type InsertFormat } from '../../../lib/clickhouse/formats.ts';
import type { Row } from '../../../lib/clickhouse/schema.ts';
import { decodeRequest, encodeRequest } from '../../../lib/otlp/codec.ts';
import type { ExportRequestBySignal, Signal } from '../../../lib/otlp/types.ts';
import { createMigrationsTable } from '../../../lib/clickhouse/migrate.ts';
import { MIGRATIONS } from '../../../lib/clickhouse/migrations/index.ts';
import { EXAMPLE_QUERIES } from '../../../lib/clickhouse/queries.ts';
import { OTEL_TABLES, type OtelTableName } from '../../../lib/clickhouse/tables.ts';
import { buildRows, type RowsByTable } from '../../../services/processor/rows/index.ts';
import { ChdbSession, type ChdbStep } from '../../support/chdb.ts';
import { baseTimeNs, queryTestRequests } from '../../support/clickhouseFixtures.ts';
import { expectExampleResults, queryParams } from './expectations.ts';

const DB = 'telepipe';
const dialect = new Dialect('modern');
const target = { database: DB, cluster: '', retentionDays: 30, dialect };

/** Rows the processor would build from these requests, after a protobuf round trip. */
function rowsOf<S extends Signal>(signal: S, requests: ExportRequestBySignal[S][]): RowsByTable {
  const all: RowsByTable = {};
  for (const request of requests) {
    const decoded = decodeRequest(signal, encodeRequest(signal, request));
    const rows = buildRows(signal, decoded, { tenantId: 'acme' });
    for (const [table, list] of Object.entries(rows) as [OtelTableName, Row[]][]) {
      (all[table] ??= []).push(...list);
    }
  }
  return all;
}

describe('modern dialect in chDB', () => {
  const chdb = new ChdbSession();
  let fileNo = 0;

  /** An INSERT of encoded rows from a file, as the writer sends them to a server. */
  function insertStep(
    table: OtelTableName,
    rows: Row[],
    format: InsertFormat,
    token: string,
  ): ChdbStep {
    const columns = dialect.columns(OTEL_TABLES[table]);
    const path = join(chdb.path, `rows_${fileNo++}.${format}`);
    writeFileSync(path, encodeRows(format, columns, rows));
    const names = columns.map((c) => quoteIdentifier(c.name)).join(', ');
    const structure = columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`).join(', ');
    const settings = Object.entries(dialect.insertSettings(token))
      .map(([name, value]) => `${name} = ${typeof value === 'string' ? `'${value}'` : value}`)
      .join(', ');
    return {
      sql:
        `INSERT INTO ${DB}.${table} (${names}) SETTINGS ${settings} ` +
        `SELECT * FROM file('${path}', '${format}', '${structure}')`,
    };
  }

  beforeAll(() => {
    const version = chdb.version();
    expect(dialectForVersion(version)).toBe('modern');
    const ddl = [
      `CREATE DATABASE ${DB}`,
      createMigrationsTable(target),
      ...MIGRATIONS.flatMap((m) => m.statements(target)),
    ];
    const requests = queryTestRequests(baseTimeNs());
    const rows = {
      ...rowsOf('metrics', requests.metrics),
      ...rowsOf('logs', requests.logs),
      ...rowsOf('traces', requests.traces),
    };
    const inserts = (Object.entries(rows) as [OtelTableName, Row[]][]).flatMap(
      ([table, list], i) => {
        // Logs go in as JSONEachRow, the rest as RowBinary: both encoders are exercised.
        const format: InsertFormat = table === 'otel_logs' ? 'JSONEachRow' : 'RowBinary';
        const step = insertStep(table, list, format, `topic:0:${i}-${i}`);
        return [step, step]; // the replayed batch: same token, must not duplicate
      },
    );
    chdb.run([...ddl.map((sql) => ({ sql })), ...inserts]);
  });
  afterAll(() => chdb.close());

  it('stores every row once although each batch was inserted twice with its token', () => {
    const [counts] = chdb.run([
      {
        sql: Object.keys(OTEL_TABLES)
          .map((t) => `SELECT '${t}' AS t, count() AS n FROM ${DB}.${t}`)
          .join(' UNION ALL '),
        format: 'JSONEachRow',
      },
    ]);
    const byTable = Object.fromEntries(counts!.map((r) => [r.t, Number(r.n)]));
    expect(byTable).toEqual({
      otel_logs: 12,
      otel_traces: 6,
      otel_metrics_gauge: 2,
      otel_metrics_sum: 4,
      otel_metrics_histogram: 8,
      otel_metrics_exponential_histogram: 2,
      otel_metrics_summary: 2,
    });
  });

  it('reads back every field of a span, a histogram point and a log record', () => {
    const [spans, points, logs, lookup] = chdb.run([
      {
        sql: `SELECT * FROM ${DB}.otel_traces WHERE SpanName = 'charge' ORDER BY TraceId LIMIT 1`,
        format: 'JSONEachRow',
      },
      {
        sql: `SELECT * FROM ${DB}.otel_metrics_exponential_histogram WHERE ServiceName = 'checkout'`,
        format: 'JSONEachRow',
      },
      { sql: `SELECT * FROM ${DB}.otel_logs WHERE Body = 'error 0'`, format: 'JSONEachRow' },
      { sql: `SELECT count() AS n FROM ${DB}.otel_traces_trace_id_ts`, format: 'JSONEachRow' },
    ]);
    expect(spans![0]).toMatchObject({
      TraceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      SpanId: 'b2b2b2b2b2b2b2b2',
      ParentSpanId: 'a1a1a1a1a1a1a1a1',
      TraceState: 'vendor=1',
      SpanKind: 'Client',
      ServiceName: 'checkout',
      ScopeName: 'net/http',
      SpanAttributes: { 'http.route': '/pay', 'http.status_code': '200' },
      StatusCode: 'Error',
      'Events.Name': ['cache.miss'],
      'Events.Attributes': [{ key: 'cart' }],
      'Links.TraceId': ['11112222333344445555666677778888'],
      'Links.TraceState': ['l=1'],
      'Links.Attributes': [{ link: 'batch' }],
      TenantId: 'acme',
    });
    expect(Number(spans![0]!.Duration)).toBe(80_000_000);
    expect(String(spans![0]!.Timestamp)).toMatch(/\.010000000$/);
    expect(points![0]).toMatchObject({
      MetricName: 'rpc.client.duration',
      Attributes: { 'rpc.method': 'Get' },
      Sum: 21,
      Scale: 2,
      PositiveOffset: 3,
      NegativeOffset: -1,
      AggregationTemporality: 1,
      ScopeAttributes: { 'scope.attr': 'x' },
      ResourceAttributes: {
        'service.name': 'checkout',
        'service.instance.id': 'checkout-1',
        'k8s.pod.name': 'checkout-pod',
      },
    });
    const point = points![0]!;
    expect([point.Count, point.ZeroCount, point.PositiveBucketCounts].flat().map(Number)).toEqual([
      6, 1, 1, 2, 2,
    ]);
    expect(logs![0]).toMatchObject({
      EventName: 'app.start',
      TraceFlags: 1,
      TraceId: '5b8efff798038103d269b633813fc60c',
      LogAttributes: { 'http.route': '/pay', 'user.id': '42' },
      ResourceSchemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
    });
    expect(Number(lookup![0]!.n)).toBe(2); // the materialized view filled the trace id lookup
  });

  it('answers every example query of docs/queries.md', () => {
    const params = queryParams(DB);
    const results = chdb.run(
      EXAMPLE_QUERIES.map((q) => ({
        sql: q.sql('modern', params),
        format: 'JSONEachRow' as const,
      })),
    );
    expectExampleResults(Object.fromEntries(EXAMPLE_QUERIES.map((q, i) => [q.name, results[i]!])));
  });
});
