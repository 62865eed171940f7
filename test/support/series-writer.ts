// Writes Go runtime metrics into the otel_metrics_* tables the way real Go services' exporters
// leave them there, for the anomaly worker's tests. From per-step signal values (goroutines,
// GC pauses, heap, request latency and rate) it makes the data points one instrumentation
// flavor would export: current OTel semconv (`go.*`, `http.server.request.duration`) with the
// opt-in GC pause histogram or at the runtime instrumentation's defaults (no GC pause metric:
// the heap allocation counter, heap goal and GOGC instead), the older OTel runtime/otelhttp
// names (`process.runtime.go.*`, `http.server.duration` in ms), or Prometheus client_golang
// scraped by the Collector (`go_*`, `http_request_duration_seconds`).
// Counters and histograms are cumulative, restart at the given steps, and a NaN value leaves
// that metric out of that step. Rows go to the real server (RowBinary) or to chDB (SQL text).
import type { ClickHouseClient } from '../../lib/clickhouse/client.ts';
import { insertEncoded } from '../../lib/clickhouse/client.ts';
import type { Dialect } from '../../lib/clickhouse/dialect.ts';
import { rowEncoder } from '../../lib/clickhouse/formats.ts';
import { RowBinaryWriter } from '../../lib/clickhouse/rowbinary.ts';
import type { Attributes, Row, TableSpec } from '../../lib/clickhouse/schema.ts';
import { METRIC_TABLES as TABLE_SPECS } from '../../lib/clickhouse/tables.ts';
import { GO_SIGNALS, type GoSignal, type MultiSeries } from '../../models/features.ts';
import type { MetricTable } from '../../services/anomaly-worker/sql.ts';

export interface WrittenSeries {
  tenant: string;
  service: string;
  instance: string;
}

/** One exported data point. Times are unix ms. */
export interface MetricPoint {
  table: MetricTable;
  metric: string;
  attributes?: Record<string, string>;
  timeMs: number;
  startMs: number;
  /** 1 = delta, 2 = cumulative. */
  temporality?: number;
  monotonic?: boolean;
  value?: number;
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  bounds?: number[];
  quantiles?: Array<[number, number]>;
}

/**
 * `otelDefaults` has no GC pause metric, so its two GC values are taken as what the worker
 * derives for such a service: gc_pause_p99 is the heap allocation rate (bytes/s) and
 * gc_pause_total the GC cycles per step; the allocation counter and heap goal (GOGC 100) are
 * written so that they read back as exactly these.
 */
export type Flavor = 'otel' | 'otelDefaults' | 'otelLegacy' | 'prometheus';

export interface GoServiceOptions {
  flavor: Flavor;
  /** Steps at which the process restarts: its counters start again from zero. */
  restartAtSteps?: readonly number[];
  /** Where inside each step the export happens (ms after the step start). */
  offsetMs?: number;
}

/** Bucket bounds the instrumentations use, in seconds. */
export const HTTP_BOUNDS_S = [
  0, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];
export const PROMETHEUS_HTTP_BOUNDS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const GC_BOUNDS_S = [
  1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1,
];

/** Share of requests at the p99 latency; the rest is fast (a quarter of it). */
const SLOW_SHARE = 0.02;

const signal = (series: MultiSeries, name: GoSignal, t: number): number =>
  series.values[GO_SIGNALS.indexOf(name)]?.[t] ?? Number.NaN;

/**
 * The points a Go service would export for `series` (values in the signal units: count,
 * seconds, bytes, requests/s). Each step, the GC ran twice: one pause of gc_pause_p99 and one
 * of the rest of gc_pause_total; requests were 98 % fast and 2 % at latency_p99.
 */
