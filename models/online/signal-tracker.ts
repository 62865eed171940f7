// Everything the online detectors remember about one signal of one series, and the statistics
// they judge each new value on. All of it is causal: a step's statistics depend only on earlier
// steps, and a value flagged anomalous is held back from the baseline (quarantine), so an
// incident does not widen the band it is judged against.
import { EwScale } from './ew-scale.ts';
import type { OnlineParams } from './params.ts';
import { SeasonalProfile } from './seasonal-profile.ts';
import { SortedWindow } from './sorted-window.ts';

/** Index of each online statistic in `SignalStep.up` / `SignalStep.down`. */
export const STAT = {
  spike: 0,
  level: 1,
  drift: 2,
  seasonalDay: 3,
  seasonalWeek: 4,
} as const;
export const STAT_COUNT = 5;

const DAY_MS = 86_400_000;
/**
 * Beyond this many robust sigmas a standardized value grows logarithmically: a thousandfold spike
 * still stands out from a hundredfold one, yet one absurd sample cannot dominate a statistic.
 */
const Z_LINEAR = 10;
/** Residuals beyond this many scales move Holt's level as if they were at it. */
const HUBER_SCALES = 3;

export interface SignalStep {
  /** The baseline (median of recent normal values); NaN while the signal is not scored yet. */
  expected: number;
  /** Robust sigma of recent normal values. */
  scale: number;
  /** (value − expected) / scale. */
  z: number;
  /**
   * Per STAT index, the statistic's evidence for a move up and for a move down (both ≥ 0; NaN
   * where it has nothing to say yet). Each direction has its own threshold: restarts that drop
   * goroutines must not raise the bar for a leak that lifts them.
   */
  up: Float64Array;
  down: Float64Array;
}

export class SignalTracker {
  private readonly window: SortedWindow;
  private readonly local: EwScale;
  private readonly seasonal: Array<{ profile: SeasonalProfile; residual: EwScale }>;
  private readonly alpha: number;
  private readonly levelAlpha: number;
  private ewUp = Number.NaN;
  private ewDown = Number.NaN;
  private ewLevel = Number.NaN;
  private holtLevel = Number.NaN;
  private holtTrend = 0;
  private cusumUp = 0;
  private cusumDown = 0;
  private readonly held: Float64Array;
  private heldCount = 0;
  private baselineMedian = Number.NaN;
  private baselineScale = Number.NaN;

  constructor(
    private readonly params: OnlineParams,
    /** The smallest baseline scale (OnlineParams.minScale of this signal; 0: none). */
    readonly minScale = 0,
  ) {
    this.window = new SortedWindow(params.baselineSteps);
    this.local = new EwScale(params.baselineSteps, params.minSteps);
    const { dayBuckets, weekBuckets } = params.seasonal;
    this.seasonal = [
      { profile: new SeasonalProfile(DAY_MS, dayBuckets), residual: this.residualScale() },
      { profile: new SeasonalProfile(7 * DAY_MS, weekBuckets), residual: this.residualScale() },
    ];
    this.alpha = 2 / (params.spanSteps + 1);
    this.levelAlpha = 2 / (params.levelSpanSteps + 1);
    this.held = new Float64Array(params.quarantineSteps);
  }

  /** Enough normal values to score (and to normalize model input). */
  get ready(): boolean {
    return this.window.size >= this.params.minSteps;
  }

  /** The baseline: median of the recent normal values (NaN until the first value). */
  get median(): number {
    return this.baselineMedian;
  }

  /** The baseline's robust sigma. */
  get scale(): number {
    return this.baselineScale;
  }

  /**
   * The drift statistic waits for a settled baseline: a service's first minutes (its heap and
   * pools filling up) are a ramp by nature, and a fast fault then is the spike statistic's.
   */
  private get driftReady(): boolean {
    return this.window.size >= this.params.drift.minSteps;
  }

  /** A value in the baseline's robust-z units (the model's input scale). */
  normalize(value: number): number {
    return (value - this.baselineMedian) / this.baselineScale;
  }

  /** Value back from robust-z units. */
  denormalize(z: number): number {
    return z * this.baselineScale + this.baselineMedian;
  }

  /** The statistics of `value` at `timestampMs` against what came before; changes nothing. */
  observe(value: number, timestampMs: number): SignalStep {
    const up = new Float64Array(STAT_COUNT).fill(Number.NaN);
    const down = new Float64Array(STAT_COUNT).fill(Number.NaN);
    const step = { expected: Number.NaN, scale: Number.NaN, z: Number.NaN, up, down };
    if (!this.ready) return step;
    const z = compress((value - this.baselineMedian) / this.baselineScale);
    // Evidence for a direction counts only while the value itself is clearly on that side of
    // its baseline: once a fault is removed and the signal is back within its noise, the
    // smoothed past of the level and drift statistics must not keep it flagged.
    const gate = this.params.evidenceGateZ;
    const above = z > 0 ? 1 : 0;
    const below = z < 0 ? 1 : 0;
    const clearlyAbove = z >= gate ? 1 : 0;
    const clearlyBelow = z <= -gate ? 1 : 0;
    up[STAT.spike] = above * ewma(this.ewUp, Math.max(z, 0), this.alpha);
    down[STAT.spike] = below * ewma(this.ewDown, Math.max(-z, 0), this.alpha);
    const level = ewma(this.ewLevel, z, this.levelAlpha);
    up[STAT.level] = clearlyAbove * Math.max(level, 0);
    down[STAT.level] = clearlyBelow * Math.max(-level, 0);
    if (this.driftReady) {
      const zDrift = this.driftResidual(value);
      const slack = this.params.drift.cusumSlack;
      up[STAT.drift] = clearlyAbove * Math.max(0, this.cusumUp + zDrift - slack);
      down[STAT.drift] = clearlyBelow * Math.max(0, this.cusumDown - zDrift - slack);
    }
    const localScale = this.local.scale;
    this.seasonal.forEach(({ profile, residual }, i) => {
      const r = value - profile.expected(timestampMs);
      if (residual.warm && residual.scale < this.params.seasonal.gate * localScale) {
        setSigned(
          up,
          down,
          STAT.seasonalDay + i,
          compress(residual.z(r, this.baselineScale * 1e-3)),
        );
      }
    });
    return { ...step, expected: this.baselineMedian, scale: this.baselineScale, z };
  }

