// Choosing the baseline's k: the value of BASELINE_K_GRID with the best NAB standard score over
// the given files, through the same alert policy as every method. Tuning is where a held-out
// file would leak into the verdict, so it refuses any file the split marks held-out.
import type { AlertPolicy } from '../alerts.ts';
import { BASELINE_K_GRID, flagsAtK, rollingMaxAbsZ } from './baseline.ts';
import type { LabelledFile } from './corpus.ts';
import { judge, nabTotals } from './evaluate.ts';
import { normalizedScore } from './nab.ts';

export interface BaselineTuning {
  k: number;
  /** The normalized NAB standard score of every candidate, on the tuning files. */
  candidates: Array<{ k: number; score: number }>;
  files: number;
}

/** The k with the best NAB standard score (the smallest such k on a tie). */
export function tuneBaselineK(
  files: readonly LabelledFile[],
  policyFor: (stepSeconds: number) => AlertPolicy,
  grid: readonly number[] = BASELINE_K_GRID,
): BaselineTuning {
  const heldOut = files.filter((f) => f.split === 'held-out');
  if (heldOut.length > 0) {
    throw new Error(
      `refusing to tune on the held-out split (${heldOut.map((f) => f.name).join(', ')}): tune on tuning files only`,
    );
  }
  if (files.length === 0) throw new Error('no files to tune the baseline on');
  const absZ = files.map((f) => rollingMaxAbsZ(f.grid));
  const candidates = grid.map((k) => {
    const raws = files.map(
      (f, i) => judge(f, flagsAtK(absZ[i]!, k), policyFor(f.grid.stepSeconds)).nab.standard.raw,
    );
    return { k, score: normalizedScore(nabTotals('standard', raws, files)) };
  });
  const best = candidates.reduce((a, b) => (b.score > a.score ? b : a));
  return { k: best.k, candidates, files: files.length };
}
