// Run gates: what a number detector needs of a digit run before it searches the run's
// window. They read a few characters, so most runs (timestamps, ids, counters) cost no
// regex search at all.
import type { DigitRun } from '../digit-windows.ts';

type RunGate = (text: string, run: DigitRun) => boolean;

/** Runs with at least `n` digits. */
export const digitsAtLeast =
  (n: number): RunGate =>
  (_text, run) =>
    run.digits >= n;

/** Whether the run is written with separators ("138 0013 8000", "415.555.2671"). */
export function hasSeparators(run: DigitRun): boolean {
  return run.end - run.start > run.digits;
}

/** Whether an upper-case letter is among the `within` characters before the run. */
export function upperCaseBefore(text: string, run: DigitRun, within: number): boolean {
  for (let i = run.start - 1; i >= Math.max(0, run.start - within); i--) {
    const code = text.charCodeAt(i);
    if (code >= 65 && code <= 90) return true;
  }
  return false;
}
