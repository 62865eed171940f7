// Raw per-step samples (sql.ts) → one multivariate series per (tenant, service, instance) at
// a fixed step, in the detector's signal order. Cumulative counters and histograms become
// per-step increases (a value that went down means the process restarted: the new value is
// the increase since), rates are per second of the time between two samples, and a step
// without a sample is NaN: an explicit gap the detector bridges or restarts after. Each series
// remembers which source each of its signals was read from.
import {
  GO_SIGNALS,
  seriesKey,
  type GoSignal,
  type MultiSeries,
  type SeriesId,
} from '../../models/index.ts';
import type {
  MetricSourceConfig,
  SignalRead,
  SignalSourceConfig,
  SignalsConfig,
} from '../../lib/config/sections/worker.ts';
import { histogramQuantile, summaryQuantile } from './quantile.ts';
import type { MetricTable, SampleRow } from './sql.ts';

export interface Sample {
  id: SeriesId;
  metric: string;
  table: MetricTable;
  attributes: Record<string, string>;
  bucket: number;
  /** Time of the latest point in the step (unix ms). */
  timeMs: number;
  /** Delta temporality: the values are already this step's increase. */
  delta: boolean;
  value: number;
  count: number;
  sum: number;
  bucketCounts: number[];
  bounds: number[];
  quantiles: number[];
  quantileValues: number[];
}

/** Which tables a read finds its metric in: gauges and up-down counters live in both. */
const READ_TABLES: Record<SignalRead, readonly MetricTable[]> = {
  gauge: ['gauge', 'sum'],
  counterIncrease: ['sum'],
  counterRate: ['sum'],
  histogramQuantile: ['histogram'],
  histogramSumIncrease: ['histogram'],
  histogramCountRate: ['histogram'],
  summaryQuantile: ['summary'],
  summarySumIncrease: ['summary'],
  summaryCountRate: ['summary'],
};

export const METRIC_TABLES: readonly MetricTable[] = ['gauge', 'sum', 'histogram', 'summary'];

/** One metric a source reads, where it is looked up and which of its points count. */
interface SourceInput {
  metric: string;
  tables: readonly MetricTable[];
  attributes: Record<string, string>;
}

/** The metrics a source reads: one for the plain reads, three for gcCycles. */
function sourceInputs(source: SignalSourceConfig): SourceInput[] {
  if (source.read !== 'gcCycles') {
    const { metric, attributes } = source;
    return [{ metric, tables: READ_TABLES[source.read], attributes }];
  }
  return [
    { metric: source.metric, tables: READ_TABLES.counterIncrease, attributes: {} },
    { metric: source.goal, tables: READ_TABLES.gauge, attributes: {} },
    { metric: source.gogc, tables: READ_TABLES.gauge, attributes: {} },
  ];
}

/** The names of the metrics a source reads, for what pages and alerts say about it. */
export function sourceMetricNames(source: SignalSourceConfig): string[] {
  return sourceInputs(source).map((input) => input.metric);
}

/**
 * The metric names to select from each table. A metric named only in an `onlyWithout` list is
 * looked up in every table: its presence is all that counts.
 */
export function metricsByTable(signals: SignalsConfig): Record<MetricTable, string[]> {
  const out: Record<MetricTable, Set<string>> = {
    gauge: new Set(),
    sum: new Set(),
    histogram: new Set(),
    summary: new Set(),
  };
  const all = Object.values(signals).flat();
  const inputs = all.flatMap(sourceInputs);
  for (const input of inputs) for (const table of input.tables) out[table].add(input.metric);
  const read = new Set(inputs.map((input) => input.metric));
  for (const metric of all.flatMap((s) => s.onlyWithout ?? [])) {
    if (!read.has(metric)) for (const table of METRIC_TABLES) out[table].add(metric);
  }
  return {
    gauge: [...out.gauge],
    sum: [...out.sum],
    histogram: [...out.histogram],
    summary: [...out.summary],
  };
}

/** Steps a read needs before the first one it produces: the previous sample, and quantile windows. */
export function lookbackSteps(signals: SignalsConfig, maxGapSteps: number): number {
  const windows = Object.values(signals)
    .flat()
    .map((s) => (s.read === 'histogramQuantile' ? s.windowSteps : 1));
  return Math.max(...windows) - 1 + maxGapSteps + 1;
}