  /**
   * Takes `value` into the state. A normal value joins the baseline; an anomalous one is held
   * back until the signal has been anomalous for `quarantineSteps` steps, when the held values
   * become the new normal.
   */
  settle(value: number, timestampMs: number, anomalous: boolean): void {
    if (this.ready) this.advanceStatistics(value, timestampMs);
    if (!anomalous || !this.ready) {
      this.heldCount = 0;
      this.accept(value, timestampMs);
      return;
    }
    this.holtLevel += this.holtTrend;
    this.held[this.heldCount++] = value;
    if (this.heldCount === this.held.length) this.adoptHeld();
  }

  private advanceStatistics(value: number, timestampMs: number): void {
    const z = compress((value - this.baselineMedian) / this.baselineScale);
    this.ewUp = ewma(this.ewUp, Math.max(z, 0), this.alpha);
    this.ewDown = ewma(this.ewDown, Math.max(-z, 0), this.alpha);
    this.ewLevel = ewma(this.ewLevel, z, this.levelAlpha);
    if (this.driftReady) {
      const zDrift = this.driftResidual(value);
      const slack = this.params.drift.cusumSlack;
      // Back at or beyond its baseline, a signal is not drifting away from it on that side: the
      // evidence for that direction is gone (a leak fixed by a restart resolves at once).
      this.cusumUp = z <= 0 ? 0 : Math.max(0, this.cusumUp + zDrift - slack);
      this.cusumDown = z >= 0 ? 0 : Math.max(0, this.cusumDown - zDrift - slack);
    }
    this.local.update(value - this.baselineMedian);
    for (const { profile, residual } of this.seasonal) {
      residual.update(value - profile.expected(timestampMs));
    }
  }

  private accept(value: number, timestampMs: number): void {
    this.window.push(value);
    this.refreshBaseline();
    // Holt starts from the settled baseline, not from a service's first, unsettled values.
    if (!this.driftReady) {
      this.holtLevel = this.baselineMedian;
      this.holtTrend = 0;
    } else {
      const forecast = this.holtLevel + this.holtTrend;
      const limit = HUBER_SCALES * this.baselineScale;
      const r = Math.max(-limit, Math.min(limit, value - forecast));
      const { alpha, beta } = this.params.drift;
      this.holtLevel = forecast + alpha * r;
      this.holtTrend += alpha * beta * r;
    }
    for (const { profile } of this.seasonal) profile.record(timestampMs, value);
  }

  private adoptHeld(): void {
    for (let i = 0; i < this.heldCount; i++) this.window.push(this.held[i]!);
    this.heldCount = 0;
    this.refreshBaseline();
    this.holtLevel = this.baselineMedian;
    this.holtTrend = 0;
    this.cusumUp = 0;
    this.cusumDown = 0;
  }

  private refreshBaseline(): void {
    this.baselineMedian = this.window.median();
    const n = this.window.size;
    // A few values underestimate the spread: widen the scale while the baseline is young.
    const widen = 1 + this.params.smallSampleSteps / n;
    this.baselineScale = Math.max(
      this.window.robustScale(this.baselineMedian) * widen,
      this.minScale,
    );
  }

  /** The value's residual from Holt's forecast, in robust-z units. */
  private driftResidual(value: number): number {
    return clip(
      (value - this.holtLevel - this.holtTrend) / this.baselineScale,
      this.params.drift.clip,
    );
  }

  private residualScale(): EwScale {
    return new EwScale(this.params.baselineSteps, this.params.baselineSteps / 4);
  }
}

/** A signed statistic as evidence up (its positive part) and down (its negative part). */
function setSigned(up: Float64Array, down: Float64Array, stat: number, value: number): void {
  up[stat] = Math.max(value, 0);
  down[stat] = Math.max(-value, 0);
}

function ewma(previous: number, value: number, alpha: number): number {
  return Number.isFinite(previous) ? alpha * value + (1 - alpha) * previous : value;
}

function clip(z: number, limit: number): number {
  return z > limit ? limit : z < -limit ? -limit : z;
}

/** Linear up to Z_LINEAR, logarithmic beyond (continuous, same slope at the joint). */
function compress(z: number): number {
  const a = Math.abs(z);
  if (a <= Z_LINEAR || !Number.isFinite(a)) return Number.isFinite(a) ? z : Math.sign(z) * 1e3;
  return Math.sign(z) * Z_LINEAR * (1 + Math.log(a / Z_LINEAR));
}
