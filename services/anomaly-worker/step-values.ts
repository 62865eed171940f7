// Per-step values of one signal from its raw sample streams: gauges as they are, cumulative
// counters and histograms as per-step increases (a value that went down means the process
// restarted: the new value is the increase since), rates per second of the time between two
// samples, histogram quantiles over a window of steps, and the GC cycles derived from the heap
// goal. samples.ts decides which streams a signal reads; this file does the arithmetic.
import type { MetricSourceConfig } from '../../lib/config/sections/worker.ts';
import { histogramQuantile, summaryQuantile } from './quantile.ts';
import type { Sample, StepGrid } from './samples.ts';
import type { MetricTable } from './sql.ts';

/**
 * A windowed quantile is never set by its single largest observation: a p99 of the few GC
 * pauses in a minute is their maximum, so one pause stretched by a busy CPU would hold the
 * signal up for the whole window, as long as an alert needs to fire.
 */
const SPARED_OUTLIERS = 1;

/** One metric's samples for one attribute set of a series. */
export interface Stream {
  metric: string;
  table: MetricTable;
  attributes: Record<string, string>;
  /** Ordered by bucket, one per bucket. */
  samples: Sample[];
}

export type StepValues = Map<number, number>;

/** Values per step as a grid column, multiplied by `scale`; steps without a value are NaN. */
export function onGrid(values: StepValues, grid: StepGrid, scale: number): Float64Array {
  const column = new Float64Array(grid.toBucket - grid.fromBucket).fill(Number.NaN);
  for (const [bucket, value] of values) {
    const i = bucket - grid.fromBucket;
    if (i >= 0 && i < column.length) column[i] = value * scale;
  }
  return column;
}

/** How a read sees the steps: the grid, and how far back a counter's previous sample may be. */
export interface ReadContext {
  grid: StepGrid;
  maxGapSteps: number;
}

export function metricValues(
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
export function gcCycles(
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
    out.set(bucket, histogramQuantile(source.quantile, bounds, window, SPARED_OUTLIERS));
  }
  return out;
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
