// DDL for the table specs in tables.ts, in either dialect, for one server or a cluster.
// On a cluster every statement runs ON CLUSTER, data lives in Replicated*MergeTree
// `<name>_local` tables and `<name>` is a Distributed table over them, so readers and the
// processor always use the plain exporter names.
import { isNested, type TableSpec } from './schema.ts';
import type { Dialect } from './dialect.ts';
import { TRACE_ID_TS_SUFFIX } from './tables.ts';

export interface SchemaTarget {
  database: string;
  /** Cluster name from config; empty for a single server. */
  cluster: string;
  /** 0 keeps data forever; old servers have no TTL and ignore it. */
  retentionDays: number;
  dialect: Dialect;
}

/** Modern non-replicated tables keep this many insert tokens to drop replayed batches. */
const DEDUPLICATION_WINDOW = 1000;

export const onCluster = (t: SchemaTarget): string =>
  t.cluster ? ` ON CLUSTER ${quoteName(t.cluster)}` : '';

const quoteName = (name: string): string => `'${name.replace(/'/g, "\\'")}'`;

/** Name of the table that holds the rows: `<name>_local` on a cluster. */
const storageTable = (t: SchemaTarget, name: string): string =>
  t.cluster ? `${name}_local` : name;

export function createDatabase(t: SchemaTarget): string {
  return `CREATE DATABASE IF NOT EXISTS ${t.database}${onCluster(t)}`;
}

/** CREATE statements for one table: the storage table, plus a Distributed one on a cluster. */
export function createTable(spec: TableSpec, t: SchemaTarget): string[] {
  const local = storageTable(t, spec.name);
  const body = `(\n${columnLines(spec, t).join(',\n')}\n)`;
  const engine = mergeTreeEngine(t, local, spec.modern.engine ?? 'MergeTree');
  const storage = `CREATE TABLE IF NOT EXISTS ${t.database}.${local}${onCluster(t)} ${body}\n${engine}\n${layout(spec, t)}`;
  return t.cluster ? [storage, distributed(spec.name, spec.shardingKey, t)] : [storage];
}

function columnLines(spec: TableSpec, t: SchemaTarget): string[] {
  const { dialect } = t;
  if (dialect.name === 'old') {
    return dialect.columns(spec).map((c) => `    \`${c.name}\` ${c.type}`);
  }
  const columns = spec.columns.map((c) => {
    if (!isNested(c))
      return `    ${c.name} ${dialect.modernType(c)} CODEC(${c.codec ?? 'ZSTD(1)'})`;
    const fields = c.fields.map((f) => `${f.name} ${dialect.modernType(f)}`).join(', ');
    return `    ${c.name} Nested(${fields}) CODEC(ZSTD(1))`;
  });
  const computed = (spec.modern.computed ?? []).map((c) => `    ${c}`);
  const indexes = spec.modern.indexes.map((i) => `    INDEX ${i}`);
  return [...columns, ...computed, ...indexes];
}

function mergeTreeEngine(t: SchemaTarget, table: string, family: string): string {
  if (!t.cluster) return `ENGINE = ${family}`;
  return `ENGINE = Replicated${family}('/clickhouse/tables/{shard}/${t.database}/${table}', '{replica}')`;
}

function layout(spec: TableSpec, t: SchemaTarget): string {
  if (t.dialect.name === 'old') {
    return [
      `PARTITION BY ${spec.old.partitionBy}`,
      `ORDER BY ${spec.old.orderBy}`,
      'SETTINGS index_granularity = 8192',
    ].join('\n');
  }
  const m = spec.modern;
  return [
    `PARTITION BY ${m.partitionBy}`,
    m.primaryKey ? `PRIMARY KEY ${m.primaryKey}` : '',
    `ORDER BY ${m.orderBy}`,
    t.retentionDays > 0 ? `TTL ${m.ttlFrom} + toIntervalDay(${t.retentionDays})` : '',
    `SETTINGS ${modernSettings(t)}`,
  ]
    .filter(Boolean)
    .join('\n');
}

function modernSettings(t: SchemaTarget): string {
  const settings = ['index_granularity = 8192', 'ttl_only_drop_parts = 1'];
  // Replicated tables deduplicate through Keeper by default; plain MergeTree must opt in.
  if (!t.cluster) settings.push(`non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW}`);
  return settings.join(', ');
}

function distributed(name: string, shardingKey: string, t: SchemaTarget): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${t.database}.${name}${onCluster(t)} AS ${t.database}.${name}_local\n` +
    `ENGINE = Distributed(${quoteName(t.cluster)}, ${t.database}, ${name}_local, ${shardingKey})`
  );
}

/**
 * The exporter's trace id → time range lookup (modern only): lets a trace-by-id query
 * read one day's partition instead of scanning every day.
 */
export function createTraceIdLookup(tracesTable: string, t: SchemaTarget): string[] {
  const lookup = `${tracesTable}${TRACE_ID_TS_SUFFIX}`;
  const local = storageTable(t, lookup);
  const table =
    `CREATE TABLE IF NOT EXISTS ${t.database}.${local}${onCluster(t)} (\n` +
    '    TraceId String CODEC(ZSTD(1)),\n' +
    '    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),\n' +
    '    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))\n' +
    `)\n${mergeTreeEngine(t, local, 'AggregatingMergeTree')}\n` +
    'PARTITION BY toStartOfWeek(Start)\nORDER BY TraceId\n' +
    (t.retentionDays > 0 ? `TTL Start + toIntervalDay(${t.retentionDays})\n` : '') +
    `SETTINGS ${modernSettings(t)}`;
  const view =
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.database}.${lookup}_mv${onCluster(t)}\n` +
    `TO ${t.database}.${local}\n` +
    'AS SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End\n' +
    `FROM ${t.database}.${storageTable(t, tracesTable)}\nWHERE TraceId != ''\nGROUP BY TraceId`;
  const statements = [table, view];
  if (t.cluster) statements.push(distributed(lookup, 'cityHash64(TraceId)', t));
  return statements;
}