export function goServicePoints(series: MultiSeries, options: GoServiceOptions): MetricPoint[] {
  const stepMs = series.stepSeconds * 1000;
  const restarts = new Set(options.restartAtSteps ?? []);
  const names = FLAVOR_NAMES[options.flavor];
  const httpBounds = options.flavor === 'prometheus' ? PROMETHEUS_HTTP_BOUNDS_S : HTTP_BOUNDS_S;
  const points: MetricPoint[] = [];
  let startMs = series.startMs;
  let http = emptyHistogram(httpBounds);
  let gc = emptyHistogram(GC_BOUNDS_S);
  let gcTotal = 0;
  let allocated = 0;
  const length = series.values[0]?.length ?? 0;
  for (let t = 0; t < length; t++) {
    const timeMs = series.startMs + t * stepMs + (options.offsetMs ?? 5000);
    if (restarts.has(t)) {
      startMs = timeMs - 1000;
      http = emptyHistogram(httpBounds);
      gc = emptyHistogram(GC_BOUNDS_S);
      gcTotal = 0;
      allocated = 0;
    }
    const at = { timeMs, startMs };
    const goroutines = signal(series, 'goroutines', t);
    const heap = signal(series, 'heap_inuse', t);
    const rate = signal(series, 'request_rate', t);
    const latency = signal(series, 'latency_p99', t);
    const pauseP99 = signal(series, 'gc_pause_p99', t);
    const pauseTotal = signal(series, 'gc_pause_total', t);
    if (Number.isFinite(rate) && Number.isFinite(latency)) {
      const requests = rate * series.stepSeconds;
      observe(http, latency / 4, requests * (1 - SLOW_SHARE));
      observe(http, latency, requests * SLOW_SHARE);
      points.push(...names.http(at, http));
    }
    if (Number.isFinite(pauseP99) && Number.isFinite(pauseTotal)) {
      observe(gc, pauseP99, 1);
      observe(gc, Math.max(0, pauseTotal - pauseP99), 1);
      gcTotal += pauseTotal;
      // As derived values: bytes allocated in the step, over half the goal (GOGC 100) per cycle.
      const stepBytes = pauseP99 * series.stepSeconds;
      allocated += stepBytes;
      const goal = (2 * stepBytes) / pauseTotal;
      points.push(
        ...names.gc(at, { pauses: gc, totalSeconds: gcTotal, p99: pauseP99, allocated, goal }),
      );
    }
    if (Number.isFinite(goroutines)) points.push(names.goroutines(at, goroutines));
    if (Number.isFinite(heap)) points.push(...names.heap(at, heap));
  }
  return points;
}

interface Histogram {
  bounds: number[];
  counts: number[];
  count: number;
  sum: number;
}

function emptyHistogram(bounds: number[]): Histogram {
  return { bounds, counts: new Array<number>(bounds.length + 1).fill(0), count: 0, sum: 0 };
}

/** Adds `n` observations of `value` (n may be fractional: counts are rounded when exported). */
function observe(h: Histogram, value: number, n: number): void {
  let i = h.bounds.findIndex((b) => value <= b);
  if (i < 0) i = h.bounds.length;
  h.counts[i] = (h.counts[i] ?? 0) + n;
  h.count += n;
  h.sum += value * n;
}

interface At {
  timeMs: number;
  startMs: number;
}

/** The GC state after a step, for every flavor's names. */
interface GcStep {
  pauses: Histogram;
  /** Cumulative pause time (s). */
  totalSeconds: number;
  p99: number;
  /** otelDefaults: cumulative heap bytes allocated, and the heap goal (bytes). */
  allocated: number;
  goal: number;
}

interface FlavorNames {
  goroutines(at: At, v: number): MetricPoint;
  heap(at: At, v: number): MetricPoint[];
  gc(at: At, step: GcStep): MetricPoint[];
  http(at: At, h: Histogram): MetricPoint[];
}

const upDown = (
  at: At,
  metric: string,
  value: number,
  attributes?: Record<string, string>,
): MetricPoint => ({
  ...at,
  table: 'sum',
  metric,
  value,
  temporality: 2,
  monotonic: false,
  ...(attributes ? { attributes } : {}),
});

const gauge = (at: At, metric: string, value: number): MetricPoint => ({
  ...at,
  table: 'gauge',
  metric,
  value,
});