const num = (v: number | string | null | undefined): number =>
  v === null || v === undefined ? Number.NaN : Number(v);

export function sampleFromRow(table: MetricTable, row: SampleRow): Sample {
  return {
    id: { tenant: row.tenant, service: row.service, instance: row.instance },
    metric: row.metric,
    table,
    attributes: Object.fromEntries(row.attrKeys.map((k, i) => [k, row.attrValues[i] ?? ''])),
    bucket: num(row.bucket),
    timeMs: num(row.t),
    delta: num(row.temporality) === 1,
    value: num(row.v),
    count: num(row.n),
    sum: num(row.s),
    bucketCounts: (row.buckets ?? []).map(num),
    bounds: (row.bounds ?? []).map(num),
    quantiles: (row.quantiles ?? []).map(num),
    quantileValues: (row.qvalues ?? []).map(num),
  };
}

/** The steps a read produces: [fromBucket, toBucket) in units of stepMs since the epoch. */
export interface StepGrid {
  fromBucket: number;
  toBucket: number;
  stepMs: number;
}

/** Per signal, the source its values were read from; a signal without data has none. */
export type SignalSources = Partial<Record<GoSignal, SignalSourceConfig>>;

export interface SeriesWindow {
  id: SeriesId;
  series: MultiSeries;
  sources: SignalSources;
}

interface Stream {
  metric: string;
  table: MetricTable;
  attributes: Record<string, string>;
  /** Ordered by bucket, one per bucket. */
  samples: Sample[];
}

export interface BuildOptions {
  signals: SignalsConfig;
  /** A counter sample more than this many empty steps after the previous one starts afresh. */
  maxGapSteps: number;
}

/** Every series found in `samples`, keyed by seriesKey, resampled onto `grid`. */
export function buildSeries(
  samples: readonly Sample[],
  grid: StepGrid,
  options: BuildOptions,
): Map<string, SeriesWindow> {
  const out = new Map<string, SeriesWindow>();
  for (const [key, { id, streams }] of groupStreams(samples)) {
    const sources: SignalSources = {};
    const values = GO_SIGNALS.map((signal) => {
      const read = signalColumn(options.signals[signal], streams, grid, options.maxGapSteps);
      if (read.source) sources[signal] = read.source;
      return read.column;
    });
    out.set(key, {
      id,
      series: {
        startMs: grid.fromBucket * grid.stepMs,
        stepSeconds: grid.stepMs / 1000,
        features: GO_SIGNALS,
        values,
      },
      sources,
    });
  }
  return out;
}

function groupStreams(
  samples: readonly Sample[],
): Map<string, { id: SeriesId; streams: Stream[] }> {
  const series = new Map<string, { id: SeriesId; streams: Map<string, Stream> }>();
  for (const sample of samples) {
    const key = seriesKey(sample.id);
    let entry = series.get(key);
    if (!entry) series.set(key, (entry = { id: sample.id, streams: new Map() }));
    const streamKey = JSON.stringify([sample.metric, sample.table, sample.attributes]);
    let stream = entry.streams.get(streamKey);
    if (!stream) {
      stream = {
        metric: sample.metric,
        table: sample.table,
        attributes: sample.attributes,
        samples: [],
      };
      entry.streams.set(streamKey, stream);
    }
    stream.samples.push(sample);
  }
  const out = new Map<string, { id: SeriesId; streams: Stream[] }>();
  for (const [key, { id, streams }] of series) {
    for (const stream of streams.values()) stream.samples.sort((a, b) => a.bucket - b.bucket);
    out.set(key, { id, streams: [...streams.values()] });
  }
  return out;
}

/**
 * The first source (in preference order) that the series exports, read onto the grid. A source
 * counts as exported when each of its metrics has a sample in the range read, even if no step
 * gets a value (a histogram without observations): a missing value is a gap, never a reason to
 * switch to another source with another meaning for one read.
 */
