// Multivariate series, per-series robust normalization and gap handling.
// Training, offline scoring and the streaming detector all go through these functions, so a
// window means the same thing everywhere.

/** The Go runtime signals the anomaly worker scores, in model input order. */
export const GO_SIGNALS = [
  'goroutines',
  'gc_pause_p99',
  'gc_pause_total',
  'heap_inuse',
  'latency_p99',
  'request_rate',
] as const;
export type GoSignal = (typeof GO_SIGNALS)[number];

/**
 * Signals the model reads and forecasts but the detector does not score: request rate is the
 * load, not a symptom. A traffic peak makes latency and goroutines rise as the model expects;
 * the rate itself jumping is not a runtime anomaly (traffic alerts are a different rule).
 */
export const DEFAULT_CONTEXT_SIGNALS: readonly string[] = ['request_rate'];

/** A series identity: one (tenant, service, instance). */
export interface SeriesId {
  tenant: string;
  service: string;
  instance: string;
}

/** Stable, readable key for a series; parts are URI-encoded so '/' inside a name stays unambiguous. */
export function seriesKey(id: SeriesId): string {
  return [id.tenant, id.service, id.instance].map(encodeURIComponent).join('/');
}

/** Values at a fixed step: `values[f][t]` is feature `features[f]` at `startMs + t * step`; NaN = gap. */
export interface MultiSeries {
  startMs: number;
  stepSeconds: number;
  features: readonly string[];
  values: readonly Float64Array[];
}

export function seriesLength(series: MultiSeries): number {
  return series.values[0]?.length ?? 0;
}

export function sliceSeries(series: MultiSeries, from: number, to: number): MultiSeries {
  return {
    startMs: series.startMs + from * series.stepSeconds * 1000,
    stepSeconds: series.stepSeconds,
    features: series.features,
    values: series.values.map((column) => column.slice(from, to)),
  };
}

/** Per-feature location and scale, fitted on one series and stored with the model. */
export interface Normalization {
  median: number[];
  scale: number[];
}

/** Normalized values are clipped before they reach the LSTM: one wild sample must not saturate it. */
export const INPUT_CLIP = 10;

/** Model input of an absent feature (see GapFiller): its normalized median. */
export const ABSENT_INPUT = 0;

/** 1.4826 * MAD estimates the standard deviation of normal data. */
const MAD_TO_SIGMA = 1.4826;
/** Mean absolute deviation to sigma, the fallback when more than half the values are equal. */
const MEAN_AD_TO_SIGMA = 1.2533;

export function median(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  const upper = sorted[mid] ?? Number.NaN;
  return n % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}

function finiteSorted(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? Number.NaN;
    if (Number.isFinite(v)) out[n++] = v;
  }
  return out.subarray(0, n).sort();
}

/**
 * What `robustStats` gives for a feature without a single finite value. A normalization holding
 * exactly this for a feature has no statistics for it (the feature was absent where it was
 * fitted); real data practically never gives a median of exactly 0 with a scale of exactly 1.
 */
export const NO_STATS: Readonly<{ median: number; scale: number }> = { median: 0, scale: 1 };

/** Whether `norm` was fitted on values of `feature` (see NO_STATS). */
export function hasStats(norm: Normalization, feature: number): boolean {
  const median = norm.median[feature];
  const scale = norm.scale[feature];
  if (median === undefined || scale === undefined) return false;
  if (!Number.isFinite(median) || !(scale > 0)) return false;
  return !(median === NO_STATS.median && scale === NO_STATS.scale);
}

/**
 * Median and a robust sigma of the finite values. A constant signal (MAD and mean deviation 0)
 * gets a scale from its magnitude, so a later change still shows up as a finite z-score.
 */
