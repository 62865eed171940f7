// End to end with a real Go service instrumented with the OpenTelemetry Go SDK: its OTLP
// goes through the real ingest, Kafka, the processor with redaction, and ClickHouse. What the
// anomaly worker makes of such a service (faults, alerts, a fault-free twin) is go-faults.test.ts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcessor } from '../support/processor.ts';
import { createClickHouseClient, selectRows } from '../../lib/clickhouse/client.ts';
import type { Service } from '../../lib/service.ts';
import { runMigrations } from '../../lib/clickhouse/migrate.ts';
import { OTEL_TABLES, METRIC_TABLES } from '../../lib/clickhouse/tables.ts';
import { createIngestService, type IngestService } from '../../services/ingest/main.ts';
import { buildGoService, GoService, type ExportCounts } from '../support/go-service.ts';
import { testConfig, uniqueSuffix } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const serviceName = `e2e-go-${uniqueSuffix()}`;
const config = testConfig({
  ingest: { adminAddress: '127.0.0.1:0' },
  processor: { adminAddress: '127.0.0.1:0' },
});
config.ingest.grpc.address = '127.0.0.1:0';
config.ingest.http.address = '127.0.0.1:0';
const db = config.clickhouse.database;
const clickhouse = createClickHouseClient(config.clickhouse);

let ingest: IngestService;
let processor: Service;
let go: GoService;

async function count(query: string): Promise<number> {
  const rows = await selectRows<{ n: string | number }>(clickhouse, query);
  return Number(rows[0]?.n ?? 0);
}

/** Every table of the test database as TabSeparated text, to search for values. */
async function dumpAllTables(): Promise<string> {
  const parts: string[] = [];
  for (const table of Object.keys(OTEL_TABLES)) {
    const res = await clickhouse.query({
      query: `SELECT * FROM ${db}.${table}`,
      format: 'TabSeparated',
    });
    parts.push(await res.text());
  }
  return parts.join('\n');
}

describe('a real Go service through the whole pipeline', () => {
  beforeAll(async () => {
    const binary = await buildGoService(mkdtempSync(join(tmpdir(), 'telepipe-e2e-bin-')));
    await runMigrations(config);
    ingest = await createIngestService(config);
    processor = await startProcessor(config);
    go = await GoService.start(binary, ingest.grpcPort(), serviceName);
  }, 300_000);

  afterAll(async () => {
    go?.kill();
    await ingest?.service.shutdown();
    await processor?.shutdown();
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${db}` });
    await clickhouse.close();
  });

  it('stores its metrics, logs and traces in the otel_* tables', async () => {
    await waitFor(
      'runtime metrics',
      async () =>
        (await count(
          `SELECT count() AS n FROM ${db}.otel_metrics_sum WHERE ServiceName = '${serviceName}'`,
        )) > 0
          ? true
          : undefined,
      90_000,
    );
    await waitFor(
      'logs',
      async () =>
        (await count(
          `SELECT count() AS n FROM ${db}.otel_logs WHERE ServiceName = '${serviceName}'`,
        )) > 0
          ? true
          : undefined,
      60_000,
    );
    await waitFor(
      'traces',
      async () =>
        (await count(
          `SELECT count() AS n FROM ${db}.otel_traces WHERE ServiceName = '${serviceName}'`,
        )) > 0
          ? true
          : undefined,
      60_000,
    );
  });

  it('stores no personal value it sent, and keeps the non-personal parts of the same records', async () => {
    for (let i = 0; i < 5; i++) await go.call('POST', '/fault/pii');
    const sent = await go.sent();
    expect(sent.pii.length).toBeGreaterThanOrEqual(5);
    const dump = await waitFor(
      'the records carrying personal data',
      async () => {
        const text = await dumpAllTables();
        return sent.nonPii.every((v) => text.includes(v)) ? text : undefined;
      },
      90_000,
    );
    const leaked = sent.pii.filter(
      (value) => dump.includes(value) || dump.includes(value.replace(/[ -]/g, '')),
    );
    expect(leaked).toEqual([]);
    expect(dump).toContain('data_classification');
  });

  it('stores every data point the exporter reported as exported (at least once on the old dialect)', async () => {
    const exported: ExportCounts = await go.stop();
    const metricTables = Object.values(METRIC_TABLES).map((t) => t.name);
    const storedPerMetric = async (): Promise<Record<string, number>> => {
      const union = metricTables
        .map(
          (t) =>
            `SELECT MetricName AS m, count() AS n FROM ${db}.${t} WHERE ServiceName = '${serviceName}' GROUP BY MetricName`,
        )
        .join(' UNION ALL ');
      const rows = await selectRows<{ m: string; n: string | number }>(clickhouse, union);
      const out: Record<string, number> = {};
      for (const r of rows) out[r.m] = (out[r.m] ?? 0) + Number(r.n);
      return out;
    };
    const names = Object.keys(exported.metricDataPoints);
    expect(names.length).toBeGreaterThan(5);
    const stored = await waitFor(
      'every exported data point',
      async () => {
        const s = await storedPerMetric();
        return names.every((m) => (s[m] ?? 0) >= exported.metricDataPoints[m]!) ? s : undefined;
      },
      90_000,
    );
    const duplicates = names.reduce(
      (sum, m) => sum + (stored[m]! - exported.metricDataPoints[m]!),
      0,
    );
    process.stderr.write(
      `e2e: ${names.length} metrics, duplicates on the old dialect: ${duplicates}\n`,
    );
    // Logs and spans travel on their own topics and batches: the last export's may land a
    // moment after the metrics did, so wait for them too (a loss still fails at the deadline).
    const storedLogsAndSpans = async (): Promise<{ logs: number; spans: number }> => ({
      logs: await count(
        `SELECT count() AS n FROM ${db}.otel_logs WHERE ServiceName = '${serviceName}'`,
      ),
      spans: await count(
        `SELECT count() AS n FROM ${db}.otel_traces WHERE ServiceName = '${serviceName}'`,
      ),
    });
    // On a timeout the assertions below report the counts that fell short.
    const { logs, spans } = await waitFor(
      'every exported log record and span',
      async () => {
        const s = await storedLogsAndSpans();
        return s.logs >= exported.logRecords && s.spans >= exported.spans ? s : undefined;
      },
      90_000,
    ).catch(storedLogsAndSpans);
    expect(logs).toBeGreaterThanOrEqual(exported.logRecords);
    expect(spans).toBeGreaterThanOrEqual(exported.spans);
  });
});