function signalColumn(
  sources: readonly SignalSourceConfig[],
  streams: readonly Stream[],
  grid: StepGrid,
  maxGapSteps: number,
): { column: Float64Array; source?: SignalSourceConfig } {
  const exported = new Set(streams.map((s) => s.metric));
  for (const source of sources) {
    if (source.onlyWithout?.some((metric) => exported.has(metric))) continue;
    const inputs = sourceInputs(source).map((input) => streams.filter((s) => matches(input, s)));
    if (inputs.some((matching) => matching.length === 0)) continue;
    const ctx = { grid, maxGapSteps };
    const column =
      source.read === 'gcCycles'
        ? onGrid(gcCycles(inputs, ctx), grid, 1)
        : onGrid(metricValues(source, inputs[0] ?? [], ctx), grid, source.scale);
    return { column, source };
  }
  return { column: new Float64Array(grid.toBucket - grid.fromBucket).fill(Number.NaN) };
}

function matches(input: SourceInput, stream: Stream): boolean {
  return (
    stream.metric === input.metric &&
    input.tables.includes(stream.table) &&
    Object.entries(input.attributes).every(([k, v]) => stream.attributes[k] === v)
  );
}

type StepValues = Map<number, number>;

/** Values per step as a grid column, multiplied by `scale`; steps without a value are NaN. */
function onGrid(values: StepValues, grid: StepGrid, scale: number): Float64Array {
  const column = new Float64Array(grid.toBucket - grid.fromBucket).fill(Number.NaN);
  for (const [bucket, value] of values) {
    const i = bucket - grid.fromBucket;
    if (i >= 0 && i < column.length) column[i] = value * scale;
  }
  return column;
}

/** How a read sees the steps: the grid, and how far back a counter's previous sample may be. */
interface ReadContext {
  grid: StepGrid;
  maxGapSteps: number;
}

function metricValues(
  source: MetricSourceConfig,
  streams: readonly Stream[],
  ctx: ReadContext,
): StepValues {
  const { stepMs } = ctx.grid;
  switch (source.read) {
    case 'gauge':
      return gaugeValues(streams);
    case 'counterIncrease':
      return increasePer(stepMs, streams, (s) => s.value, ctx);
    case 'counterRate':
      return increasePer(1000, streams, (s) => s.value, ctx);
    case 'histogramSumIncrease':
    case 'summarySumIncrease':
      return increasePer(stepMs, streams, (s) => s.sum, ctx);
    case 'histogramCountRate':
    case 'summaryCountRate':
      return increasePer(1000, streams, (s) => s.count, ctx);
    case 'histogramQuantile':
      return windowQuantiles(source, streams, ctx);
    case 'summaryQuantile':
      return maxStreams(
        streams.map((s) =>
          latest(s, (x) => summaryQuantile(source.quantile, x.quantiles, x.quantileValues)),
        ),
      );
  }
}

/** The latest value in each step, attribute sets summed. */
function gaugeValues(streams: readonly Stream[]): StepValues {
  return sumStreams(streams.map((s) => latest(s, (x) => x.value)));
}

/**
 * A cumulative scalar's increase per `perMs` of elapsed time (stepMs → per step, 1000 → per
 * second), attribute sets summed.
 */
function increasePer(
  perMs: number,
  streams: readonly Stream[],
  get: (s: Sample) => number,
  { grid, maxGapSteps }: ReadContext,
): StepValues {
  return sumStreams(
    streams.map((s) =>
      normalize(
        increasesOf(s.samples, (x) => [get(x)], grid.stepMs, maxGapSteps),
        perMs,
      ),
    ),
  );
}

/**
 * Estimated GC cycles per step: the heap bytes allocated in the step over the runway of one
 * cycle, goal · g / (100 + g) with g = GOGC, both as reported at the end of the step. Without a
 * positive runway (GOGC 0, no goal yet) the step has no estimate.
 */
function gcCycles(
  [allocated, goal, gogc]: ReadonlyArray<readonly Stream[]>,
  ctx: ReadContext,
): StepValues {
  const bytes = increasePer(ctx.grid.stepMs, allocated ?? [], (s) => s.value, ctx);
  const goals = gaugeValues(goal ?? []);
  const percents = gaugeValues(gogc ?? []);
  const out: StepValues = new Map();
  for (const [bucket, increase] of bytes) {
    const g = percents.get(bucket) ?? Number.NaN;
    const runway = ((goals.get(bucket) ?? Number.NaN) * g) / (100 + g);
    out.set(bucket, runway > 0 ? increase / runway : Number.NaN);
  }
  return out;
}