export function robustStats(values: ArrayLike<number>): { median: number; scale: number } {
  const sorted = finiteSorted(values);
  if (sorted.length === 0) return { ...NO_STATS };
  const center = median(sorted);
  const deviations = sorted.map((v) => Math.abs(v - center)).sort();
  let scale = MAD_TO_SIGMA * median(deviations);
  if (!(scale > 0)) {
    let sum = 0;
    for (const d of deviations) sum += d;
    scale = (MEAN_AD_TO_SIGMA * sum) / deviations.length;
  }
  const floor = Math.max(Math.abs(center) * 1e-3, 1e-12);
  return {
    median: center,
    scale: scale > floor ? scale : Math.max(floor, Math.abs(center) * 0.01),
  };
}

export function fitNormalization(series: MultiSeries): Normalization {
  const stats = series.values.map((column) => robustStats(column));
  return { median: stats.map((s) => s.median), scale: stats.map((s) => s.scale) };
}

export function normalizeValue(value: number, norm: Normalization, feature: number): number {
  return (value - (norm.median[feature] ?? 0)) / (norm.scale[feature] ?? 1);
}

export function denormalizeValue(z: number, norm: Normalization, feature: number): number {
  return z * (norm.scale[feature] ?? 1) + (norm.median[feature] ?? 0);
}

export function clipInput(z: number): number {
  return z > INPUT_CLIP ? INPUT_CLIP : z < -INPUT_CLIP ? -INPUT_CLIP : z;
}

/** How gaps are treated; see docs/detection.md "Gaps" and "Absent signals". */
export interface GapPolicy {
  /** A feature missing for at most this many consecutive steps is forward-filled (and masked). */
  maxGapSteps: number;
}

export const DEFAULT_GAP_POLICY: GapPolicy = { maxGapSteps: 4 };

/**
 * A series ready for windowing: normalized, clipped, short gaps forward-filled, absent features
 * at their normalized median 0.
 * `observed[t * F + f]` is 0 where the value was filled or absent (its error must not count);
 * `runLength[t]` counts the consecutive steps ending at t with every feature present (0 = a long
 * gap or an absent feature at t), so a window ending at t is usable for training when
 * `runLength[t] >= window`.
 */
export interface PreparedSeries {
  length: number;
  featureCount: number;
  rows: Float32Array;
  observed: Uint8Array;
  runLength: Int32Array;
}

export function prepareSeries(
  series: MultiSeries,
  norm: Normalization,
  gaps: GapPolicy = DEFAULT_GAP_POLICY,
): PreparedSeries {
  const length = seriesLength(series);
  const featureCount = series.features.length;
  const rows = new Float32Array(length * featureCount);
  const observed = new Uint8Array(length * featureCount);
  const runLength = new Int32Array(length);
  const gapFiller = new GapFiller(featureCount, gaps.maxGapSteps);
  const raw = new Float64Array(featureCount);
  let run = 0;
  for (let t = 0; t < length; t++) {
    for (let f = 0; f < featureCount; f++) raw[f] = series.values[f]?.[t] ?? Number.NaN;
    const step = gapFiller.push(raw);
    // Training keeps needing every feature: a window with an absent feature is not used.
    run = step.present.includes(0) ? 0 : run + 1;
    runLength[t] = run;
    for (let f = 0; f < featureCount; f++) {
      const i = t * featureCount + f;
      observed[i] = step.observed[f] ?? 0;
      rows[i] =
        step.present[f] === 1
          ? clipInput(normalizeValue(step.filled[f] ?? Number.NaN, norm, f))
          : ABSENT_INPUT;
    }
  }
  return { length, featureCount, rows, observed, runLength };
}

/**
 * Streaming gap handling for one series, shared by `prepareSeries` and the detector so both
 * make the same decisions. Per feature:
 * - observed: the value is used;
 * - short gap (missing for at most `maxGapSteps` steps): the last value is forward-filled and
 *   masked (`observed` 0, `present` 1);
 * - absent (never seen since the start or the last `reset`, or missing longer than
 *   `maxGapSteps`): no value at all (`filled` NaN, `present` 0), its stale last value dropped.
 * `broken` marks a step where a feature that was present became absent (a long gap starts), or
 * where no feature is present at all: the window restarts there. A feature that is absent from
 * the start is not a break; the series goes on with the others. `presentSteps[f]` counts the
 * consecutive steps up to this one in which feature f was present: how much history it has.
 */
