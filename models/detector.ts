// Streaming anomaly detection over many series: one LSTM forecast per series and step (batched
// across series), the error standardized and aggregated, then a per-series dynamic threshold.
// Series without enough history, or a detector without a model, fall back to a robust
// median/MAD score ("cold-start"). A signal a series does not report is absent: it is not
// scored, and the series is scored on the signals it has. See docs/detection.md.
import {
  ABSENT_INPUT,
  clipInput,
  DEFAULT_CONTEXT_SIGNALS,
  DEFAULT_GAP_POLICY,
  denormalizeValue,
  fitNormalization,
  GapFiller,
  GO_SIGNALS,
  hasStats,
  NO_STATS,
  normalizeValue,
  robustStats,
  seriesLength,
  type MultiSeries,
  type Normalization,
} from './features.ts';
import {
  combineErrors,
  SignalSmoother,
  standardizeErrors,
  type AggregateMode,
  type SmoothingMode,
} from './errors.ts';
import type { LoadedModel } from './store.ts';
import {
  DEFAULT_THRESHOLD_PARAMS,
  squashScore,
  StreamingThreshold,
  type ThresholdParams,
} from './threshold.ts';

export type ScoreMethod = 'lstm' | 'cold-start';

/** One observation of one series; `values` are aligned with `Detector.features`, NaN = missing. */
export interface SeriesPoint {
  key: string;
  timestampMs: number;
  values: ArrayLike<number>;
}

export interface StepScore {
  key: string;
  timestampMs: number;
  method: ScoreMethod;
  /** Version of the model that forecast this step; null for cold-start without a model. */
  modelVersion: string | null;
  /** Raw values (NaN where missing). */
  observed: Record<string, number>;
  /** The forecast (lstm) or the recent median (cold-start), in raw units. */
  expected: Record<string, number>;
  /**
   * Per-signal standardized error, signed (observed above expected > 0). NaN where the signal was
   * not observed at this step, or is absent / not in use yet for this series (see docs).
   */
  signalErrors: Record<string, number>;
  /** Aggregated error of this step (NaN when nothing was observed). */
  error: number;
  smoothedError: number;
  threshold: number;
  /** Severity in [0, 1]: 0.5 at the threshold (see squashScore). */
  score: number;
  anomalous: boolean;
  /** Scored signal with the largest smoothed standardized error; null when nothing was scored. */
  drivingSignal: string | null;
}

export interface ColdStartParams {
  /** Recent steps whose median/MAD give the expected value and scale. */
  historySteps: number;
  /** Fewer observed steps than this: no score at all (per signal: not scored yet). */
  minSteps: number;
  /** Fixed threshold on the smoothed robust z (aggregated over signals like the LSTM errors). */
  threshold: number;
}

export const DEFAULT_COLD_START: ColdStartParams = {
  historySteps: 120,
  minSteps: 12,
  threshold: 4,
};

export interface DetectorOptions {
  model?: LoadedModel | null;
  /** Signal names (default: the model's features, else GO_SIGNALS). */
  features?: readonly string[];
  stepSeconds?: number;
  threshold?: Partial<ThresholdParams>;
  coldStart?: Partial<ColdStartParams>;
  maxGapSteps?: number;
  /** Signals left out of the score (default: the model's, else request_rate when present). */
  contextSignals?: readonly string[];
  /** How per-signal errors are smoothed and combined (see SignalSmoother); defaults signed, rms. */
  smoothing?: SmoothingMode;
  aggregate?: AggregateMode;
}

/** What a series needs from the model before it is ingested (read-only over its state). */
interface StepPlan {
  method: ScoreMethod;
  norm: Normalization | null;
  /** Index into the batch's forecast buffer (lstm only). */
  slot: number;
  coldMedian: Float64Array | null;
  coldScale: Float64Array | null;
  /**
   * 1 for the signals this method can score at this step: present in the series with enough
   * history for it (see `SeriesState.plan`). The others are absent: masked, not scored.
   */
  usable: Uint8Array;
}

/** What was observed at a step, captured at ingestion. */
interface Observation {
  raw: Float64Array;
  observed: Uint8Array;
  /** 1 where the signal is present (observed or in a short gap), 0 where it is absent. */
  present: Uint8Array;
}

