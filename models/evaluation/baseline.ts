// The baseline every detector must beat: a rolling z-score over the previous day. At each step,
// z = (x − mean) / std of the previous 24 hours of observed values of the column (the current
// step excluded, so it is causal); a multivariate step takes the largest |z| over its columns.
// A step is flagged when |z| ≥ k. k is tuned on the tuning split only (tuneBaselineK).
import type { MultiSeries } from '../features.ts';

const DAY_SECONDS = 86_400;
/** Steps of the previous day, from the grid's (median) step. */
export function stepsPerDay(stepSeconds: number): number {
  return Math.max(2, Math.round(DAY_SECONDS / stepSeconds));
}

/**
 * std below this share of |mean| (or below 1e-9 for a mean of 0) is raised to it: on a flat
 * stretch any change is anomalous, but finitely so.
 */
const STD_FLOOR_SHARE = 1e-3;
const STD_FLOOR_ABSOLUTE = 1e-9;

/** The candidates for k: 1.0, 1.25, …, 8.0. */
export const BASELINE_K_GRID: readonly number[] = Array.from({ length: 29 }, (_, i) => 1 + i / 4);

/**
 * max over columns of |z| per step; NaN where no column has a value and a quarter of a day of
 * observed history (at least 2 values).
 */
export function rollingMaxAbsZ(grid: MultiSeries): Float64Array {
  const window = stepsPerDay(grid.stepSeconds);
  const minHistory = Math.max(2, Math.ceil(window / 4));
  const length = grid.values[0]?.length ?? 0;
  const out = new Float64Array(length).fill(Number.NaN);
  for (const column of grid.values) {
    const z = columnAbsZ(column, window, minHistory);
    for (let t = 0; t < length; t++) {
      const v = z[t]!;
      if (Number.isFinite(v) && !(out[t]! >= v)) out[t] = v;
    }
  }
  return out;
}

/** |z| of one column against a sliding window of its previous `window` steps (Welford updates). */
function columnAbsZ(column: Float64Array, window: number, minHistory: number): Float64Array {
  const out = new Float64Array(column.length).fill(Number.NaN);
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let t = 0; t < column.length; t++) {
    const x = column[t]!;
    if (Number.isFinite(x) && n >= minHistory) {
      const std = Math.sqrt(Math.max(0, m2) / (n - 1));
      const floor = Math.max(STD_FLOOR_SHARE * Math.abs(mean), STD_FLOOR_ABSOLUTE);
      out[t] = Math.abs(x - mean) / Math.max(std, floor);
    }
    // Slide: x joins the history, the value `window` steps back leaves it.
    if (Number.isFinite(x)) {
      n++;
      const d = x - mean;
      mean += d / n;
      m2 += d * (x - mean);
    }
    const old = t - window >= 0 ? column[t - window]! : Number.NaN;
    if (Number.isFinite(old)) {
      n--;
      if (n === 0) {
        mean = 0;
        m2 = 0;
      } else {
        const d = old - mean;
        mean -= d / n;
        m2 -= d * (old - mean);
      }
    }
  }
  return out;
}

/** Steps with |z| ≥ k. */
export function flagsAtK(absZ: Float64Array, k: number): boolean[] {
  return Array.from(absZ, (z) => z >= k);
}
