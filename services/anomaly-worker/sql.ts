// The worker's SELECTs, generated per dialect. Both dialects return the same row shapes:
// modern servers store times as DateTime64(9) and attributes as Map; old (18.16) servers as
// DateTime plus a UInt64 `…Ns` column and Nested key/value arrays (lib/clickhouse/dialect.ts).
// The queries aggregate to one row per series, metric, attribute set and step: the latest
// sample of cumulative points, the sum of delta points. Deltas, resets and quantiles are
// computed afterwards in samples.ts, where they can be tested without a server.
import type { DialectName } from '../../lib/clickhouse/dialect.ts';
import { SHARD_SEPARATOR, type Shard } from './shard.ts';

/** The otel_metrics_* tables the worker reads (the exporter's names without the prefix). */
export type MetricTable = 'gauge' | 'sum' | 'histogram' | 'summary';

interface TimeSql {
  /** Unix milliseconds of a logical `time` column. */
  ms(column: string): string;
  /** Column to order samples by within a step (argMax). */
  order(column: string): string;
  /** The column lies in [fromMs, toMs). */
  range(column: string, fromMs: number, toMs: number): string;
}

interface AttributeSql {
  /** One value of a map-like attribute column ('' when absent). */
  value(column: string, key: string): string;
  keys(column: string): string;
  values(column: string): string;
}

interface SqlDialect {
  time: TimeSql;
  attributes: AttributeSql;
}

const MODERN: SqlDialect = {
  time: {
    ms: (c) => `toUnixTimestamp64Milli(${c})`,
    order: (c) => c,
    range: (c, from, to) =>
      `${c} >= fromUnixTimestamp64Milli(toInt64(${Math.floor(from)})) AND ${c} < fromUnixTimestamp64Milli(toInt64(${Math.ceil(to)}))`,
  },
  attributes: {
    value: (c, key) => `${c}[${literal(key)}]`,
    keys: (c) => `mapKeys(${c})`,
    values: (c) => `mapValues(${c})`,
  },
};

const OLD: SqlDialect = {
  time: {
    ms: (c) => `intDiv(${c}Ns, 1000000)`,
    order: (c) => `${c}Ns`,
    // The DateTime column is in the sort key and partition key, so it prunes; the Ns one is exact.
    range: (c, from, to) =>
      `${c} >= toDateTime(${Math.floor(from / 1000)}) AND ${c} < toDateTime(${Math.ceil(to / 1000) + 1})` +
      ` AND ${c}Ns >= ${nanos(from)} AND ${c}Ns < ${nanos(to)}`,
  },
  attributes: {
    value: (c, key) => `${c}.values[indexOf(${c}.keys, ${literal(key)})]`,
    keys: (c) => `${c}.keys`,
    values: (c) => `${c}.values`,
  },
};

function sqlDialect(name: DialectName): SqlDialect {
  return name === 'modern' ? MODERN : OLD;
}

/** A ClickHouse string literal; control characters as \xNN escapes. */
function literal(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x1f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `'${escaped}'`;
}

function nanos(ms: number): string {
  return (BigInt(Math.round(ms)) * 1_000_000n).toString();
}

function list(values: readonly string[]): string {
  return values.map(literal).join(', ');
}

/** The instance: the first non-empty resource attribute of `attributes`. */
function instanceExpression(d: SqlDialect, attributes: readonly string[]): string {
  const exprs = attributes.map((key) => d.attributes.value('ResourceAttributes', key));
  if (exprs.length === 1) return exprs[0]!;
  const branches = exprs.slice(0, -1).flatMap((e) => [`${e} != ''`, e]);
  return `multiIf(${[...branches, exprs[exprs.length - 1]!].join(', ')})`;
}

/** The rows of this replica: the ClickHouse twin of shardOf() in shard.ts. */
function shardPredicate(instance: string, shard: Shard): string {
  const identity = `concat(TenantId, ${literal(SHARD_SEPARATOR)}, ServiceName, ${literal(SHARD_SEPARATOR)}, ${instance})`;
  return `reinterpretAsUInt64(MD5(${identity})) % ${shard.count} = ${shard.index}`;
}

export interface SampleQuery {
  database: string;
  table: MetricTable;
  metrics: readonly string[];
  fromMs: number;
  toMs: number;
  stepMs: number;
  instanceAttributes: readonly string[];
  shard: Shard;
  /** Restricts to these services (new series' warm-up); all when absent. */
  services?: readonly string[];
}

/** One row per series, metric, attribute set and step; see SampleRow. */
export function sampleQuery(dialect: DialectName, q: SampleQuery): string {
  const d = sqlDialect(dialect);
  const instance = instanceExpression(d, q.instanceAttributes);
  const where = [
    `MetricName IN (${list(q.metrics)})`,
    d.time.range('TimeUnix', q.fromMs, q.toMs),
    q.services ? `ServiceName IN (${list(q.services)})` : '',
    q.shard.count > 1 ? shardPredicate(instance, q.shard) : '',
  ].filter(Boolean);
  return [
    'SELECT TenantId AS tenant, ServiceName AS service, ',
    `  ${instance} AS instance, MetricName AS metric,`,
    `  ${d.attributes.keys('Attributes')} AS attrKeys, ${d.attributes.values('Attributes')} AS attrValues,`,
    `  intDiv(${d.time.ms('TimeUnix')}, ${q.stepMs}) AS bucket, max(${d.time.ms('TimeUnix')}) AS t,`,
    `  ${aggregates(q.table, d.time.order('TimeUnix'))}`,
    `FROM ${q.database}.otel_metrics_${q.table}`,
    `WHERE ${where.join('\n  AND ')}`,
    'GROUP BY tenant, service, instance, metric, attrKeys, attrValues, bucket',
  ].join('\n');
}

