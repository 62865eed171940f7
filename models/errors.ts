// How per-signal forecast errors become one smoothed error per step, and its driving signal.

/** Standardized per-signal errors are capped here so one wild sample cannot swamp the EWMA. */
export const SIGNAL_ERROR_CAP = 20;

/**
 * residual[f] / errorScale[f], signed, capped at ±SIGNAL_ERROR_CAP, NaN where the signal was not
 * observed (mask 0). `residual` is observed minus expected in normalized units and `errorScale`
 * the model's validation RMSE per signal, so 1.0 means "a typical miss" for every signal and a
 * signal that is simply hard to forecast does not dominate.
 */
export function standardizeErrors(
  residual: ArrayLike<number>,
  errorScale: ArrayLike<number>,
  mask: ArrayLike<number>,
  out: Float64Array = new Float64Array(residual.length),
): Float64Array {
  for (let f = 0; f < residual.length; f++) {
    const z = (residual[f] ?? Number.NaN) / (errorScale[f] ?? 1);
    out[f] =
      mask[f] === 1 && Number.isFinite(z)
        ? Math.max(-SIGNAL_ERROR_CAP, Math.min(z, SIGNAL_ERROR_CAP))
        : Number.NaN;
  }
  return out;
}

export type SmoothingMode = 'signed' | 'absolute';
export type AggregateMode = 'max' | 'rms';

/**
 * Per-signal EWMA of standardized errors, then one number per step: the root mean square over
 * the signals ('rms', default) or the largest ('max'). The driving signal is always the one with
 * the largest smoothed magnitude. In 'signed' mode (default) the EWMA runs over the signed error
 * and the magnitude is taken after, so noise cancels while a forecast that keeps missing in one
 * direction (a ramp the LSTM follows with a lag) accumulates; 'absolute' is Hundman et al.'s EWMA
 * of |error|. docs/detection.md has the measurements behind the defaults.
 */
export class SignalSmoother {
  readonly smoothed: Float64Array;
  private readonly alpha: number;

  constructor(
    featureCount: number,
    span: number,
    private readonly mode: SmoothingMode = 'signed',
    private readonly aggregate: AggregateMode = 'rms',
  ) {
    this.smoothed = new Float64Array(featureCount).fill(Number.NaN);
    this.alpha = 2 / (span + 1);
  }

  /**
   * Updates with one step (NaN = not observed, that signal keeps its value). A signal with
   * `active[f]` 0 is absent: its smoothed value is dropped, so it neither counts in the aggregate
   * nor can be the driving signal, and it starts afresh if it comes back.
   */
  update(
    standardized: ArrayLike<number>,
    active?: ArrayLike<number>,
  ): { smoothed: number; driving: number } {
    let driving = -1;
    let max = Number.NaN;
    let sumSq = 0;
    let n = 0;
    for (let f = 0; f < this.smoothed.length; f++) {
      if (active && active[f] !== 1) {
        this.smoothed[f] = Number.NaN;
        continue;
      }
      const raw = standardized[f] ?? Number.NaN;
      const z = this.mode === 'signed' ? raw : Math.abs(raw);
      const prev = this.smoothed[f] ?? Number.NaN;
      if (Number.isFinite(z)) {
        this.smoothed[f] = Number.isFinite(prev) ? this.alpha * z + (1 - this.alpha) * prev : z;
      }
      const s = Math.abs(this.smoothed[f] ?? Number.NaN);
      if (!Number.isFinite(s)) continue;
      sumSq += s * s;
      n++;
      if (!(s <= max)) {
        max = s;
        driving = f;
      }
    }
    return {
      smoothed: this.aggregate === 'max' ? max : n > 0 ? Math.sqrt(sumSq / n) : Number.NaN,
      driving,
    };
  }

  reset(): void {
    this.smoothed.fill(Number.NaN);
  }
}

/** A step's raw error: the magnitudes combined like the smoothed ones (NaN if none observed). */
export function combineErrors(
  standardized: ArrayLike<number>,
  aggregate: AggregateMode = 'rms',
): number {
  let max = Number.NaN;
  let sumSq = 0;
  let n = 0;
  for (let f = 0; f < standardized.length; f++) {
    const v = Math.abs(standardized[f] ?? Number.NaN);
    if (!Number.isFinite(v)) continue;
    sumSq += v * v;
    n++;
    if (!(v <= max)) max = v;
  }
  if (n === 0) return Number.NaN;
  return aggregate === 'max' ? max : Math.sqrt(sumSq / n);
}