function latest(stream: Stream, get: (s: Sample) => number): StepValues {
  return new Map(stream.samples.map((s) => [s.bucket, get(s)]));
}

/** Steps where any stream has a value get the sum of those that do. */
function sumStreams(streams: readonly StepValues[]): StepValues {
  const out: StepValues = new Map();
  for (const values of streams) {
    for (const [bucket, v] of values) {
      if (Number.isFinite(v)) out.set(bucket, (out.get(bucket) ?? 0) + v);
    }
  }
  return out;
}

/** Summary quantiles cannot be added; across attribute sets the worst one counts. */
function maxStreams(streams: readonly StepValues[]): StepValues {
  const out: StepValues = new Map();
  for (const values of streams) {
    for (const [bucket, v] of values) {
      if (Number.isFinite(v)) out.set(bucket, Math.max(out.get(bucket) ?? v, v));
    }
  }
  return out;
}

export interface Increase {
  delta: number[];
  elapsedMs: number;
}

/**
 * Per step, how much a cumulative value (or vector, e.g. bucket counts) grew since the previous
 * sample, and over how long. A decrease of any element is a counter reset: the process restarted
 * and the new value is what it counted since. Delta points are already increases over one step.
 * A sample whose predecessor is more than `maxGapSteps` empty steps back gives no increase.
 */
export function increasesOf(
  samples: readonly Sample[],
  get: (s: Sample) => number[],
  stepMs: number,
  maxGapSteps: number,
): Map<number, Increase> {
  const out = new Map<number, Increase>();
  samples.forEach((sample, i) => {
    const current = get(sample);
    if (sample.delta) {
      out.set(sample.bucket, { delta: current, elapsedMs: stepMs });
      return;
    }
    const previous = samples[i - 1];
    if (!previous || sample.bucket - previous.bucket > maxGapSteps + 1) return;
    const before = get(previous);
    const reset = before.length !== current.length || current.some((v, k) => v < before[k]!);
    const delta = reset ? current : current.map((v, k) => v - before[k]!);
    const elapsedMs = sample.timeMs > previous.timeMs ? sample.timeMs - previous.timeMs : stepMs;
    out.set(sample.bucket, { delta, elapsedMs });
  });
  return out;
}

/** Scalar increases per `perMs` of elapsed time (stepMs → per step, 1000 → per second). */
function normalize(increases: Map<number, Increase>, perMs: number): StepValues {
  const out: StepValues = new Map();
  for (const [bucket, { delta, elapsedMs }] of increases) {
    out.set(bucket, ((delta[0] ?? Number.NaN) * perMs) / elapsedMs);
  }
  return out;
}

/**
 * The quantile of the bucket increases over the last `windowSteps` steps, all attribute sets
 * merged (those with other bucket bounds than the first are left out: they cannot be added).
 */
function windowQuantiles(
  source: MetricSourceConfig,
  streams: readonly Stream[],
  { grid, maxGapSteps }: ReadContext,
): StepValues {
  const increases = streams.map((s) =>
    increasesOf(s.samples, (x) => x.bucketCounts, grid.stepMs, maxGapSteps),
  );
  const bounds = streams[0]?.samples.at(-1)?.bounds ?? [];
  const merged = new Map<number, number[]>();
  streams.forEach((stream, i) => {
    if (!sameBounds(stream.samples.at(-1)?.bounds ?? [], bounds)) return;
    for (const [bucket, { delta }] of increases[i] ?? []) {
      const sum = merged.get(bucket);
      if (!sum) merged.set(bucket, [...delta]);
      else delta.forEach((v, k) => (sum[k] = (sum[k] ?? 0) + v));
    }
  });
  const out: StepValues = new Map();
  for (let bucket = grid.fromBucket; bucket < grid.toBucket; bucket++) {
    if (!merged.has(bucket)) continue;
    const window = new Array<number>(bounds.length + 1).fill(0);
    for (let k = 0; k < source.windowSteps; k++) {
      merged.get(bucket - k)?.forEach((v, j) => (window[j] = (window[j] ?? 0) + v));
    }
    out.set(bucket, histogramQuantile(source.quantile, bounds, window));
  }
  return out;
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
