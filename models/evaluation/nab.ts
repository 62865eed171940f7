// The Numenta Anomaly Benchmark's scoring rules (NAB, nab/sweeper.py and nab/runner.py at commit
// ea702d7), for detections given as row indices. Per file:
// - rows before the probationary period (15 % of the file, at most 750 rows) are not scored;
// - the first detection inside a label window earns the scaled sigmoid of its position in the
//   window (≈ tpWeight at the window's start, less towards its end); later detections in the same
//   window add nothing; a window without a detection costs fnWeight;
// - a detection outside every window costs fpWeight times the scaled sigmoid of its distance past
//   the preceding window (little right after a window, the full fpWeight far from it or when no
//   window precedes it).
// Over a corpus the raw scores are summed and normalized: 100 · (raw − null) / (perfect − null),
// where the null detector detects nothing and the perfect one earns tpWeight per window.

export interface NabProfile {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

/** NAB's config/profiles.json (its tnWeight is not used by its scorer). */
export const NAB_PROFILES = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
} as const satisfies Record<string, NabProfile>;

export type NabProfileName = keyof typeof NAB_PROFILES;
export const NAB_PROFILE_NAMES = Object.keys(NAB_PROFILES) as NabProfileName[];

/** A label window: first and last row, inclusive (file order). */
export interface RowWindow {
  start: number;
  end: number;
}

export const PROBATION_FRACTION = 0.15;
/** NAB caps the probationary period at 15 % of 5000 rows. */
const PROBATION_CAP = PROBATION_FRACTION * 5000;

/** Rows at the start of a file that are not scored. */
export function probationLength(rows: number): number {
  return Math.min(Math.floor(PROBATION_FRACTION * rows), PROBATION_CAP);
}

/** 2·sigmoid(−5x) − 1: +0.987 at x = −1, 0 at x = 0, −0.987 at x = 1; −1 beyond x = 3. */
export function scaledSigmoid(x: number): number {
  return x > 3 ? -1 : 2 / (1 + Math.exp(5 * x)) - 1;
}

const MAX_TP = scaledSigmoid(-1);

export interface NabFileScore {
  raw: number;
  /** Scored windows (ending after the probationary period) with a detection inside. */
  detectedWindows: number;
  /** Scored windows without one. */
  missedWindows: number;
  /** Detections after the probationary period outside every window. */
  falsePositives: number;
}

/**
 * NAB's score of one file. `windows` sorted and disjoint; `detections` row indices (any order,
 * duplicates allowed).
 */
export function nabFileScore(
  rows: number,
  windows: readonly RowWindow[],
  detections: readonly number[],
  profile: NabProfile,
): NabFileScore {
  const probation = probationLength(rows);
  const scored = windows.filter((w) => w.end >= probation);
  const best = scored.map(() => -profile.fnWeight);
  let fpSum = 0;
  let falsePositives = 0;
  for (const row of new Set(detections)) {
    if (row < probation || row >= rows) continue;
    const inside = scored.findIndex((w) => w.start <= row && row <= w.end);
    if (inside >= 0) {
      best[inside] = Math.max(best[inside]!, windowReward(scored[inside]!, row, profile));
    } else {
      fpSum += falsePositiveCost(windows, row, profile);
      falsePositives++;
    }
  }
  const detectedWindows = best.filter((b) => b > -profile.fnWeight).length;
  return {
    raw: best.reduce((a, b) => a + b, 0) + fpSum,
    detectedWindows,
    missedWindows: scored.length - detectedWindows,
    falsePositives,
  };
}

/** The detection's reward: the scaled sigmoid of its relative position, tpWeight at best. */
function windowReward(window: RowWindow, row: number, profile: NabProfile): number {
  const width = window.end - window.start + 1;
  const position = -(window.end - row + 1) / width;
  return (scaledSigmoid(position) * profile.tpWeight) / MAX_TP;
}

/** A false positive's (negative) score, relative to the last window that ended before it. */
function falsePositiveCost(
  windows: readonly RowWindow[],
  row: number,
  profile: NabProfile,
): number {
  const previous = windows.filter((w) => w.end < row).at(-1);
  if (!previous) return -profile.fpWeight;
  // NAB divides by (width − 1); a one-row window would divide by zero there: count it as far.
  const span = previous.end - previous.start;
  const position = span > 0 ? (row - previous.end) / span : Number.POSITIVE_INFINITY;
  return scaledSigmoid(position) * profile.fpWeight;
}

/** What the null detector (no detection at all) scores on a file. */
export function nullFileScore(
  rows: number,
  windows: readonly RowWindow[],
  profile: NabProfile,
): number {
  return nabFileScore(rows, windows, [], profile).raw;
}

/** NAB's perfect score counts every labelled window, as its runner does. */
export function perfectFileScore(windows: readonly RowWindow[], profile: NabProfile): number {
  return windows.length * profile.tpWeight;
}

export interface NabTotals {
  raw: number;
  null: number;
  perfect: number;
}

/** 100 for the perfect detector, 0 for the null detector; NaN for a corpus without windows. */
export function normalizedScore(totals: NabTotals): number {
  const range = totals.perfect - totals.null;
  return range > 0 ? (100 * (totals.raw - totals.null)) / range : Number.NaN;
}