const counter = (at: At, metric: string, value: number): MetricPoint => ({
  ...at,
  table: 'sum',
  metric,
  value,
  temporality: 2,
  monotonic: true,
});

/** A cumulative histogram point, its values multiplied by `unit` (1e9 → ns, 1e3 → ms). */
const histogram = (
  at: At,
  metric: string,
  h: Histogram,
  unit = 1,
  attributes?: Record<string, string>,
): MetricPoint => ({
  ...at,
  table: 'histogram',
  metric,
  temporality: 2,
  count: Math.round(h.count),
  sum: h.sum * unit,
  bucketCounts: h.counts.map(Math.round),
  bounds: h.bounds.map((b) => b * unit),
  ...(attributes ? { attributes } : {}),
});

const ROUTE = { 'http.route': '/checkout', 'http.request.method': 'GET' };

const OTEL_NAMES: FlavorNames = {
  goroutines: (at, v) => upDown(at, 'go.goroutine.count', v),
  heap: (at, v) => [
    upDown(at, 'go.memory.used', v, { 'go.memory.type': 'other' }),
    upDown(at, 'go.memory.used', 4 * 1024 * 1024, { 'go.memory.type': 'stack' }),
  ],
  gc: (at, { pauses }) => [histogram(at, 'go.memory.gc.pause.duration', pauses)],
  http: (at, h) => [histogram(at, 'http.server.request.duration', h, 1, ROUTE)],
};

const FLAVOR_NAMES: Record<Flavor, FlavorNames> = {
  otel: OTEL_NAMES,
  otelDefaults: {
    ...OTEL_NAMES,
    gc: (at, { allocated, goal }) => [
      counter(at, 'go.memory.allocated', Math.round(allocated)),
      upDown(at, 'go.memory.gc.goal', Math.round(goal)),
      upDown(at, 'go.config.gogc', 100),
    ],
  },
  otelLegacy: {
    goroutines: (at, v) => upDown(at, 'process.runtime.go.goroutines', v),
    heap: (at, v) => [upDown(at, 'process.runtime.go.mem.heap_inuse', v)],
    gc: (at, { pauses, totalSeconds }) => [
      histogram(at, 'process.runtime.go.gc.pause_ns', pauses, 1e9),
      counter(at, 'process.runtime.go.gc.pause_total_ns', Math.round(totalSeconds * 1e9)),
    ],
    http: (at, h) => [histogram(at, 'http.server.duration', h, 1e3, ROUTE)],
  },
  prometheus: {
    goroutines: (at, v) => gauge(at, 'go_goroutines', v),
    heap: (at, v) => [gauge(at, 'go_memstats_heap_inuse_bytes', v)],
    // client_golang's GC summary: min, quartiles and max of recent pauses, cumulative count and sum.
    gc: (at, { pauses, totalSeconds, p99 }) => [
      {
        ...at,
        table: 'summary',
        metric: 'go_gc_duration_seconds',
        count: Math.round(pauses.count),
        sum: totalSeconds,
        quantiles: [
          [0, p99 / 4],
          [0.25, p99 / 3],
          [0.5, p99 / 2],
          [0.75, p99 / 1.5],
          [1, p99],
        ],
      },
    ],
    http: (at, h) => [
      histogram(at, 'http_request_duration_seconds', h, 1, { handler: '/checkout', code: '200' }),
    ],
  },
};

const attributes = (record: Record<string, string> = {}): Attributes => ({
  keys: Object.keys(record),
  values: Object.values(record),
});

const NO_ATTRIBUTES = attributes();
const nanos = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;