export class Detector {
  readonly features: readonly string[];
  readonly stepSeconds: number;
  private model: LoadedModel | null;
  private readonly thresholdParams: ThresholdParams;
  private readonly coldStart: ColdStartParams;
  private readonly maxGapSteps: number;
  private readonly smoothing: SmoothingMode;
  private readonly aggregate: AggregateMode;
  /** 1 for signals that count towards the score, 0 for context signals. */
  private readonly scored: Uint8Array;
  private readonly states = new Map<string, SeriesState>();

  constructor(options: DetectorOptions = {}) {
    this.model = options.model ?? null;
    const meta = this.model?.metadata;
    this.features = options.features ?? meta?.features ?? GO_SIGNALS;
    if (meta && meta.features.join(',') !== this.features.join(',')) {
      throw new Error(
        `detector features ${this.features.join(',')} differ from the model's ${meta.features.join(',')}`,
      );
    }
    this.stepSeconds = options.stepSeconds ?? meta?.stepSeconds ?? 15;
    this.thresholdParams = {
      ...(meta?.threshold ?? DEFAULT_THRESHOLD_PARAMS),
      ...options.threshold,
    };
    this.coldStart = { ...DEFAULT_COLD_START, ...options.coldStart };
    this.maxGapSteps = options.maxGapSteps ?? meta?.maxGapSteps ?? DEFAULT_GAP_POLICY.maxGapSteps;
    this.smoothing = options.smoothing ?? 'signed';
    this.aggregate = options.aggregate ?? 'rms';
    const context = options.contextSignals ?? meta?.contextSignals ?? DEFAULT_CONTEXT_SIGNALS;
    this.scored = Uint8Array.from(this.features, (f) => (context.includes(f) ? 0 : 1));
    if (!this.scored.includes(1))
      throw new Error('every signal is a context signal: nothing to score');
  }

  get modelVersion(): string | null {
    return this.model?.metadata.version ?? null;
  }

  get seriesCount(): number {
    return this.states.size;
  }

  /**
   * Swaps the model (after retraining). Series keep their windows; their LSTM thresholds restart
   * from the new model's initial ε, because errors of different models are not comparable.
   */
  setModel(model: LoadedModel | null): void {
    if (model && model.metadata.features.join(',') !== this.features.join(',')) {
      throw new Error('new model has different features');
    }
    if (model && model.metadata.window > this.coldStart.historySteps && this.states.size > 0) {
      throw new Error(`new model's window ${model.metadata.window} exceeds the series buffers`);
    }
    this.model = model;
    for (const state of this.states.values())
      state.onModelChanged(this.normalizationFor(state.key));
  }

  /** Drops a series' state (it disappeared, or this replica no longer owns it). */
  forget(key: string): void {
    this.states.delete(key);
  }

  /**
   * Scores one step of many series at once: the worker's call per step. One batched forecast
   * for all series in LSTM mode. Returns one score per accepted point, in input order (a series
   * given twice has its later point scored after the others); a point not newer than the last
   * one seen for its series is dropped.
   */
  async scoreBatch(points: readonly SeriesPoint[]): Promise<StepScore[]> {
    // A series twice in one call: its second point needs the first one's window, so score in rounds.
    const seen = new Set<string>();
    const first: SeriesPoint[] = [];
    const later: SeriesPoint[] = [];
    for (const point of points) {
      (seen.has(point.key) ? later : first).push(point);
      seen.add(point.key);
    }
    const scores = await this.scoreDistinct(first);
    return later.length > 0 ? [...scores, ...(await this.scoreBatch(later))] : scores;
  }

  private async scoreDistinct(points: readonly SeriesPoint[]): Promise<StepScore[]> {
    const accepted: Array<{ state: SeriesState; point: SeriesPoint }> = [];
    for (const point of points) {
      const state = this.stateFor(point.key);
      if (state.advanceTo(point.timestampMs)) accepted.push({ state, point });
    }
    const windows = new Float32Array(accepted.length * this.windowSize());
    const plans = accepted.map(({ state }, i) => state.plan(windows, i));
    const observations = accepted.map(({ state, point }) => state.ingest(point.values));
    const forecasts = await this.forecast(windows, plans);
    return accepted.map(({ state, point }, i) =>
      state.score(point.timestampMs, plans[i]!, observations[i]!, forecasts),
    );
  }

