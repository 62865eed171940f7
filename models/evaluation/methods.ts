// The methods an evaluation compares, each a function from one file's grid to per-step anomaly
// flags. Ours run with their shipped defaults (no threshold chosen per run); only the baseline
// has a parameter, k, tuned on the tuning split.
import type { ModelLog } from '../backend.ts';
import type { StepScore } from '../step-score.ts';
import type { MultiSeries } from '../features.ts';
import { scoreGrid, type ModelUse } from '../score-grid.ts';
import type { LoadedModel } from '../store.ts';
import { flagsAtK, rollingMaxAbsZ } from './baseline.ts';
import type { MethodName } from './names.ts';

export const METHOD_DESCRIPTIONS: Record<MethodName, string> = {
  telepipe:
    'the product detector; with a train fraction F > 0 a model trained on the first F of each file, else the saved model when its features are columns of the file',
  online: 'the same detector without any model: the cold-start / online path alone',
  'rolling-z': 'baseline: |z| over the previous 24 h of rows ≥ k, k tuned on the tuning split',
};

export interface MethodContext {
  /** The model `telepipe` scores with when trainFraction is 0 (null: none). */
  model: LoadedModel | null;
  trainFraction: number;
  /** The baseline's threshold on |z|. */
  baselineK: number;
  /** Epochs of per-file training (default: scoreGrid's). */
  epochs?: number;
  log?: ModelLog;
  notify?: (message: string) => void;
}

export interface MethodRun {
  /** Anomalous flag per grid step. */
  flags: boolean[];
  /** How `telepipe` scored the file ('-' for the others). */
  model: ModelUse | '-';
}

export type Method = (grid: MultiSeries, context: MethodContext) => Promise<MethodRun>;

export const METHODS: Record<MethodName, Method> = {
  telepipe: async (grid, context) => {
    const scoring = await scoreGrid(grid, {
      model: context.model,
      trainFraction: context.trainFraction,
      epochs: context.epochs,
      log: context.log,
      notify: context.notify,
    });
    return { flags: stepFlags(grid, scoring.scores), model: scoring.model };
  },
  online: async (grid, context) => {
    const scoring = await scoreGrid(grid, { model: null, notify: context.notify });
    return { flags: stepFlags(grid, scoring.scores), model: scoring.model };
  },
  'rolling-z': (grid, context) =>
    Promise.resolve({ flags: flagsAtK(rollingMaxAbsZ(grid), context.baselineK), model: '-' }),
};

/** The detector's flags laid on the grid (a step it did not score is not anomalous). */
function stepFlags(grid: MultiSeries, scores: readonly StepScore[]): boolean[] {
  const length = grid.values[0]?.length ?? 0;
  const flags = new Array<boolean>(length).fill(false);
  const stepMs = grid.stepSeconds * 1000;
  for (const s of scores) {
    const step = Math.round((s.timestampMs - grid.startMs) / stepMs);
    if (step >= 0 && step < length) flags[step] = s.anomalous;
  }
  return flags;
}
