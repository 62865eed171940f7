// Parameters of the online detectors. The defaults were chosen on the tuning split of the
// evaluation (docs/detection.md "Evaluation") and on the Go runtime simulator; the held-out split
// never saw them change.
import type { CalibrationParams } from './calibrator.ts';

export interface OnlineParams {
  /** Normal values per signal the baseline (median) and its robust scale are taken over. */
  baselineSteps: number;
  /** Observed steps a signal needs before it is scored at all. */
  minSteps: number;
  /**
   * While the baseline holds n values its scale is widened by (1 + smallSampleSteps / n): a few
   * values underestimate the spread, and a new series must not page on its own noise.
   */
  smallSampleSteps: number;
  /** EWMA span of the spike statistic and the forecast error (2 = mostly the last two steps). */
  spanSteps: number;
  /** EWMA span of the level statistic: sustained shifts, not blips (a restart's two steps). */
  levelSpanSteps: number;
  /**
   * A signal flagged for this many consecutive steps is taken as its new normal: its held-back
   * values enter the baseline (a deploy that changed the level pages once, not forever).
   */
  quarantineSteps: number;
  /**
   * The lingering statistics (level, drift, the smoothed forecast miss) count as evidence for a
   * direction only while the value itself is at least this many robust z beyond its baseline in
   * that direction: a fault that was removed resolves within the alert policy's steps, not once
   * their memory fades, and a value at its expected level never pages.
   */
  evidenceGateZ: number;
  /**
   * Per signal (by name), the smallest robust scale its statistics use, in the signal's unit:
   * a change far below it is never worth an alert, however steady the signal was (a GC pause
   * p99 of 0.1 ms that becomes 0.4 ms). Signals not named have no floor.
   */
  minScale: Readonly<Record<string, number>>;
  /**
   * Drift: Holt's level and trend over normal values, and a CUSUM of the residual from it (in
   * robust z, each step's residual clipped to ±`clip` so a two-step blip cannot fake a drift),
   * once the baseline holds `minSteps` normal values.
   */
  drift: { alpha: number; beta: number; cusumSlack: number; clip: number; minSteps: number };
  /**
   * Per statistic, how its thresholds differ from `calibration`: the return period as a multiple
   * of `calibration.returnPeriodDays`, and the prior a new series starts from. The drift CUSUM on
   * real, autocorrelated series has far heavier tails than the others (and a young series drifts
   * while it settles); a model trained on little data misses more than its validation error says.
   */
  channels: Partial<Record<Channel, ChannelCalibration>>;
  /**
   * A model whose skill on a signal of a series (1 − its mean squared error / the rolling
   * median's, over that series' recent normal steps: models/forecast-skill.ts) reaches this judges
   * that signal alone: its online statistics stand down. Below it, both judge (a model that does
   * not know a series must not hide what the online statistics see).
   */
  modelSkill: number;
  /**
   * A signal's move is explained by the load when the context signal (request rate) made the same
   * move at least `contextShare` as unusually: its ratio is divided by the context's ratio / share.
   */
  contextShare: number;
  /**
   * Seasonal references: the same time one day and one week ago, in buckets of a day / a week
   * (96: quarter hours; 168: hours). One is used for a signal only while its residual is smaller
   * than `gate` times the residual against the recent baseline: only a signal that really
   * repeats daily or weekly is judged against its past.
   */
  seasonal: { dayBuckets: number; weekBuckets: number; gate: number };
  calibration: CalibrationParams;
}

export const DEFAULT_ONLINE_PARAMS: OnlineParams = {
  baselineSteps: 256,
  minSteps: 2,
  smallSampleSteps: 24,
  spanSteps: 2,
  levelSpanSteps: 12,
  quarantineSteps: 64,
  evidenceGateZ: 1,
  minScale: {},
  drift: { alpha: 0.02, beta: 0.01, cusumSlack: 1, clip: 4, minSteps: 40 },
  channels: {
    drift: { returnPeriodFactor: 100, initial: 10 },
    forecast: { returnPeriodFactor: 10 },
  },
  modelSkill: 0.3,
  contextShare: 0.5,
  seasonal: { dayBuckets: 96, weekBuckets: 168, gate: 0.7 },
  calibration: {
    blocks: 24,
    blockSteps: 60,
    returnPeriodDays: 10,
    margin: 1.1,
    floor: 3,
    initial: 5,
    priorSteps: 1440,
    uncappedSteps: 1,
  },
};

/** Statistics each signal is judged on, in reporting order. */
export const CHANNELS = [
  'spike',
  'level',
  'drift',
  'seasonal_day',
  'seasonal_week',
  'forecast',
] as const;
export type Channel = (typeof CHANNELS)[number];

export interface ChannelCalibration {
  returnPeriodFactor?: number;
  initial?: number;
}

/** The calibration of one statistic: the shared one with the statistic's own differences. */
export function channelCalibration(params: OnlineParams, channel: Channel): CalibrationParams {
  const own = params.channels[channel] ?? {};
  return {
    ...params.calibration,
    returnPeriodDays: params.calibration.returnPeriodDays * (own.returnPeriodFactor ?? 1),
    initial: own.initial ?? params.calibration.initial,
  };
}

export function onlineParams(overrides: Partial<OnlineParams> = {}): OnlineParams {
  return {
    ...DEFAULT_ONLINE_PARAMS,
    ...overrides,
    drift: { ...DEFAULT_ONLINE_PARAMS.drift, ...overrides.drift },
    channels: { ...DEFAULT_ONLINE_PARAMS.channels, ...overrides.channels },
    seasonal: { ...DEFAULT_ONLINE_PARAMS.seasonal, ...overrides.seasonal },
    calibration: { ...DEFAULT_ONLINE_PARAMS.calibration, ...overrides.calibration },
  };
}