  /**
   * Scores a whole history of one series, step by step with exactly the streaming logic, but with
   * the forecasts batched over time. Used offline (score-csv, evaluation) and to warm up.
   */
  async scoreSeries(key: string, series: MultiSeries, chunkSteps = 4096): Promise<StepScore[]> {
    this.assertFeatures(series.features);
    const state = this.stateFor(key);
    const length = seriesLength(series);
    const out: StepScore[] = [];
    const row = new Float64Array(this.features.length);
    for (let from = 0; from < length; from += chunkSteps) {
      const to = Math.min(length, from + chunkSteps);
      const windows = new Float32Array((to - from) * this.windowSize());
      const steps: Array<{ ts: number; plan: StepPlan; obs: Observation }> = [];
      for (let t = from; t < to; t++) {
        const ts = series.startMs + t * series.stepSeconds * 1000;
        if (!state.advanceTo(ts)) continue;
        for (let f = 0; f < row.length; f++) row[f] = series.values[f]?.[t] ?? Number.NaN;
        const plan = state.plan(windows, steps.length);
        steps.push({ ts, plan, obs: state.ingest(row) });
      }
      const forecasts = await this.forecast(
        windows,
        steps.map((s) => s.plan),
      );
      for (const s of steps) out.push(state.score(s.ts, s.plan, s.obs, forecasts));
    }
    return out;
  }

  /**
   * Replays a history so a series starts with a full window and a threshold history. A series the
   * model has no normalization for gets one fitted on this history first.
   */
  async warmUp(key: string, history: MultiSeries): Promise<void> {
    this.assertFeatures(history.features);
    if (!this.stateFor(key).norm) this.setNormalization(key, fitNormalization(history));
    await this.scoreSeries(key, history);
  }

  /** Normalization for a series the model was not trained on (e.g. fitted on its own history). */
  setNormalization(key: string, norm: Normalization): void {
    this.stateFor(key).setFittedNormalization(norm);
  }

  private assertFeatures(features: readonly string[]): void {
    if (features.join(',') !== this.features.join(',')) {
      throw new Error(
        `series features ${features.join(',')} differ from ${this.features.join(',')}`,
      );
    }
  }

  private windowSize(): number {
    return this.model ? this.model.metadata.window * this.features.length : 0;
  }

  /** Runs the batched forecast for the lstm plans; compacts their windows first. */
  private async forecast(windows: Float32Array, plans: readonly StepPlan[]): Promise<Float32Array> {
    if (!this.model) return new Float32Array(0);
    const size = this.windowSize();
    let n = 0;
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i]!;
      if (plan.method !== 'lstm') continue;
      if (n !== i) windows.copyWithin(n * size, i * size, (i + 1) * size);
      plan.slot = n++;
    }
    if (n === 0) return new Float32Array(0);
    return this.model.forecaster.predict(windows.subarray(0, n * size), n);
  }

  private stateFor(key: string): SeriesState {
    let state = this.states.get(key);
    if (!state) {
      state = new SeriesState(key, this.context(), this.normalizationFor(key));
      this.states.set(key, state);
    }
    return state;
  }

  private normalizationFor(key: string): Normalization | null {
    return this.model?.metadata.normalization[key] ?? null;
  }

  private context(): DetectorContext {
    return {
      features: this.features,
      stepMs: this.stepSeconds * 1000,
      maxGapSteps: this.maxGapSteps,
      threshold: this.thresholdParams,
      coldStart: this.coldStart,
      smoothing: this.smoothing,
      aggregate: this.aggregate,
      scored: this.scored,
      model: () => this.model,
    };
  }
}

interface DetectorContext {
  features: readonly string[];
  stepMs: number;
  maxGapSteps: number;
  threshold: ThresholdParams;
  coldStart: ColdStartParams;
  smoothing: SmoothingMode;
  aggregate: AggregateMode;
  scored: Uint8Array;
  model: () => LoadedModel | null;
}

/** Everything the detector remembers about one series. */
class SeriesState {
  private readonly F: number;
  private readonly capacity: number;
  /** Ring of the last `capacity` steps: raw values (short gaps filled) and observed flags. */
  private readonly ring: Float64Array;
  private readonly ringObserved: Uint8Array;
  private ringNext = 0;
  private ringCount = 0;
  private readonly gaps: GapFiller;
  private lastTimestampMs = Number.NEGATIVE_INFINITY;
  private lstmThreshold: StreamingThreshold | null = null;
  private readonly lstmSmoother: SignalSmoother;
  private readonly coldSmoother: SignalSmoother;
  private lastMethod: ScoreMethod | null = null;
  private fittedNorm = false;

