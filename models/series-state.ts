// Everything the detector remembers about one series: gap handling, the model's input (a window
// of recent values and a rolling normalizer per signal), one online tracker per signal and the
// per-statistic thresholds. A step goes through four calls so the forecasts of many series, or
// many steps of one series, can be batched:
//   advanceTo   the clock (skipped steps are gaps)
//   plan        the model's input for this step, when the model can score it
//   ingest      the step's values into the gap filler, the window and the normalizers
//   judge       the online statistics and the forecast error against their thresholds; then the
//               values join (or are held back from) the trackers' baselines
// The model's input depends only on values, never on a verdict, so `plan` and `ingest` of many
// steps may run before their `judge` calls.
import { clipInput, GapFiller, newNormalizer, type InputNormalization } from './features.ts';
import { ForecastSkill } from './forecast-skill.ts';
import { SeriesCalibration, squashRatio } from './fusion.ts';
import type { RollingNormalizer } from './online/rolling-normalizer.ts';
import { CHANNELS, type OnlineParams } from './online/params.ts';
import { SignalTracker } from './online/signal-tracker.ts';
import type { StepScore } from './step-score.ts';
import type { LoadedModel } from './store.ts';

/** Model input of a signal the series does not have (absent): its normalized median. */
export const ABSENT_INPUT = 0;
const FORECAST = CHANNELS.indexOf('forecast');
const SEASONAL_DAY = CHANNELS.indexOf('seasonal_day');

export interface SeriesContext {
  features: readonly string[];
  stepMs: number;
  maxGapSteps: number;
  online: OnlineParams;
  normalization: InputNormalization;
  /** Per signal, the directions it alerts on (fusion.ts ALERT_UP | ALERT_DOWN; 0: context). */
  alerting: Uint8Array;
  model: () => LoadedModel | null;
}

/**
 * The model's part in a step: where its forecast is in the batch (-1: the model does not score
 * this step) and the normalization its input was built with, per signal (NaN: not forecast).
 */
export interface ForecastPlan {
  slot: number;
  median: Float64Array;
  scale: Float64Array;
}

/** What was observed at a step, captured at ingestion. */
export interface Observation {
  values: Float64Array;
  observed: Uint8Array;
}

const NO_FORECAST: ForecastPlan = {
  slot: -1,
  median: new Float64Array(0),
  scale: new Float64Array(0),
};

