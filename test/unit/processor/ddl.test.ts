// The generated DDL text: single server vs cluster (no cluster exists here, so the cluster
// statements are checked as text), modern vs old dialect, retention.
import { describe, expect, it } from 'vitest';
import { Dialect } from '../../../lib/clickhouse/dialect.ts';
import {
  createTable,
  createTraceIdLookup,
  type SchemaTarget,
} from '../../../lib/clickhouse/ddl.ts';
import { createMigrationsTable } from '../../../lib/clickhouse/migrate.ts';
import { MIGRATIONS } from '../../../lib/clickhouse/migrations/index.ts';
import { OTEL_LOGS, OTEL_METRICS_SUM } from '../../../lib/clickhouse/tables.ts';

const target = (overrides: Partial<SchemaTarget> = {}): SchemaTarget => ({
  database: 'telepipe',
  cluster: '',
  retentionDays: 30,
  dialect: new Dialect('modern'),
  ...overrides,
});

describe('DDL on one server', () => {
  it('creates modern tables with TTL, codecs, skip indexes and insert deduplication', () => {
    const [sql, ...rest] = createTable(OTEL_LOGS, target());
    expect(rest).toEqual([]);
    expect(sql).toMatch(/^CREATE TABLE IF NOT EXISTS telepipe\.otel_logs \(/);
    expect(sql).toContain('LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1))');
    expect(sql).toContain('Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1))');
    expect(sql).toContain(
      'INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
    );
    expect(sql).toContain('ENGINE = MergeTree\nPARTITION BY toDate(TimestampTime)');
    expect(sql).toContain('ORDER BY (ServiceName, TimestampTime, Timestamp)');
    expect(sql).toContain('TTL TimestampTime + toIntervalDay(30)');
    expect(sql).toContain('non_replicated_deduplication_window = 1000');
    expect(sql).not.toContain('ON CLUSTER');
  });

  it('leaves TTL out when retention is 0', () => {
    expect(createTable(OTEL_LOGS, target({ retentionDays: 0 }))[0]).not.toContain('TTL');
  });

  it('creates old tables with key/value arrays, DateTime plus nanoseconds, no TTL, codecs or indexes', () => {
    const [sql] = createTable(OTEL_METRICS_SUM, target({ dialect: new Dialect('old') }));
    expect(sql).toContain('`Attributes.keys` Array(String)');
    expect(sql).toContain('`Attributes.values` Array(String)');
    expect(sql).toContain('`TimeUnix` DateTime');
    expect(sql).toContain('`TimeUnixNs` UInt64');
    expect(sql).toContain('`Exemplars.FilteredAttributes.keys` Array(Array(String))');
    expect(sql).toContain('`IsMonotonic` UInt8');
    expect(sql).toContain('ORDER BY (ServiceName, MetricName, TimeUnix)');
    for (const modernOnly of ['TTL', 'CODEC', 'LowCardinality', 'Map(', 'INDEX', 'DateTime64']) {
      expect(sql).not.toContain(modernOnly);
    }
  });
});

describe('DDL on a cluster', () => {
  const cluster = target({ cluster: 'telemetry' });

  it('creates a Replicated local table and a Distributed table of the exporter name, ON CLUSTER', () => {
    const [local, distributed] = createTable(OTEL_LOGS, cluster);
    expect(local).toMatch(
      /^CREATE TABLE IF NOT EXISTS telepipe\.otel_logs_local ON CLUSTER 'telemetry' \(/,
    );
    expect(local).toContain(
      "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/telepipe/otel_logs_local', '{replica}')",
    );
    // Replicated tables deduplicate inserts through Keeper already.
    expect(local).not.toContain('non_replicated_deduplication_window');
    expect(distributed).toBe(
      "CREATE TABLE IF NOT EXISTS telepipe.otel_logs ON CLUSTER 'telemetry' AS telepipe.otel_logs_local\n" +
        "ENGINE = Distributed('telemetry', telepipe, otel_logs_local, cityHash64(ServiceName))",
    );
  });

  it('feeds the trace id lookup from the local traces table and distributes it', () => {
    const [table, view, distributed] = createTraceIdLookup('otel_traces', cluster);
    expect(table).toContain(
      "ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/telepipe/otel_traces_trace_id_ts_local', '{replica}')",
    );
    expect(view).toContain(
      "CREATE MATERIALIZED VIEW IF NOT EXISTS telepipe.otel_traces_trace_id_ts_mv ON CLUSTER 'telemetry'",
    );
    expect(view).toContain('TO telepipe.otel_traces_trace_id_ts_local');
    expect(view).toContain('FROM telepipe.otel_traces_local');
    expect(distributed).toContain('ENGINE = Distributed(');
  });

  it('runs every statement of every migration ON CLUSTER, old dialect included', () => {
    for (const dialect of [new Dialect('modern'), new Dialect('old')]) {
      const statements = [
        createMigrationsTable({ ...cluster, dialect }),
        ...MIGRATIONS.flatMap((m) => m.statements({ ...cluster, dialect })),
      ];
      for (const sql of statements) expect(sql).toContain("ON CLUSTER 'telemetry'");
      expect(
        statements.filter((s) => s.includes('ENGINE = Distributed')).length,
      ).toBeGreaterThanOrEqual(8);
    }
  });

  it('records migrations in a replicated table', () => {
    expect(createMigrationsTable(cluster)).toContain(
      "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/telepipe/telepipe_schema_migrations', '{replica}')",
    );
  });
});