  constructor(
    readonly key: string,
    private readonly ctx: DetectorContext,
    public norm: Normalization | null,
  ) {
    this.F = ctx.features.length;
    const window = ctx.model()?.metadata.window ?? 0;
    this.capacity = Math.max(window, ctx.coldStart.historySteps);
    this.ring = new Float64Array(this.capacity * this.F);
    this.ringObserved = new Uint8Array(this.capacity * this.F);
    this.gaps = new GapFiller(this.F, ctx.maxGapSteps);
    this.lstmSmoother = new SignalSmoother(
      this.F,
      ctx.threshold.ewmaSpan,
      ctx.smoothing,
      ctx.aggregate,
    );
    this.coldSmoother = new SignalSmoother(
      this.F,
      ctx.threshold.ewmaSpan,
      ctx.smoothing,
      ctx.aggregate,
    );
  }

  onModelChanged(norm: Normalization | null): void {
    if (norm || !this.fittedNorm) {
      this.norm = norm;
      this.fittedNorm = false;
    }
    this.lstmThreshold = null;
    this.lstmSmoother.reset();
  }

  setFittedNormalization(norm: Normalization): void {
    this.norm = norm;
    this.fittedNorm = true;
  }

  /**
   * Moves the clock to `timestampMs`: false for a stale point; steps skipped since the last point
   * are ingested as missing (short) or reset the window (long).
   */
  advanceTo(timestampMs: number): boolean {
    if (timestampMs <= this.lastTimestampMs) return false;
    if (Number.isFinite(this.lastTimestampMs)) {
      const skipped = Math.round((timestampMs - this.lastTimestampMs) / this.ctx.stepMs) - 1;
      if (skipped > this.ctx.maxGapSteps) this.resetWindow();
      else for (let i = 0; i < skipped; i++) this.ingest(MISSING_ROW);
    }
    this.lastTimestampMs = timestampMs;
    return true;
  }

  private resetWindow(): void {
    this.ringCount = 0;
    this.gaps.reset();
  }

  /**
   * Decides the method for the coming step and, for lstm, writes its window into `windows`.
   * Which signals are used depends on how long each has been present (`GapFiller.presentSteps`,
   * up to the previous step): cold-start uses a signal once it has been present for `minSteps`
   * steps, the LSTM once for a whole window and the series' normalization has statistics for it
   * (fitted here from its first `historySteps` steps when it has none). A signal not used is fed
   * to the LSTM as its normalized median, so it does not disturb the forecasts of the others.
   */
  plan(windows: Float32Array, index: number): StepPlan {
    const model = this.ctx.model();
    if (!model || this.norm === null || this.ringCount < (model.metadata.window ?? 0)) {
      if (model && !this.norm && this.ringCount >= this.ctx.coldStart.historySteps) {
        this.setFittedNormalization(this.fitFromRing());
        return this.plan(windows, index);
      }
      const { median, scale } = this.coldStats();
      const usable = new Uint8Array(this.F);
      if (median) for (let f = 0; f < this.F; f++) usable[f] = Number.isNaN(median[f]) ? 0 : 1;
      return {
        method: 'cold-start',
        norm: this.norm,
        slot: -1,
        coldMedian: median,
        coldScale: scale,
        usable,
      };
    }
    this.fitMissingStats();
    const norm = this.norm;
    const W = model.metadata.window;
    const usable = new Uint8Array(this.F);
    for (let f = 0; f < this.F; f++) {
      usable[f] = (this.gaps.presentSteps[f] ?? 0) >= W && hasStats(norm, f) ? 1 : 0;
    }
    const base = index * W * this.F;
    for (let k = 0; k < W; k++) {
      const r = this.ringIndex(this.ringCount - W + k);
      for (let f = 0; f < this.F; f++) {
        windows[base + k * this.F + f] =
          usable[f] === 1
            ? clipInput(normalizeValue(this.ring[r * this.F + f] ?? Number.NaN, norm, f))
            : ABSENT_INPUT;
      }
    }
    return { method: 'lstm', norm, slot: -1, coldMedian: null, coldScale: null, usable };
  }

