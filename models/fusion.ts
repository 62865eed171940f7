// Fusion: every statistic of every scored signal is divided by its own dynamic threshold; the
// largest ratio decides the step. A step is anomalous when any ratio reaches 1; the signal and the
// statistic behind the largest one are what an alert names.
import { Calibrator } from './online/calibrator.ts';
import { channelCalibration, CHANNELS, type Channel, type OnlineParams } from './online/params.ts';

export type Direction = 'up' | 'down';

/** Bits of a signal's alerting mask: the directions it alerts on (0: a context signal). */
export const ALERT_UP = 1;
export const ALERT_DOWN = 2;

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
    private readonly params: OnlineParams,
    stepSeconds: number,
  ) {
    const size = featureCount * CHANNELS.length;
    const make = (i: number): Calibrator =>
      new Calibrator(channelCalibration(params, CHANNELS[i % CHANNELS.length]!), stepSeconds);
    this.up = Array.from({ length: size }, (_, i) => make(i));
    this.down = Array.from({ length: size }, (_, i) => make(i));
  }

  /**
   * Judges one step. Every available (finite) statistic is compared with its threshold and
   * recorded in its history; a signal decides only in the directions its `alerting[f]` mask names
   * (ALERT_UP, ALERT_DOWN); context signals (mask 0) are judged too but never decide.
   * A scored signal's ratio is divided by the context's ratio for the same statistic and
   * direction when that is above 1: a move the load made as well (latency rising with a traffic
   * peak) is explained by the load, not a symptom of the runtime.
   */
  fuse(up: Float64Array, down: Float64Array, alerting: Uint8Array): FusedStep {
    const C = CHANNELS.length;
    const anomalousSignals = new Uint8Array(this.featureCount);
    const best = { ratio: 0, index: -1, direction: null as Direction | null };
    const judge = (values: Float64Array, calibrators: Calibrator[], direction: Direction): void => {
      const bit = direction === 'up' ? ALERT_UP : ALERT_DOWN;
      const ratios = new Float64Array(values.length).fill(Number.NaN);
      for (let i = 0; i < values.length; i++) {
        const value = values[i]!;
        if (!Number.isFinite(value)) continue;
        const threshold = calibrators[i]!.threshold();
        ratios[i] = value / threshold;
        calibrators[i]!.record(value, threshold);
      }
      const context = this.contextRatios(ratios, alerting);
      for (let i = 0; i < values.length; i++) {
        const f = Math.floor(i / C);
        if ((alerting[f]! & bit) === 0 || !Number.isFinite(ratios[i]!)) continue;
        const ratio = ratios[i]! / context[i % C]!;
        if (ratio >= 1) anomalousSignals[f] = 1;
        if (ratio > best.ratio || best.index < 0)
          Object.assign(best, { ratio, index: i, direction });
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

  /** Per statistic, the context signals' largest ratio over `contextShare` (at least 1). */
  private contextRatios(ratios: Float64Array, alerting: Uint8Array): Float64Array {
    const C = CHANNELS.length;
    const context = new Float64Array(C).fill(1);
    for (let i = 0; i < ratios.length; i++) {
      if (alerting[Math.floor(i / C)] !== 0) continue;
      const explained = ratios[i]! / this.params.contextShare;
      if (explained > context[i % C]!) context[i % C] = explained;
    }
    return context;
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
