// The processor against real Kafka and both ClickHouse engines (18.16 → old dialect, chDB →
// modern; test/support/engines.ts): OTLP records in, exporter-shaped rows out through the
// product's writer, example queries of docs/queries.md answered, dead-lettering of
// undecodable records and of rows ClickHouse rejects, readiness and metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '../../../lib/clickhouse/client.ts';
import type { DialectName } from '../../../lib/clickhouse/dialect.ts';
import type { Service } from '../../../lib/service.ts';
import { EXAMPLE_QUERIES } from '../../../lib/clickhouse/queries.ts';
import {
  ERROR_HEADER,
  ERROR_REASON_HEADER,
} from '../../../services/processor/dead-letter-exporter.ts';
import {
  count,
  deleteTopics,
  dropTestDatabase,
  otlpRecord,
  produce,
  testClickHouse,
  waitForCount,
} from '../../support/clickhouse.ts';
import { baseTimeNs, logsRequest, queryTestRequests } from '../../support/clickhouseFixtures.ts';
import { ENGINES, useEngine } from '../../support/engines.ts';
import { expectExampleResults, queryParams } from './expectations.ts';
import {
  admin,
  metricValue,
  prepare,
  processorTestConfig,
  readTopic,
  startProcessor,
} from './processorHarness.ts';