  /**
   * A signal the normalization has no statistics for (absent where it was fitted) gets them from
   * its own recent values once it has been present for `historySteps` steps, like a whole series
   * without a normalization. The normalization is copied, not changed in place: it may be the
   * model's.
   */
  private fitMissingStats(): void {
    const norm = this.norm;
    if (!norm) return;
    let patched: Normalization | null = null;
    for (let f = 0; f < this.F; f++) {
      if (hasStats(norm, f)) continue;
      const stats = this.statsFromRing(f);
      if (!stats) continue;
      patched ??= { median: [...norm.median], scale: [...norm.scale] };
      patched.median[f] = stats.median;
      patched.scale[f] = stats.scale;
    }
    if (patched) this.norm = patched;
  }

  /** Ring position of the k-th oldest stored step (k in [0, ringCount)). */
  private ringIndex(k: number): number {
    return (this.ringNext - this.ringCount + k + this.capacity * 2) % this.capacity;
  }

  /** Consumes the step's raw values into the gap filler and the ring. */
  ingest(values: ArrayLike<number>): Observation {
    const step = this.gaps.push(values);
    const raw = new Float64Array(this.F);
    for (let f = 0; f < this.F; f++) raw[f] = values[f] ?? Number.NaN;
    const observation = { raw, observed: step.observed.slice(), present: step.present.slice() };
    if (step.broken) {
      this.ringCount = 0;
      return observation;
    }
    const base = this.ringNext * this.F;
    this.ring.set(step.filled, base);
    this.ringObserved.set(step.observed, base);
    this.ringNext = (this.ringNext + 1) % this.capacity;
    this.ringCount = Math.min(this.ringCount + 1, this.capacity);
    return observation;
  }

  score(timestampMs: number, plan: StepPlan, obs: Observation, forecasts: Float32Array): StepScore {
    // Smoothed errors of one method mean nothing to the other: start afresh on a switch.
    if (plan.method !== this.lastMethod) {
      (plan.method === 'lstm' ? this.lstmSmoother : this.coldSmoother).reset();
      this.lastMethod = plan.method;
    }
    return plan.method === 'lstm'
      ? this.scoreLstm(timestampMs, plan, obs, forecasts)
      : this.scoreColdStart(timestampMs, plan, obs);
  }

  private scoreLstm(
    ts: number,
    plan: StepPlan,
    obs: Observation,
    forecasts: Float32Array,
  ): StepScore {
    const model = this.ctx.model()!;
    const norm = plan.norm!;
    const residual = new Float64Array(this.F);
    const expected = new Float64Array(this.F);
    for (let f = 0; f < this.F; f++) {
      const forecast =
        plan.usable[f] === 1 ? (forecasts[plan.slot * this.F + f] ?? Number.NaN) : Number.NaN;
      expected[f] = denormalizeValue(forecast, norm, f);
      residual[f] = normalizeValue(obs.raw[f] ?? Number.NaN, norm, f) - forecast;
    }
    const mask = usedMask(plan, obs);
    const standardized = standardizeErrors(residual, model.metadata.errorScale, mask);
    const counted = this.scoredOnly(standardized);
    const error = combineErrors(counted, this.ctx.aggregate);
    const { smoothed, driving } = this.lstmSmoother.update(counted, activeMask(plan, obs));
    this.lstmThreshold ??= new StreamingThreshold(
      this.ctx.threshold,
      model.metadata.initialEpsilon,
    );
    const step = this.lstmThreshold.decide(Number.isFinite(error) ? smoothed : Number.NaN);
    return this.result(ts, 'lstm', model.metadata.version, obs, expected, standardized, {
      error,
      smoothed: step.smoothed,
      threshold: step.threshold,
      anomalous: step.anomalous,
      driving,
    });
  }

  private scoreColdStart(ts: number, plan: StepPlan, obs: Observation): StepScore {
    const median = plan.coldMedian;
    const scale = plan.coldScale;
    const standardized = new Float64Array(this.F).fill(Number.NaN);
    if (median && scale) {
      const residual = obs.raw.map((v, f) => v - (median[f] ?? Number.NaN));
      standardizeErrors(residual, scale, usedMask(plan, obs), standardized);
    }
    const counted = this.scoredOnly(standardized);
    const error = combineErrors(counted, this.ctx.aggregate);
    const { smoothed, driving } = this.coldSmoother.update(counted, activeMask(plan, obs));
    const threshold = this.ctx.coldStart.threshold;
    const current = Number.isFinite(error) ? smoothed : Number.NaN;
    const expected = median ?? new Float64Array(this.F).fill(Number.NaN);
    return this.result(
      ts,
      'cold-start',
      this.ctx.model()?.metadata.version ?? null,
      obs,
      expected,
      standardized,
      {
        error,
        smoothed: current,
        threshold,
        anomalous: current >= threshold,
        driving,
      },
    );
  }