export class GapFiller {
  private readonly last: Float64Array;
  private readonly missingRun: Int32Array;
  readonly filled: Float64Array;
  readonly observed: Uint8Array;
  readonly present: Uint8Array;
  readonly presentSteps: Int32Array;

  constructor(
    readonly featureCount: number,
    readonly maxGapSteps: number,
  ) {
    this.last = new Float64Array(featureCount).fill(Number.NaN);
    this.missingRun = new Int32Array(featureCount);
    this.filled = new Float64Array(featureCount);
    this.observed = new Uint8Array(featureCount);
    this.present = new Uint8Array(featureCount);
    this.presentSteps = new Int32Array(featureCount);
  }

  /** Consumes one step of raw values; `filled`/`observed`/`present` then describe it. */
  push(raw: ArrayLike<number>): {
    broken: boolean;
    filled: Float64Array;
    observed: Uint8Array;
    present: Uint8Array;
  } {
    let broken = false;
    let anyPresent = false;
    for (let f = 0; f < this.featureCount; f++) {
      const v = raw[f] ?? Number.NaN;
      const wasPresent = this.present[f] === 1;
      if (Number.isFinite(v)) {
        this.last[f] = v;
        this.missingRun[f] = 0;
        this.filled[f] = v;
        this.observed[f] = 1;
      } else {
        const run = (this.missingRun[f] ?? 0) + 1;
        this.missingRun[f] = run;
        this.observed[f] = 0;
        if (run > this.maxGapSteps) this.last[f] = Number.NaN;
        this.filled[f] = this.last[f] ?? Number.NaN;
      }
      const present = Number.isFinite(this.filled[f] ?? Number.NaN);
      this.present[f] = present ? 1 : 0;
      this.presentSteps[f] = present ? (this.presentSteps[f] ?? 0) + 1 : 0;
      if (present) anyPresent = true;
      else if (wasPresent) broken = true;
    }
    return {
      broken: broken || !anyPresent,
      filled: this.filled,
      observed: this.observed,
      present: this.present,
    };
  }

  /** Forgets every feature's last value and history: all features are absent until seen again. */
  reset(): void {
    this.last.fill(Number.NaN);
    this.missingRun.fill(0);
    this.present.fill(0);
    this.presentSteps.fill(0);
  }
}

/** Model inputs `x` [count, window, F] and next-step targets `y` [count, F]. */
export interface WindowSet {
  count: number;
  window: number;
  featureCount: number;
  x: Float32Array;
  y: Float32Array;
}

/** Target steps t (window ending at t-1) usable for training: full window, target fully observed. */
export function trainingTargets(
  prep: PreparedSeries,
  window: number,
  from = 0,
  to = prep.length,
): number[] {
  const targets: number[] = [];
  const F = prep.featureCount;
  for (let t = Math.max(from, window); t < to; t++) {
    if ((prep.runLength[t - 1] ?? 0) < window || (prep.runLength[t] ?? 0) === 0) continue;
    let complete = true;
    for (let f = 0; f < F && complete; f++) complete = prep.observed[t * F + f] === 1;
    if (complete) targets.push(t);
  }
  return targets;
}

/** Copies the windows ending just before each target step into one contiguous set. */
export function buildWindows(
  parts: ReadonlyArray<{ prep: PreparedSeries; targets: readonly number[] }>,
  window: number,
): WindowSet {
  const featureCount = parts[0]?.prep.featureCount ?? 0;
  const count = parts.reduce((n, p) => n + p.targets.length, 0);
  const x = new Float32Array(count * window * featureCount);
  const y = new Float32Array(count * featureCount);
  let i = 0;
  for (const { prep, targets } of parts) {
    for (const t of targets) {
      x.set(
        prep.rows.subarray((t - window) * featureCount, t * featureCount),
        i * window * featureCount,
      );
      y.set(prep.rows.subarray(t * featureCount, (t + 1) * featureCount), i * featureCount);
      i++;
    }
  }
  return { count, window, featureCount, x, y };
}