describe.each(ENGINES)('processor → $name', (engine) => {
  const config = processorTestConfig();
  // These tests check how what the processor is given is stored, attribute for attribute;
  // that the processor redacts by default is redaction-default.test.ts's business.
  config.redaction = { ...config.redaction, enabled: false };
  const db = config.clickhouse.database;
  let ch: ClickHouseClient;
  let service: Service;
  useEngine(engine, config);

  beforeAll(async () => {
    await prepare(config);
    ch = testClickHouse(config);
    service = await startProcessor(config);
  });
  afterAll(async () => {
    await service?.shutdown();
    await dropTestDatabase(ch, config);
    await ch.close();
    await deleteTopics(config);
  });

  it('stores every signal in the exporter tables with tenant, and answers the example queries', async () => {
    const requests = queryTestRequests(baseTimeNs());
    await produce(config, [
      ...requests.metrics.map((r) => otlpRecord(config, 'metrics', r, 'acme')),
      ...requests.logs.map((r) => otlpRecord(config, 'logs', r, 'acme')),
      ...requests.traces.map((r) => otlpRecord(config, 'traces', r)),
    ]);
    const expected = {
      otel_logs: 12,
      otel_traces: 6,
      otel_metrics_gauge: 2,
      otel_metrics_sum: 4,
      otel_metrics_histogram: 8,
      otel_metrics_exponential_histogram: 2,
      otel_metrics_summary: 2,
    };
    for (const [table, n] of Object.entries(expected)) {
      expect([table, await waitForCount(ch, `SELECT count() AS n FROM ${db}.${table}`, n)]).toEqual(
        [table, n],
      );
    }
    expect(
      await count(
        ch,
        `SELECT uniqExact(TenantId) AS n FROM ${db}.otel_traces WHERE TenantId = 'default'`,
      ),
    ).toBe(1);
    expect(
      await count(ch, `SELECT count() AS n FROM ${db}.otel_logs WHERE TenantId = 'acme'`),
    ).toBe(12);

    const results: Record<string, Record<string, unknown>[]> = {};
    for (const q of EXAMPLE_QUERIES) {
      const rs = await ch.query({
        query: q.sql(engine.dialect, queryParams(db)),
        format: 'JSONEachRow',
      });
      results[q.name] = await rs.json();
    }
    expectExampleResults(results);
  });

  it(`keeps nanoseconds and attributes in the ${engine.dialect} layout`, async () => {
    const rows = await (
      await ch.query({
        query: `SELECT ${LAYOUT[engine.dialect]}, EventName FROM ${db}.otel_logs WHERE Body = 'error 0'`,
        format: 'JSONEachRow',
      })
    ).json<{ TimestampNs: string; k: string[]; v: string[]; EventName: string }>();
    expect(rows).toHaveLength(1);
    expect(BigInt(rows[0]!.TimestampNs) % 1_000_000_000n).toBe(0n);
    expect(BigInt(rows[0]!.TimestampNs)).toBe(baseTimeNsOf(rows[0]!.TimestampNs));
    expect(Object.fromEntries(rows[0]!.k.map((k, i) => [k, rows[0]!.v[i]]))).toEqual({
      seq: 'm-0',
      'http.route': '/pay',
      'user.id': '42',
    });
    expect(rows[0]!.EventName).toBe('app.start');
  });

  it('dead-letters undecodable records and rows ClickHouse rejects, and goes on', async () => {
    // A column whose DEFAULT throws for one body: the server rejects exactly those rows.
    await ch.command({
      query: `ALTER TABLE ${db}.otel_logs ADD COLUMN Poison UInt8 DEFAULT throwIf(Body = 'poison 0')`,
    });
    try {
      const t0 = baseTimeNs();
      const log = (marker: string, body: (i: number) => string) =>
        otlpRecord(config, 'logs', logsRequest({ service: 'dlq', t0, count: 5, marker, body }));
      await produce(config, [
        log('before', (i) => `ok ${i}`),
        {
          topic: config.kafka.topics.logs,
          key: 'x',
          value: Buffer.from([0xff, 0xff, 0xff]),
          headers: { 'telepipe-tenant': 't1' },
        },
        log('poison', (i) => `poison ${i}`),
        log('after', (i) => `fine ${i}`),
      ]);
      expect(
        await waitForCount(
          ch,
          `SELECT count() AS n FROM ${db}.otel_logs WHERE ServiceName = 'dlq'`,
          10,
        ),
      ).toBe(10);
      const dead = await readTopic(config, config.kafka.topics.deadLetter, 2);
      const reasons = dead.map((r) => r.headers[ERROR_REASON_HEADER]).sort();
      expect(reasons).toEqual(['invalid_argument', 'invalid_argument']);
      const undecodable = dead.find((r) => r.headers['telepipe-tenant'] === 't1');
      expect(undecodable?.headers[ERROR_HEADER]).toMatch(/malformed OTLP protobuf/);
      const rejected = dead.find((r) => r.headers['telepipe-tenant'] !== 't1');
      expect(rejected?.headers[ERROR_HEADER]).toMatch(/throwIf|395/);
      expect(
        await count(ch, `SELECT count() AS n FROM ${db}.otel_logs WHERE Body LIKE 'poison%'`),
      ).toBe(0);
      const metrics = (await admin(service, '/metrics')).body;
      expect(metricValue(metrics, 'telepipe_processor_dead_lettered_total')).toBe(2);
    } finally {
      await ch.command({ query: `ALTER TABLE ${db}.otel_logs DROP COLUMN Poison` });
    }
  });

  it('is ready when Kafka and ClickHouse answer, and exports its metrics', async () => {
    const ready = await admin(service, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({
      ready: true,
      checks: { kafka: true, clickhouse: true },
    });
    const metrics = (await admin(service, '/metrics')).body;
    expect(
      metricValue(metrics, 'telepipe_processor_rows_inserted_total', { table: 'otel_traces' }),
    ).toBe(6);
    expect(metricValue(metrics, 'telepipe_processor_batches_total')).toBeGreaterThan(0);
    expect(
      metricValue(metrics, 'telepipe_processor_insert_duration_seconds_count', {
        table: 'otel_logs',
      }),
    ).toBeGreaterThan(0);
    expect(metrics).toMatch(/telepipe_processor_consumer_lag\{topic="test_logs_/);
    expect(metricValue(metrics, 'telepipe_processor_freshness_seconds_count')).toBeGreaterThan(0);
  });
});

/** A log's exact time and attributes as key and value arrays, in each dialect's columns. */
const LAYOUT: Record<DialectName, string> = {
  old: 'TimestampNs, `LogAttributes.keys` AS k, `LogAttributes.values` AS v',
  modern:
    'toString(toUnixTimestamp64Nano(Timestamp)) AS TimestampNs, mapKeys(LogAttributes) AS k, mapValues(LogAttributes) AS v',
};

/** The nanosecond value must be an exact whole second of the fixture's base time (+0s for record 0). */
function baseTimeNsOf(ns: string): bigint {
  return (BigInt(ns) / 1_000_000_000n) * 1_000_000_000n;
}
