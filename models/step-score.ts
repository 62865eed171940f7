// What the detector says about one step of one series: the contract between models/ and its
// users (the worker stores it in anomaly_scores, draws it on the alert page, `telepipe score`
// writes it to CSV, the evaluation counts it).
import type { Channel } from './online/params.ts';

/** 'lstm': the model's forecast was judged too; 'online': the online detectors alone. */
export type ScoreMethod = 'lstm' | 'online';

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
  /** Version of the model in use (null without one). */
  modelVersion: string | null;
  /** Raw values (NaN where missing). */
  observed: Record<string, number>;
  /** The baseline: median of the signal's recent normal values (NaN while not scored yet). */
  expected: Record<string, number>;
  /**
   * The normal band around `expected`: where the spike statistic reaches its threshold. Anomalous
   * values are held back from the baseline, so an incident does not widen its own band.
   */
  lower: Record<string, number>;
  upper: Record<string, number>;
  /** The LSTM's forecast of this step (NaN where it did not forecast the signal). */
  forecast: Record<string, number>;
  /** Per-signal robust z of the observation against its baseline, signed (NaN where unscored). */
  signalErrors: Record<string, number>;
  /** Severity in [0, 1]: 0.5 where the strongest statistic reaches its threshold. */
  score: number;
  /** The strongest statistic over its threshold (≥ 1 = anomalous). */
  ratio: number;
  anomalous: boolean;
  /** Scored signal behind the strongest statistic; null when nothing was scored. */
  drivingSignal: string | null;
  /** The statistic behind it: spike, level, drift, seasonal_day, seasonal_week or forecast. */
  reason: Channel | null;
  /** Whether that statistic saw the signal move up or down. */
  direction: 'up' | 'down' | null;
}