export class SeriesState {
  private readonly F: number;
  private readonly gaps: GapFiller;
  private readonly normalizers: RollingNormalizer[];
  private readonly trackers: SignalTracker[];
  private readonly calibration: SeriesCalibration;
  /** Last `window` steps of values with short gaps filled: the model's input. */
  private ring: Float64Array;
  private ringNext = 0;
  private ringCount = 0;
  private window: number;
  private readonly forecastAlpha: number;
  private readonly forecastError: Float64Array;
  private readonly skill: ForecastSkill;
  private lastTimestampMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly key: string,
    private readonly ctx: SeriesContext,
  ) {
    this.F = ctx.features.length;
    this.gaps = new GapFiller(this.F, ctx.maxGapSteps);
    this.normalizers = ctx.features.map(() => newNormalizer(ctx.normalization));
    this.trackers = ctx.features.map(
      (feature) => new SignalTracker(ctx.online, ctx.online.minScale[feature] ?? 0),
    );
    this.calibration = new SeriesCalibration(this.F, ctx.online, ctx.stepMs / 1000);
    this.window = ctx.model()?.metadata.window ?? 0;
    this.ring = new Float64Array(Math.max(1, this.window) * this.F);
    this.forecastAlpha = 2 / (ctx.online.spanSteps + 1);
    this.forecastError = new Float64Array(this.F).fill(Number.NaN);
    this.skill = new ForecastSkill(this.F);
  }

  /**
   * A new model: its errors start a new history (they are not comparable with the old one's); a
   * different window length refills the input window.
   */
  onModelChanged(): void {
    this.calibration.resetChannel('forecast');
    this.forecastError.fill(Number.NaN);
    this.skill.reset();
    const window = this.ctx.model()?.metadata.window ?? 0;
    if (window !== this.window) {
      this.window = window;
      this.ring = new Float64Array(Math.max(1, window) * this.F);
      this.ringNext = 0;
      this.ringCount = 0;
    }
  }

  /**
   * Moves the clock to `timestampMs`: false for a stale point; skipped steps are taken in as
   * missing (a short gap) or restart the model's window (a long one).
   */
  advanceTo(timestampMs: number): boolean {
    if (timestampMs <= this.lastTimestampMs) return false;
    if (Number.isFinite(this.lastTimestampMs)) {
      const skipped = Math.round((timestampMs - this.lastTimestampMs) / this.ctx.stepMs) - 1;
      if (skipped > this.ctx.maxGapSteps) this.restartWindow();
      else for (let i = 0; i < skipped; i++) this.ingest(MISSING_ROW);
    }
    this.lastTimestampMs = timestampMs;
    return true;
  }

  /**
   * Writes the model's input for the coming step into `windows` at `index` when the model can
   * score it (a full window since the last long gap). Each signal is normalized with its rolling
   * normalizer as it stands, as in training; a signal not present for the whole window, or
   * without enough values yet, is fed as absent and not forecast.
   */
  plan(windows: Float32Array, index: number): ForecastPlan {
    if (!this.ctx.model() || this.ringCount < this.window) return NO_FORECAST;
    const median = new Float64Array(this.F).fill(Number.NaN);
    const scale = new Float64Array(this.F).fill(Number.NaN);
    const base = index * this.window * this.F;
    for (let f = 0; f < this.F; f++) {
      const normalizer = this.normalizers[f]!;
      const usable = normalizer.ready && this.gaps.presentSteps[f]! >= this.window;
      if (usable) {
        median[f] = normalizer.median;
        scale[f] = normalizer.scale;
      }
      for (let k = 0; k < this.window; k++) {
        const value = this.ring[this.ringIndex(k) * this.F + f]!;
        windows[base + k * this.F + f] = usable
          ? clipInput((value - median[f]!) / scale[f]!)
          : ABSENT_INPUT;
      }
    }
    return { slot: index, median, scale };
  }

  /** Takes a step's values into the gap filler, the model's window and the normalizers. */
  ingest(values: ArrayLike<number>): Observation {
    const step = this.gaps.push(values);
    const observation: Observation = {
      values: Float64Array.from({ length: this.F }, (_, f) => values[f] ?? Number.NaN),
      observed: step.observed.slice(),
    };
    for (let f = 0; f < this.F; f++) {
      if (step.observed[f] === 1) this.normalizers[f]!.push(observation.values[f]!);
    }
    if (step.broken) {
      this.ringCount = 0;
    } else if (this.window > 0) {
      this.ring.set(step.filled, this.ringNext * this.F);
      this.ringNext = (this.ringNext + 1) % this.window;
      this.ringCount = Math.min(this.ringCount + 1, this.window);
    }
    return observation;
  }

  /** Judges an ingested step (with its forecast, when planned) and settles the trackers. */
  judge(
    timestampMs: number,
    obs: Observation,
    plan: ForecastPlan,
    forecasts: Float32Array,
  ): StepScore {
    // A step the model does not forecast ends its smoothed error (here, not at ingestion: the
    // steps of a batch are all ingested before the first is judged).
    if (plan.slot < 0) this.forecastError.fill(Number.NaN);
    const C = CHANNELS.length;
    const model = this.ctx.model();
    const up = new Float64Array(this.F * C).fill(Number.NaN);
    const down = new Float64Array(this.F * C).fill(Number.NaN);
    const expected = new Float64Array(this.F).fill(Number.NaN);
    const z = new Float64Array(this.F).fill(Number.NaN);
    const scales = new Float64Array(this.F).fill(Number.NaN);
    const forecast = new Float64Array(this.F).fill(Number.NaN);
    for (let f = 0; f < this.F; f++) {
      if (obs.observed[f] !== 1) continue;
      const value = obs.values[f]!;
      const signal = this.trackers[f]!.observe(value, timestampMs);
      expected[f] = signal.expected;
      z[f] = signal.z;
      scales[f] = signal.scale;
      up.set(signal.up, f * C);
      down.set(signal.down, f * C);
      const error = this.forecastErrorOf(f, value, plan, forecasts);
      if (Number.isFinite(error.standardized)) {
        forecast[f] = error.forecast;
        const smoothed = this.smoothForecastError(f, error.standardized);
        if (this.ctx.alerting[f] !== 0 && this.skill.skill(f) >= this.ctx.online.modelSkill) {
          // The model explains the signal's recent dynamics; its window is far shorter than a day,
          // so what the signal did a day or a week ago is still the seasonal statistics' to judge.
          up.fill(Number.NaN, f * C, f * C + SEASONAL_DAY);
          down.fill(Number.NaN, f * C, f * C + SEASONAL_DAY);
        }
        // Like level and drift, a smoothed miss is evidence only while the value itself is
        // clearly off its baseline in that direction: a value at its expected level never pages.
        const gate = this.ctx.online.evidenceGateZ;
        up[f * C + FORECAST] = signal.z >= gate ? Math.max(smoothed, 0) : 0;
        down[f * C + FORECAST] = signal.z <= -gate ? Math.max(-smoothed, 0) : 0;
      }
    }
    const fused = this.calibration.fuse(up, down, this.ctx.alerting);
    for (let f = 0; f < this.F; f++) {
      if (obs.observed[f] !== 1) continue;
      const anomalous = fused.anomalousSignals[f] === 1;
      this.trackers[f]!.settle(obs.values[f]!, timestampMs, anomalous);
      if (!anomalous) this.updateSkill(f, obs.values[f]!, plan, forecasts);
    }
    const features = this.ctx.features;
    return {
      key: this.key,
      timestampMs,
      method: plan.slot >= 0 ? 'lstm' : 'online',
      modelVersion: model?.metadata.version ?? null,
      observed: record(features, obs.values),
      expected: record(features, expected),
      lower: record(
        features,
        expected.map((e, f) => e - fused.spikeDown[f]! * scales[f]!),
      ),
      upper: record(
        features,
        expected.map((e, f) => e + fused.spikeUp[f]! * scales[f]!),
      ),
      forecast: record(features, forecast),
      signalErrors: record(features, z),
      score: squashRatio(fused.ratio),
      ratio: fused.ratio,
      anomalous: fused.ratio >= 1,
      drivingSignal: fused.signal >= 0 ? (features[fused.signal] ?? null) : null,
      reason: fused.channel,
      direction: fused.direction,
    };
  }

  /** A normal step's forecast (when there was one) counts towards the model's skill on f. */
  private updateSkill(f: number, value: number, plan: ForecastPlan, forecasts: Float32Array): void {
    const scale = plan.scale[f] ?? Number.NaN;
    if (plan.slot < 0 || !Number.isFinite(scale)) return;
    const normalized = (value - plan.median[f]!) / scale;
    this.skill.update(f, normalized, forecasts[plan.slot * this.F + f]!);
  }

  /** The forecast of signal f and its error in units of the model's typical miss (NaN: none). */
  private forecastErrorOf(
    f: number,
    value: number,
    plan: ForecastPlan,
    forecasts: Float32Array,
  ): { forecast: number; standardized: number } {
    const model = this.ctx.model();
    const scale = plan.scale[f] ?? Number.NaN;
    if (plan.slot < 0 || !model || !Number.isFinite(scale)) {
      return { forecast: Number.NaN, standardized: Number.NaN };
    }
    const predicted = forecasts[plan.slot * this.F + f]!;
    const forecast = predicted * scale + plan.median[f]!;
    // The model's typical miss in the signal's unit, never below the signal's minScale.
    const typicalMiss = Math.max(scale * model.metadata.errorScale[f]!, this.trackers[f]!.minScale);
    return { forecast, standardized: (value - forecast) / typicalMiss };
  }

  private smoothForecastError(f: number, error: number): number {
    const previous = this.forecastError[f]!;
    const next = Number.isFinite(previous)
      ? this.forecastAlpha * error + (1 - this.forecastAlpha) * previous
      : error;
    this.forecastError[f] = next;
    return next;
  }

  private restartWindow(): void {
    this.ringCount = 0;
    this.gaps.reset();
  }

  /** Ring position of the k-th oldest stored step. */
  private ringIndex(k: number): number {
    return (this.ringNext - this.ringCount + k + this.window * 2) % this.window;
  }
}

const MISSING_ROW: ArrayLike<number> = { length: 0 };

function record(features: readonly string[], values: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  features.forEach((name, f) => (out[name] = values[f] ?? Number.NaN));
  return out;
}
