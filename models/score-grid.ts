// Causal scoring of one series on a grid: the core of `telepipe score` and of the evaluation's
// `telepipe` method. Every step is scored from the steps before it only: no statistic is fitted
// on the whole series. With a train fraction F, a model is first trained on the first F of the
// steps (its normalization fitted there too), and the whole series is scored with it.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ModelLog } from './backend.ts';
import { Detector } from './detector.ts';
import type { StepScore } from './step-score.ts';
import { seriesLength, sliceSeries, type MultiSeries } from './features.ts';
import { DEFAULT_LSTM_CONFIG, type FitProgress } from './lstm.ts';
import { loadBaseModel } from './base-model.ts';
import { loadLatest, loadModel, type LoadedModel } from './store.ts';
import { trainModel } from './train.ts';

/** The series key a scored grid goes by (a trained model stores its normalization under it). */
const GRID_SERIES_KEY = 'csv';

/** A training part needs this many fully observed steps (10 windows); else: online detector. */
export const DEFAULT_MIN_TRAIN_STEPS = 10 * DEFAULT_LSTM_CONFIG.window;

export interface GridScoringOptions {
  /** A resolved model (see resolveScoringModel); ignored when trainFraction > 0. */
  model?: LoadedModel | null;
  /** Train a per-series model on the first F of the steps, 0 ≤ F < 1 (default 0: do not). */
  trainFraction?: number;
  minTrainSteps?: number;
  /** Epochs of per-series training (default 10, with early stopping). */
  epochs?: number;
  onProgress?: (progress: FitProgress) => void;
  log?: ModelLog;
  /** Told, in a sentence, when scoring falls back to the online detector and why. */
  notify?: (message: string) => void;
}

export type ModelUse = 'given' | 'trained' | 'none';

export interface GridScoring {
  /** One score per grid step that the detector accepted, in time order. */
  scores: StepScore[];
  /** 'given': the resolved model; 'trained': a model trained here; 'none': the online detector. */
  model: ModelUse;
  modelVersion: string | null;
  /** Grid steps the model was trained on (0 unless trained here). */
  trainedSteps: number;
}

export async function scoreGrid(
  grid: MultiSeries,
  options: GridScoringOptions = {},
): Promise<GridScoring> {
  const fraction = options.trainFraction ?? 0;
  assertTrainFraction(fraction);
  if (fraction > 0) return scoreWithTrainedModel(grid, fraction, options);
  const model = options.model ?? null;
  if (!model) return scoreWith(grid, null, 'none', 0);
  const projected = projectFeatures(grid, model.metadata.features);
  if (projected) return scoreWith(projected, model, 'given', 0);
  const missing = model.metadata.features.filter((f) => !grid.features.includes(f));
  options.notify?.(
    `model ${model.metadata.version} needs column(s) ${missing.join(', ')}, which the series lacks: scoring with the online detector (no model)`,
  );
  return scoreWith(grid, null, 'none', 0);
}

function assertTrainFraction(fraction: number): void {
  if (!(fraction >= 0 && fraction < 1)) {
    throw new Error(`--train-fraction must be a number with 0 ≤ F < 1, got ${fraction}`);
  }
}

async function scoreWithTrainedModel(
  grid: MultiSeries,
  fraction: number,
  options: GridScoringOptions,
): Promise<GridScoring> {
  const trainSteps = Math.floor(seriesLength(grid) * fraction);
  const observed = fullyObservedSteps(grid, trainSteps);
  const needed = options.minTrainSteps ?? DEFAULT_MIN_TRAIN_STEPS;
  if (observed < needed) {
    options.notify?.(
      `the first ${fraction} of the series has ${observed} fully observed steps, fewer than the ${needed} needed to train: scoring with the online detector (no model)`,
    );
    return scoreWith(grid, null, 'none', 0);
  }
  const trained = await trainModel({
    series: new Map([[GRID_SERIES_KEY, sliceSeries(grid, 0, trainSteps)]]),
    epochs: options.epochs ?? 10,
    outDir: null,
    onProgress: options.onProgress,
    log: options.log,
  });
  try {
    return await scoreWith(grid, trained.model, 'trained', trainSteps);
  } finally {
    trained.model.forecaster.dispose();
  }
}

async function scoreWith(
  grid: MultiSeries,
  model: LoadedModel | null,
  use: ModelUse,
  trainedSteps: number,
): Promise<GridScoring> {
  const detector = new Detector({
    model,
    features: grid.features,
    stepSeconds: grid.stepSeconds,
  });
  return {
    scores: await detector.scoreSeries(GRID_SERIES_KEY, grid),
    model: use,
    modelVersion: model?.metadata.version ?? null,
    trainedSteps,
  };
}

/** The grid with exactly `features`, in that order; null when one of them is not a column. */
function projectFeatures(grid: MultiSeries, features: readonly string[]): MultiSeries | null {
  const indexes = features.map((f) => grid.features.indexOf(f));
  if (indexes.some((i) => i < 0)) return null;
  return { ...grid, features: [...features], values: indexes.map((i) => grid.values[i]!) };
}

function fullyObservedSteps(grid: MultiSeries, steps: number): number {
  let count = 0;
  for (let t = 0; t < steps; t++) {
    if (grid.values.every((column) => Number.isFinite(column[t] ?? Number.NaN))) count++;
  }
  return count;
}

export interface ScoringModelOptions {
  /** `--model`: a version folder, or a model folder whose newest version is used. */
  model?: string;
  /** The configured model folder (worker.model.dir / worker.model.name). */
  modelDir: string;
  log?: ModelLog;
}

export interface ResolvedModel {
  model: LoadedModel;
  /** Where it came from, for the user: "--model <path>", "saved model under <dir>". */
  source: string;
}

/**
 * The model `telepipe score` uses without a train fraction: the one named by --model (an error
 * if there is none), else the newest saved version under the configured model folder, else the
 * next candidate in `defaultModelCandidates`; null when there is none at all (online detector).
 */
export async function resolveScoringModel(
  options: ScoringModelOptions,
): Promise<ResolvedModel | null> {
  if (options.model !== undefined) {
    return { model: await loadNamedModel(options.model, options.log), source: options.model };
  }
  for (const candidate of defaultModelCandidates(options)) {
    const model = await candidate.load();
    if (model) return { model, source: candidate.source };
  }
  return null;
}

interface ModelCandidate {
  source: string;
  load: () => Promise<LoadedModel | null>;
}

/**
 * Default models, most specific first: the user's own saved versions, then the base model that
 * ships with the project (a user's retrained model knows their services better).
 */
function defaultModelCandidates(options: ScoringModelOptions): ModelCandidate[] {
  return [
    {
      source: `saved model under ${options.modelDir}`,
      load: () => loadLatest(options.modelDir, options.log),
    },
    { source: 'the shipped base model', load: () => loadBaseModel(options.log) },
  ];
}

async function loadNamedModel(location: string, log: ModelLog | undefined): Promise<LoadedModel> {
  const isVersion = await stat(path.join(location, 'metadata.json')).then(
    () => true,
    () => false,
  );
  const loaded = isVersion ? await loadModel(location, log) : await loadLatest(location, log);
  if (!loaded) throw new Error(`--model ${location}: no saved model there`);
  return loaded;
}
