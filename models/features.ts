// Multivariate series, gap handling and the model's windows.
// Training, offline scoring and the streaming detector all go through these functions, so a
// window means the same thing everywhere.
import { RollingNormalizer } from './online/rolling-normalizer.ts';

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

/**
 * How model input is normalized: each signal in robust-z units of its last `baselineSteps`
 * observed values, once it has `minSteps` of them. Stored with the model.
 */
export interface InputNormalization {
  baselineSteps: number;
  minSteps: number;
}

export const DEFAULT_INPUT_NORMALIZATION: InputNormalization = { baselineSteps: 256, minSteps: 4 };

export function newNormalizer(normalization: InputNormalization): RollingNormalizer {
  return new RollingNormalizer(normalization.baselineSteps, normalization.minSteps);
}

/** Normalized values are clipped before they reach the LSTM: one wild sample must not saturate it. */
export const INPUT_CLIP = 10;

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
 * A series ready for windowing, normalized the way the detector does it online: every step's
 * model input is the raw values in robust-z units of each signal's rolling median and scale *at
 * that step* (`RollingNormalizer` over the preceding values). Training and scoring therefore see
 * the same numbers, and nothing fitted on a later row normalizes an earlier one.
 * `raw[t * F + f]` holds the value with short gaps forward-filled (NaN where absent);
 * `observed` is 0 where the value was filled or absent; `median` / `scale` are the baseline
 * before step t (NaN while the signal is not scored yet); `runLength[t]` counts the consecutive
 * steps ending at t with every feature present.
 */
export interface PreparedSeries {
  length: number;
  featureCount: number;
  raw: Float64Array;
  observed: Uint8Array;
  median: Float64Array;
  scale: Float64Array;
  runLength: Int32Array;
}

export function prepareSeries(
  series: MultiSeries,
  normalization: InputNormalization,
  gaps: GapPolicy = DEFAULT_GAP_POLICY,
): PreparedSeries {
  const length = seriesLength(series);
  const F = series.features.length;
  const prepared: PreparedSeries = {
    length,
    featureCount: F,
    raw: new Float64Array(length * F),
    observed: new Uint8Array(length * F),
    median: new Float64Array(length * F),
    scale: new Float64Array(length * F),
    runLength: new Int32Array(length),
  };
  const gapFiller = new GapFiller(F, gaps.maxGapSteps);
  const normalizers = series.features.map(() => newNormalizer(normalization));
  const row = new Float64Array(F);
  let run = 0;
  for (let t = 0; t < length; t++) {
    for (let f = 0; f < F; f++) row[f] = series.values[f]?.[t] ?? Number.NaN;
    const step = gapFiller.push(row);
    // Training keeps needing every feature: a window with an absent feature is not used.
    run = step.present.includes(0) ? 0 : run + 1;
    prepared.runLength[t] = run;
    for (let f = 0; f < F; f++) {
      const i = t * F + f;
      const normalizer = normalizers[f]!;
      prepared.raw[i] = step.present[f] === 1 ? step.filled[f]! : Number.NaN;
      prepared.observed[i] = step.observed[f]!;
      prepared.median[i] = normalizer.ready ? normalizer.median : Number.NaN;
      prepared.scale[i] = normalizer.ready ? normalizer.scale : Number.NaN;
      if (step.observed[f] === 1) normalizer.push(row[f]!);
    }
  }
  return prepared;
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

/**
 * Target steps t (window ending at t-1) usable for training: a full window, every feature present
 * and scored by its baseline, the target fully observed.
 */
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
    let usable = true;
    for (let f = 0; f < F && usable; f++) {
      usable = prep.observed[t * F + f] === 1 && Number.isFinite(prep.median[t * F + f]!);
    }
    if (usable) targets.push(t);
  }
  return targets;
}

/**
 * The windows ending just before each target step and the targets, each normalized with the
 * baselines at the target step (what the detector uses when it scores that step).
 */
export function buildWindows(
  parts: ReadonlyArray<{ prep: PreparedSeries; targets: readonly number[] }>,
  window: number,
): WindowSet {
  const featureCount = parts[0]?.prep.featureCount ?? 0;
  const F = featureCount;
  const count = parts.reduce((n, p) => n + p.targets.length, 0);
  const x = new Float32Array(count * window * F);
  const y = new Float32Array(count * F);
  let i = 0;
  for (const { prep, targets } of parts) {
    for (const t of targets) {
      for (let f = 0; f < F; f++) {
        const median = prep.median[t * F + f]!;
        const scale = prep.scale[t * F + f]!;
        const norm = (v: number): number => clipInput((v - median) / scale);
        for (let k = 0; k < window; k++) {
          x[(i * window + k) * F + f] = norm(prep.raw[(t - window + k) * F + f]!);
        }
        y[i * F + f] = norm(prep.raw[t * F + f]!);
      }
      i++;
    }
  }
  return { count, window, featureCount, x, y };
}
