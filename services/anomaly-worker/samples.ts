// Raw per-step samples (sql.ts) → one multivariate series per (tenant, service, instance) at
// a fixed step, in the detector's signal order. Each signal is read from the first configured
// source the series exports (step-values.ts turns its streams into per-step values), and a
// step without a sample is NaN: an explicit gap the detector bridges or restarts after. Each
// series remembers which source each of its signals was read from.
import {
  GO_SIGNALS,
  seriesKey,
  type GoSignal,
  type MultiSeries,
  type SeriesId,
} from '../../models/index.ts';
import type {
  SignalRead,
  SignalSourceConfig,
  SignalsConfig,
} from '../../lib/config/sections/worker.ts';
import type { MetricTable, SampleRow } from './sql.ts';
import { gcCycles, metricValues, onGrid, type Stream } from './step-values.ts';

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
