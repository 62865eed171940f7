// Fusion: every statistic of every scored signal is divided by its own dynamic threshold; the
// largest ratio decides the step. A step is anomalous when any ratio reaches 1; the signal and the
// statistic behind the largest one are what an alert names.
import { Calibrator, type CalibrationParams } from './online/calibrator.ts';
import { CHANNELS, type Channel } from './online/params.ts';

export type Direction = 'up' | 'down';

export interface FusedStep {
  /** Largest statistic/threshold ratio (0 when nothing was judged). */
  ratio: number;
  /** Index of the signal behind it, -1 when nothing was judged. */
  signal: number;
  channel: Channel | null;
  direction: Direction | null;
  /** Per signal: its own largest ratio reached 1 (its value is held back from its baseline). */
  anomalousSignals: Uint8Array;
  /** Per signal: the spike statistic's thresholds up and down (the band's half-widths in z). */
  spikeUp: Float64Array;
  spikeDown: Float64Array;
}

/**
 * One calibrator per (signal, channel, direction) of a series. Evidence is laid out as
 * `[f * CHANNELS.length + c]`, one array per direction.
 */
export class SeriesCalibration {
  private readonly up: Calibrator[];
  private readonly down: Calibrator[];

  constructor(
    private readonly featureCount: number,
    params: CalibrationParams,
  ) {
    const size = featureCount * CHANNELS.length;
    this.up = Array.from({ length: size }, () => new Calibrator(params));
    this.down = Array.from({ length: size }, () => new Calibrator(params));
  }

  /**
   * Judges one step: every available statistic (finite) of every scored signal (`scored[f]` 1;
   * context signals are left out) against its threshold, then records them all in their history.
   */
  fuse(up: Float64Array, down: Float64Array, scored: Uint8Array): FusedStep {
    const C = CHANNELS.length;
    const anomalousSignals = new Uint8Array(this.featureCount);
    const best = { ratio: 0, index: -1, direction: null as Direction | null };
    const judge = (values: Float64Array, calibrators: Calibrator[], direction: Direction): void => {
      for (let i = 0; i < values.length; i++) {
        const f = Math.floor(i / C);
        const value = values[i]!;
        if (scored[f] !== 1 || !Number.isFinite(value)) continue;
        const threshold = calibrators[i]!.threshold();
        const ratio = value / threshold;
        calibrators[i]!.record(value, threshold);
        if (ratio >= 1) anomalousSignals[f] = 1;
        if (ratio > best.ratio) Object.assign(best, { ratio, index: i, direction });
      }
    };
    judge(up, this.up, 'up');
    judge(down, this.down, 'down');
    const spikeUp = new Float64Array(this.featureCount);
    const spikeDown = new Float64Array(this.featureCount);
    for (let f = 0; f < this.featureCount; f++) {
      spikeUp[f] = this.up[f * C]!.threshold();
      spikeDown[f] = this.down[f * C]!.threshold();
    }
    return {
      ratio: best.ratio,
      signal: best.index >= 0 ? Math.floor(best.index / C) : -1,
      channel: best.index >= 0 ? CHANNELS[best.index % C]! : null,
      direction: best.direction,
      anomalousSignals,
      spikeUp,
      spikeDown,
    };
  }

  /** Forgets the forecast statistic's history (a new model's errors are not comparable). */
  resetChannel(channel: Channel): void {
    const c = CHANNELS.indexOf(channel);
    for (let f = 0; f < this.featureCount; f++) {
      this.up[f * CHANNELS.length + c]!.reset();
      this.down[f * CHANNELS.length + c]!.reset();
    }
  }
}

/**
 * Severity in [0, 1] from the fused ratio: 0.5 at the threshold, ≈0.94 at twice it, ≈0.06 at
 * half. A logistic in log(ratio), so it reads the same on every series and statistic.
 */
export function squashRatio(ratio: number): number {
  if (!(ratio > 0) || !Number.isFinite(ratio)) return ratio === Number.POSITIVE_INFINITY ? 1 : 0;
  return 1 / (1 + ratio ** -4);
}
