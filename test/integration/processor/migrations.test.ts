// `telepipe migrate` on both engines (18.16 → old dialect, chDB → modern): versioned,
// recorded, idempotent, in each dialect's types (modern: the exporter's, exporterColumns.ts);
// the processor refuses a database without the schema it knows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRows, type ClickHouseClient } from '../../../lib/clickhouse/client.ts';
import type { DialectName } from '../../../lib/clickhouse/dialect.ts';
import { TelepipeError } from '../../../lib/errors.ts';
import {
  MIGRATIONS_TABLE,
  requireCurrentSchema,
  runMigrations,
} from '../../../lib/clickhouse/migrate.ts';
import { LATEST_SCHEMA_VERSION } from '../../../lib/clickhouse/migrations/index.ts';
import { runProcessor } from '../../../services/processor/main.ts';
import { dropTestDatabase, testClickHouse } from '../../support/clickhouse.ts';
import { ENGINES, useEngine } from '../../support/engines.ts';
import { EXPORTER_COLUMNS } from './exporterColumns.ts';
import { processorTestConfig } from './processorHarness.ts';

const OTEL_TABLES = [
  'otel_logs',
  'otel_metrics_exponential_histogram',
  'otel_metrics_gauge',
  'otel_metrics_histogram',
  'otel_metrics_sum',
  'otel_metrics_summary',
  'otel_traces',
];
const SCORE_COLUMNS = ['Timestamp', 'TenantId', 'ServiceName', 'ServiceInstanceId', 'Signal'];
const SCORE_VALUES = ['Observed', 'Expected', 'Lower', 'Upper', 'Score', 'Anomalous'];
const SCORE_MODEL = ['DrivingSignal', 'ModelVersion', 'Method'];

/** What `telepipe migrate` must create in each dialect. */
const EXPECTED: Record<
  DialectName,
  { tables: string[]; types: [table: string, column: string, type: string][]; scores: string[] }
> = {
  // The nearest old types: key/value arrays, DateTime plus nanoseconds, UInt8 flags.
  old: {
    tables: ['anomaly_scores', ...OTEL_TABLES, MIGRATIONS_TABLE],
    types: [
      ['otel_traces', 'Timestamp', 'DateTime'],
      ['otel_traces', 'TimestampNs', 'UInt64'],
      ['otel_traces', 'SpanAttributes.keys', 'Array(String)'],
      ['otel_traces', 'Events.Attributes.values', 'Array(Array(String))'],
      ['otel_metrics_sum', 'IsMonotonic', 'UInt8'],
      ['anomaly_scores', 'Anomalous', 'UInt8'],
      ['anomaly_scores', 'Score', 'Float64'],
    ],
    scores: [
      SCORE_COLUMNS[0]!,
      'TimestampNs',
      ...SCORE_COLUMNS.slice(1),
      ...SCORE_VALUES,
      ...SCORE_MODEL,
    ],
  },
  // The exporter's names and types, plus telepipe's tenant and classification columns.
  modern: {
    tables: [
      'anomaly_scores',
      ...OTEL_TABLES,
      'otel_traces_trace_id_ts',
      'otel_traces_trace_id_ts_mv',
      MIGRATIONS_TABLE,
    ],
    types: [
      ...Object.entries(EXPORTER_COLUMNS).flatMap(([table, columns]) =>
        Object.entries(columns).map(([name, type]): [string, string, string] => [
          table,
          name,
          type,
        ]),
      ),
      ...OTEL_TABLES.flatMap((table): [string, string, string][] => [
        [table, 'TenantId', 'LowCardinality(String)'],
        [table, 'DataClassification', 'LowCardinality(String)'],
      ]),
      ['anomaly_scores', 'Anomalous', 'UInt8'],
      ['anomaly_scores', 'Score', 'Float64'],
    ],
    scores: [...SCORE_COLUMNS, ...SCORE_VALUES, ...SCORE_MODEL],
  },
};

describe.each(ENGINES)('migrations → $name', (engine) => {
  const config = processorTestConfig();
  const db = config.clickhouse.database;
  const expected = EXPECTED[engine.dialect];
  let ch: ClickHouseClient;
  useEngine(engine, config);
  beforeAll(() => {
    ch = testClickHouse(config);
  });
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
    expect(first).toEqual({
      dialect: engine.dialect,
      applied: [1],
      version: LATEST_SCHEMA_VERSION,
    });
    const second = await runMigrations(config);
    expect(second.applied).toEqual([]);

    const recorded = await selectRows<{ Version: number; Dialect: string }>(
      ch,
      `SELECT Version, Dialect FROM ${db}.${MIGRATIONS_TABLE}`,
    );
    expect(recorded).toEqual([{ Version: 1, Dialect: engine.dialect }]);
    const tables = await selectRows<{ name: string }>(
      ch,
      `SELECT name FROM system.tables WHERE database = '${db}' ORDER BY name`,
    );
    expect(tables.map((t) => t.name)).toEqual(expected.tables);
    expect((await requireCurrentSchema(ch, db)).name).toBe(engine.dialect);
  });

  it(`creates the columns in the ${engine.dialect} dialect's types`, async () => {
    const columns = await selectRows<{ table: string; name: string; type: string }>(
      ch,
      `SELECT table, name, type FROM system.columns WHERE database = '${db}'`,
    );
    const type = new Map(columns.map((c) => [`${c.table}.${c.name}`, c.type]));
    for (const [table, name, t] of expected.types)
      expect([table, name, type.get(`${table}.${name}`)]).toEqual([table, name, t]);
    expect(columns.filter((c) => c.table === 'anomaly_scores').map((c) => c.name)).toEqual(
      expected.scores,
    );
  });

  it('refuses a schema newer than it knows', async () => {
    await ch.command({
      query: `INSERT INTO ${db}.${MIGRATIONS_TABLE} (Version, Name, Dialect, AppliedAt) VALUES (${LATEST_SCHEMA_VERSION + 1}, 'future', '${engine.dialect}', now())`,
    });
    await expect(requireCurrentSchema(ch, db)).rejects.toThrow(/newer than this telepipe knows/);
  });
});