  /** The standardized errors with context signals blanked out. */
  private scoredOnly(standardized: Float64Array): Float64Array {
    return standardized.map((z, f) => (this.ctx.scored[f] === 1 ? z : Number.NaN));
  }

  /**
   * Median and robust scale of the recent observed values per signal; null while the series has
   * too few steps. A signal present for fewer than `minSteps` steps (absent, or appeared only
   * recently) has median NaN: cold-start does not use it yet.
   */
  private coldStats(): { median: Float64Array | null; scale: Float64Array | null } {
    const n = Math.min(this.ringCount, this.ctx.coldStart.historySteps);
    if (n < this.ctx.coldStart.minSteps) return { median: null, scale: null };
    const median = new Float64Array(this.F);
    const scale = new Float64Array(this.F);
    for (let f = 0; f < this.F; f++) {
      const { stats, count } = this.observedStats(f, n);
      const present = (this.gaps.presentSteps[f] ?? 0) >= this.ctx.coldStart.minSteps;
      median[f] = count > 0 && present ? stats.median : Number.NaN;
      scale[f] = stats.scale;
    }
    return { median, scale };
  }

  /** Robust statistics of signal f's observed values in the last n ring steps. */
  private observedStats(
    f: number,
    n: number,
  ): { stats: { median: number; scale: number }; count: number } {
    const column = new Float64Array(n);
    let m = 0;
    for (let k = this.ringCount - n; k < this.ringCount; k++) {
      const i = this.ringIndex(k) * this.F + f;
      if (this.ringObserved[i] === 1) column[m++] = this.ring[i] ?? Number.NaN;
    }
    return { stats: robustStats(column.subarray(0, m)), count: m };
  }

  /**
   * Normalization statistics of signal f from its last `historySteps` steps; null until it has
   * been present (and in the ring) that long.
   */
  private statsFromRing(f: number): { median: number; scale: number } | null {
    const n = this.ctx.coldStart.historySteps;
    if (this.ringCount < n || (this.gaps.presentSteps[f] ?? 0) < n) return null;
    const { stats, count } = this.observedStats(f, n);
    return count > 0 ? stats : null;
  }

  /** A normalization for a series without one; signals without enough history get NO_STATS. */
  private fitFromRing(): Normalization {
    const median: number[] = [];
    const scale: number[] = [];
    for (let f = 0; f < this.F; f++) {
      const stats = this.statsFromRing(f) ?? NO_STATS;
      median.push(stats.median);
      scale.push(stats.scale);
    }
    return { median, scale };
  }

  private result(
    timestampMs: number,
    method: ScoreMethod,
    modelVersion: string | null,
    obs: Observation,
    expected: Float64Array,
    standardized: Float64Array,
    decision: {
      error: number;
      smoothed: number;
      threshold: number;
      anomalous: boolean;
      driving: number;
    },
  ): StepScore {
    const features = this.ctx.features;
    return {
      key: this.key,
      timestampMs,
      method,
      modelVersion,
      observed: record(features, obs.raw),
      expected: record(features, expected),
      signalErrors: record(features, standardized),
      error: decision.error,
      smoothedError: decision.smoothed,
      threshold: decision.threshold,
      score: squashScore(decision.smoothed, decision.threshold),
      anomalous: decision.anomalous,
      drivingSignal: Number.isFinite(decision.error) ? (features[decision.driving] ?? null) : null,
    };
  }
}

const MISSING_ROW: ArrayLike<number> = { length: 0 };

/** The signals whose error counts at a step: observed now, and usable by the step's method. */
function usedMask(plan: StepPlan, obs: Observation): Uint8Array {
  return obs.observed.map((o, f) => (o === 1 && plan.usable[f] === 1 ? 1 : 0));
}

/**
 * The signals that keep a smoothed error: usable and still present (a short gap holds the value,
 * a signal that has just become absent loses it at once).
 */
function activeMask(plan: StepPlan, obs: Observation): Uint8Array {
  return obs.present.map((p, f) => (p === 1 && plan.usable[f] === 1 ? 1 : 0));
}

function record(features: readonly string[], values: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  features.forEach((name, f) => (out[name] = values[f] ?? Number.NaN));
  return out;
}
