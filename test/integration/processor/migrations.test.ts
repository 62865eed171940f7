// `telepipe migrate` on the real 18.16 server (old dialect): versioned, recorded,
// idempotent; the processor refuses a database without the schema it knows.
import { afterAll, describe, expect, it } from 'vitest';
import { selectRows } from '../../../lib/clickhouse/client.ts';
import { TelepipeError } from '../../../lib/errors.ts';
import {
  MIGRATIONS_TABLE,
  requireCurrentSchema,
  runMigrations,
} from '../../../lib/clickhouse/migrate.ts';
import { LATEST_SCHEMA_VERSION } from '../../../lib/clickhouse/migrations/index.ts';
import { runProcessor } from '../../../services/processor/main.ts';
import { dropTestDatabase, testClickHouse } from '../../support/clickhouse.ts';
import { processorTestConfig } from './processorHarness.ts';

const config = processorTestConfig();
const db = config.clickhouse.database;
const ch = testClickHouse(config);

describe('migrations (ClickHouse 18.16)', () => {
  afterAll(async () => {
    await dropTestDatabase(ch, config);
    await ch.close();
  });

  it('refuses to process against a database without the schema, naming `telepipe migrate`', async () => {
    const error = await runProcessor(config).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TelepipeError);
    expect((error as TelepipeError).reason).toBe('schema');
    expect((error as Error).message).toMatch(/run `telepipe migrate`/);
  });

  it('creates every table once, records the version and dialect, and is a no-op the second time', async () => {
    const first = await runMigrations(config);
    expect(first).toEqual({ dialect: 'old', applied: [1], version: LATEST_SCHEMA_VERSION });
    const second = await runMigrations(config);
    expect(second.applied).toEqual([]);

    const recorded = await selectRows<{ Version: number; Dialect: string }>(
      ch,
      `SELECT Version, Dialect FROM ${db}.${MIGRATIONS_TABLE}`,
    );
    expect(recorded).toEqual([{ Version: 1, Dialect: 'old' }]);
    const tables = await selectRows<{ name: string }>(
      ch,
      `SELECT name FROM system.tables WHERE database = '${db}' ORDER BY name`,
    );
    expect(tables.map((t) => t.name)).toEqual([
      'anomaly_scores',
      'otel_logs',
      'otel_metrics_exponential_histogram',
      'otel_metrics_gauge',
      'otel_metrics_histogram',
      'otel_metrics_sum',
      'otel_metrics_summary',
      'otel_traces',
      MIGRATIONS_TABLE,
    ]);
    expect((await requireCurrentSchema(ch, db)).name).toBe('old');
  });

  it('uses the nearest old types: key/value arrays, DateTime plus nanoseconds, UInt8 flags', async () => {
    const columns = await selectRows<{ table: string; name: string; type: string }>(
      ch,
      `SELECT table, name, type FROM system.columns WHERE database = '${db}' AND table IN ('otel_traces', 'anomaly_scores', 'otel_metrics_sum')`,
    );
    const type = (table: string, name: string) =>
      columns.find((c) => c.table === table && c.name === name)?.type;
    expect(type('otel_traces', 'Timestamp')).toBe('DateTime');
    expect(type('otel_traces', 'TimestampNs')).toBe('UInt64');
    expect(type('otel_traces', 'SpanAttributes.keys')).toBe('Array(String)');
    expect(type('otel_traces', 'Events.Attributes.values')).toBe('Array(Array(String))');
    expect(type('otel_metrics_sum', 'IsMonotonic')).toBe('UInt8');
    expect(type('anomaly_scores', 'Anomalous')).toBe('UInt8');
    expect(type('anomaly_scores', 'Score')).toBe('Float64');
    expect(columns.filter((c) => c.table === 'anomaly_scores').map((c) => c.name)).toEqual([
      'Timestamp',
      'TimestampNs',
      'TenantId',
      'ServiceName',
      'ServiceInstanceId',
      'Signal',
      'Observed',
      'Expected',
      'Lower',
      'Upper',
      'Score',
      'Anomalous',
      'DrivingSignal',
      'ModelVersion',
      'Method',
    ]);
  });

  it('refuses a schema newer than it knows', async () => {
    await ch.command({
      query: `INSERT INTO ${db}.${MIGRATIONS_TABLE} (Version, Name, Dialect, AppliedAt) VALUES (${LATEST_SCHEMA_VERSION + 1}, 'future', 'old', now())`,
    });
    await expect(requireCurrentSchema(ch, db)).rejects.toThrow(/newer than this telepipe knows/);
  });
});