/** Latest cumulative point in the step, or the sum of the step's delta points (temporality 1). */
function aggregates(table: MetricTable, order: string): string {
  const pick = (column: string, sumOf = `sum(${column})`): string =>
    `if(temporality = 1, ${sumOf}, argMax(${column}, ${order}))`;
  switch (table) {
    case 'gauge':
      return `0 AS temporality, argMax(Value, ${order}) AS v`;
    case 'sum':
      return `any(AggregationTemporality) AS temporality, ${pick('Value')} AS v`;
    case 'histogram':
      return [
        'any(AggregationTemporality) AS temporality',
        `${pick('Count')} AS n`,
        `${pick('Sum')} AS s`,
        `${pick('BucketCounts', 'sumForEach(BucketCounts)')} AS buckets`,
        `argMax(ExplicitBounds, ${order}) AS bounds`,
      ].join(', ');
    case 'summary':
      return [
        '2 AS temporality',
        `argMax(Count, ${order}) AS n`,
        `argMax(Sum, ${order}) AS s`,
        `argMax(ValueAtQuantiles.Quantile, ${order}) AS quantiles`,
        `argMax(ValueAtQuantiles.Value, ${order}) AS qvalues`,
      ].join(', ');
  }
}

/** A row of sampleQuery; numbers may arrive as strings (64-bit integers in JSON). */
export interface SampleRow {
  tenant: string;
  service: string;
  instance: string;
  metric: string;
  attrKeys: string[];
  attrValues: string[];
  bucket: number | string;
  t: number | string;
  temporality: number | string;
  v?: number | string | null;
  n?: number | string;
  s?: number | string | null;
  buckets?: Array<number | string>;
  bounds?: Array<number | string | null>;
  quantiles?: Array<number | string | null>;
  qvalues?: Array<number | string | null>;
}

export interface ScoreQuery {
  database: string;
  tenant: string;
  service: string;
  /** Only this instance's rows; every instance of the service when absent. */
  instance?: string;
  fromMs: number;
  toMs: number;
  /** Only this signal's rows; every signal when absent. */
  signal?: string;
}

/** Stored scores of a series or a service, oldest first, one row per step, instance and signal. */
export function scoreQuery(dialect: DialectName, q: ScoreQuery): string {
  const d = sqlDialect(dialect);
  return [
    `SELECT ${d.time.ms('Timestamp')} AS t, ServiceInstanceId AS instance, Signal AS signal,`,
    '  Observed AS observed, Expected AS expected, Lower AS lower, Upper AS upper, Score AS score,',
    '  Anomalous AS anomalous, DrivingSignal AS driving, ModelVersion AS modelVersion, Method AS method',
    `FROM ${q.database}.anomaly_scores`,
    `WHERE TenantId = ${literal(q.tenant)} AND ServiceName = ${literal(q.service)}`,
    `  AND ${d.time.range('Timestamp', q.fromMs, q.toMs)}`,
    q.instance === undefined ? '' : `  AND ServiceInstanceId = ${literal(q.instance)}`,
    q.signal === undefined ? '' : `  AND Signal = ${literal(q.signal)}`,
    'ORDER BY t, instance, signal',
    'LIMIT 1 BY t, instance, signal',
  ]
    .filter(Boolean)
    .join('\n');
}

export interface ScoreExtentQuery {
  database: string;
  tenant: string;
  service: string;
  instance: string;
  signal: string;
}

/** How many scores one signal of a series has and the first and last step's time (unix ms). */
export function scoreExtentQuery(dialect: DialectName, q: ScoreExtentQuery): string {
  const d = sqlDialect(dialect);
  return [
    `SELECT count() AS n, min(${d.time.ms('Timestamp')}) AS first, max(${d.time.ms('Timestamp')}) AS last`,
    `FROM ${q.database}.anomaly_scores`,
    `WHERE TenantId = ${literal(q.tenant)} AND ServiceName = ${literal(q.service)}`,
    `  AND Signal = ${literal(q.signal)} AND ServiceInstanceId = ${literal(q.instance)}`,
  ].join('\n');
}

export interface ScoreExtentRow {
  n: number | string;
  first: number | string | null;
  last: number | string | null;
}

export interface ScoreRow {
  t: number | string;
  instance: string;
  signal: string;
  observed: number | string | null;
  expected: number | string | null;
  lower: number | string | null;
  upper: number | string | null;
  score: number | string | null;
  anomalous: number | string;
  driving: string;
  modelVersion: string;
  method: string;
}