/** The neutral rows (lib/clickhouse/schema.ts) of `points`, by table, with every column set. */
export function metricRows(
  series: WrittenSeries,
  points: readonly MetricPoint[],
): Map<MetricTable, Row[]> {
  const resource = attributes({
    'service.name': series.service,
    'service.instance.id': series.instance,
    'host.name': `${series.instance}-host`,
  });
  const out = new Map<MetricTable, Row[]>();
  for (const p of points) {
    const head: Row = {
      ResourceAttributes: resource,
      ResourceSchemaUrl: '',
      ScopeName: 'telepipe-test',
      ScopeVersion: '',
      ScopeAttributes: NO_ATTRIBUTES,
      ScopeDroppedAttrCount: 0,
      ScopeSchemaUrl: '',
      ServiceName: series.service,
      MetricName: p.metric,
      MetricDescription: '',
      MetricUnit: '',
      Attributes: attributes(p.attributes),
      StartTimeUnix: nanos(p.startMs),
      TimeUnix: nanos(p.timeMs),
      Flags: 0,
      TenantId: series.tenant,
      DataClassification: '',
    };
    const rows = out.get(p.table) ?? [];
    rows.push({ ...head, ...TABLE_COLUMNS[p.table](p) });
    out.set(p.table, rows);
  }
  return out;
}

const TABLE_COLUMNS: Record<MetricTable, (p: MetricPoint) => Row> = {
  gauge: (p) => ({ Value: p.value ?? 0, Exemplars: [] }),
  sum: (p) => ({
    Value: p.value ?? 0,
    Exemplars: [],
    AggregationTemporality: p.temporality ?? 2,
    IsMonotonic: p.monotonic ?? false,
  }),
  histogram: (p) => ({
    Count: p.count ?? 0,
    Sum: p.sum ?? 0,
    BucketCounts: p.bucketCounts ?? [],
    ExplicitBounds: p.bounds ?? [],
    Exemplars: [],
    Min: 0,
    Max: 0,
    AggregationTemporality: p.temporality ?? 2,
  }),
  summary: (p) => ({
    Count: p.count ?? 0,
    Sum: p.sum ?? 0,
    ValueAtQuantiles: (p.quantiles ?? []).map(([Quantile, Value]) => ({ Quantile, Value })),
  }),
};

const SPECS: Record<MetricTable, TableSpec> = {
  gauge: TABLE_SPECS.gauge,
  sum: TABLE_SPECS.sum,
  histogram: TABLE_SPECS.histogram,
  summary: TABLE_SPECS.summary,
};

/** Inserts the rows into a real server, one RowBinary insert per table. */
export async function insertMetricRows(
  client: ClickHouseClient,
  dialect: Dialect,
  database: string,
  rows: Map<MetricTable, Row[]>,
): Promise<void> {
  for (const [table, list] of rows) {
    const columns = dialect.columns(SPECS[table]);
    const encode = rowEncoder('RowBinary', columns);
    const writer = new RowBinaryWriter();
    for (const row of list) encode(writer, row);
    await insertEncoded(client, {
      database,
      table: SPECS[table].name,
      columns: columns.map((c) => c.name),
      format: 'RowBinary',
      body: writer.bytes(),
    });
  }
}

/** The same rows as INSERT statements with inline JSONEachRow data, for chDB. */
export function insertMetricSql(
  dialect: Dialect,
  database: string,
  rows: Map<MetricTable, Row[]>,
): string[] {
  return [...rows].map(([table, list]) => {
    const columns = dialect.columns(SPECS[table]);
    const encode = rowEncoder('JSONEachRow', columns);
    const writer = new RowBinaryWriter();
    for (const row of list) encode(writer, row);
    const names = columns.map((c) => `\`${c.name}\``).join(', ');
    return `INSERT INTO ${database}.${SPECS[table].name} (${names}) FORMAT JSONEachRow\n${writer.bytes().toString('utf8')}`;
  });
}

/** A series on the worker's step grid whose values come from `value(signal, step)`. */
export function signalSeries(
  startMs: number,
  stepSeconds: number,
  steps: number,
  value: (signal: GoSignal, step: number) => number,
): MultiSeries {
  return {
    startMs,
    stepSeconds,
    features: GO_SIGNALS,
    values: GO_SIGNALS.map((name) =>
      Float64Array.from({ length: steps }, (_, t) => value(name, t)),
    ),
  };
}
