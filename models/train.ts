// Trains one shared LSTM forecaster over many series (each normalized with its own robust
// statistics) and saves it as a new version. No ClickHouse here: the worker fetches the series
// and calls trainModel.
import path from 'node:path';
import { selectBackend, type ModelLog } from './backend.ts';
import {
  buildWindows,
  DEFAULT_CONTEXT_SIGNALS,
  DEFAULT_GAP_POLICY,
  DEFAULT_INPUT_NORMALIZATION,
  prepareSeries,
  seriesLength,
  trainingTargets,
  type InputNormalization,
  type MultiSeries,
  type PreparedSeries,
  type WindowSet,
} from './features.ts';
import { DEFAULT_LSTM_CONFIG, LstmForecaster, seededRandom, type FitProgress } from './lstm.ts';
import {
  METADATA_FORMAT,
  saveModel,
  versionName,
  type LoadedModel,
  type ModelMetadata,
  type ModelMetadataDraft,
} from './store.ts';

export const DEFAULT_MODEL_NAME = 'go-runtime';
export const DEFAULT_MODELS_DIR = path.join('models', 'saved');

export interface TrainOptions {
  series: ReadonlyMap<string, MultiSeries>;
  window?: number;
  epochs?: number;
  units?: number;
  batchSize?: number;
  learningRate?: number;
  /** Stop after this many epochs without validation improvement. */
  patience?: number;
  /** The last fraction of each series (in time) is the validation split. */
  validationFraction?: number;
  /** Use every n-th training window (adjacent windows overlap almost entirely). */
  stride?: number;
  /** Cap on training windows; more are subsampled evenly. */
  maxWindows?: number;
  maxGapSteps?: number;
  /** Features the detector will not score (default: request_rate when present). */
  contextSignals?: readonly string[];
  seed?: number;
  /**
   * A model to start from (its weights; scheduled retraining starts from the shipped base model):
   * window, units and features must match.
   */
  startFrom?: LoadedModel | null;
  modelName?: string;
  /** Root of saved models (default models/saved); the version goes to <outDir>/<modelName>/<version>. Null: do not save. */
  outDir?: string | null;
  onProgress?: (progress: FitProgress) => void;
  log?: ModelLog;
  now?: Date;
}

export interface TrainResult {
  /** The saved version folder, or null when outDir was null. */
  path: string | null;
  metadata: ModelMetadata;
  /** The trained model, ready for a Detector; the caller disposes it (model.forecaster.dispose()). */
  model: LoadedModel;
}

interface SeriesSplit {
  key: string;
  prep: PreparedSeries;
  trainTargets: number[];
  validationTargets: number[];
}

export async function trainModel(options: TrainOptions): Promise<TrainResult> {
  const backend = await selectBackend(options.log);
  const startFrom = options.startFrom ?? null;
  const window = options.window ?? startFrom?.metadata.window ?? DEFAULT_LSTM_CONFIG.window;
  const features = commonFeatures(options.series);
  const stepSeconds = commonStep(options.series);
  const maxGapSteps = options.maxGapSteps ?? DEFAULT_GAP_POLICY.maxGapSteps;
  const normalization = DEFAULT_INPUT_NORMALIZATION;
  const seed = options.seed ?? DEFAULT_LSTM_CONFIG.seed;

  const splits = splitSeries(options.series, window, {
    maxGapSteps,
    normalization,
    validationFraction: options.validationFraction ?? 0.15,
  });
  const train = buildWindows(
    splits.map((s) => ({ prep: s.prep, targets: s.trainTargets })),
    window,
  );
  const trainSet = subsample(train, options.stride ?? 1, options.maxWindows ?? 150_000, seed);
  const validation = buildWindows(
    splits.map((s) => ({ prep: s.prep, targets: s.validationTargets })),
    window,
  );
  if (trainSet.count === 0 || validation.count === 0) {
    throw new Error(
      `not enough data to train: ${trainSet.count} training / ${validation.count} validation windows`,
    );
  }

  const config = {
    features,
    window,
    units: options.units ?? startFrom?.metadata.units ?? DEFAULT_LSTM_CONFIG.units,
    learningRate: options.learningRate ?? DEFAULT_LSTM_CONFIG.learningRate,
    seed,
  };
  const forecaster = LstmForecaster.create(config);
  if (startFrom) forecaster.copyWeightsFrom(startFrom.forecaster);
  options.log?.info(
    {
      series: splits.length,
      trainWindows: trainSet.count,
      validationWindows: validation.count,
      backend,
    },
    'training LSTM forecaster',
  );
  const fit = await forecaster.fit(trainSet, validation, {
    epochs: options.epochs ?? 20,
    batchSize: options.batchSize ?? 128,
    patience: options.patience ?? 3,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const evaluation = await forecaster.evaluate(validation);
  const errorScale = evaluation.rmsePerFeature.map((r) => Math.max(r, 1e-3));
  const skill = forecastSkill(validation, evaluation.rmsePerFeature);
  const contextSignals = (options.contextSignals ?? DEFAULT_CONTEXT_SIGNALS).filter((c) =>
    features.includes(c),
  );

  const draft: ModelMetadataDraft = {
    modelName: options.modelName ?? DEFAULT_MODEL_NAME,
    kind: 'lstm-forecaster',
    features: [...features],
    contextSignals,
    window,
    stepSeconds,
    units: config.units,
    learningRate: config.learningRate,
    seed,
    maxGapSteps,
    normalization,
    errorScale,
    trainingRange: {
      ...timeRange(options.series),
      series: splits.length,
      trainWindows: trainSet.count,
      validationWindows: validation.count,
    },
    validation: {
      mse: evaluation.mse,
      rmsePerFeature: evaluation.rmsePerFeature,
      skillPerFeature: skill,
      epochsRun: fit.epochsRun,
      bestEpoch: fit.bestEpoch,
    },
    training: {
      durationMs: Math.round(fit.durationMs),
      backend,
      startedFrom: startFrom?.metadata.version ?? null,
    },
  };
  const outDir = options.outDir === undefined ? DEFAULT_MODELS_DIR : options.outDir;
  const now = options.now ?? new Date();
  if (outDir === null) {
    const metadata = unsavedMetadata(draft, now);
    return { path: null, metadata, model: { forecaster, metadata, path: null } };
  }
  const saved = await saveModel(path.join(outDir, draft.modelName), forecaster, draft, now);
  options.log?.info(
    { path: saved.path, valMse: evaluation.mse, epochs: fit.epochsRun },
    'model saved',
  );
  return { path: saved.path, metadata: saved.metadata, model: { forecaster, ...saved } };
}

function unsavedMetadata(draft: ModelMetadataDraft, now: Date): ModelMetadata {
  return {
    ...draft,
    format: METADATA_FORMAT,
    version: versionName(now),
    createdAt: now.toISOString(),
  };
}

function splitSeries(
  series: ReadonlyMap<string, MultiSeries>,
  window: number,
  options: { maxGapSteps: number; normalization: InputNormalization; validationFraction: number },
): SeriesSplit[] {
  const out: SeriesSplit[] = [];
  for (const [key, s] of series) {
    const length = seriesLength(s);
    const cut = Math.floor(length * (1 - options.validationFraction));
    const prep = prepareSeries(s, options.normalization, { maxGapSteps: options.maxGapSteps });
    out.push({
      key,
      prep,
      trainTargets: trainingTargets(prep, window, 0, cut),
      validationTargets: trainingTargets(prep, window, cut + window, length),
    });
  }
  return out;
}

function commonFeatures(series: ReadonlyMap<string, MultiSeries>): readonly string[] {
  const first = series.values().next().value;
  if (!first) throw new Error('no series to train on');
  for (const [key, s] of series) {
    if (s.features.join(',') !== first.features.join(',')) {
      throw new Error(
        `series ${key} has features ${s.features.join(',')}, expected ${first.features.join(',')}`,
      );
    }
  }
  return first.features;
}

function commonStep(series: ReadonlyMap<string, MultiSeries>): number {
  const steps = new Set([...series.values()].map((s) => s.stepSeconds));
  if (steps.size !== 1) throw new Error(`series have different steps: ${[...steps].join(', ')}`);
  return [...steps][0] ?? 15;
}

function timeRange(series: ReadonlyMap<string, MultiSeries>): { startMs: number; endMs: number } {
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  for (const s of series.values()) {
    startMs = Math.min(startMs, s.startMs);
    endMs = Math.max(endMs, s.startMs + seriesLength(s) * s.stepSeconds * 1000);
  }
  return { startMs, endMs };
}

/** Every `stride`-th window, then an even random subsample down to `max`. */
function subsample(set: WindowSet, stride: number, max: number, seed: number): WindowSet {
  const picked: number[] = [];
  for (let i = 0; i < set.count; i += Math.max(1, stride)) picked.push(i);
  if (picked.length > max) {
    const random = seededRandom(seed);
    for (let i = picked.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [picked[i], picked[j]] = [picked[j] ?? 0, picked[i] ?? 0];
    }
    picked.length = max;
    picked.sort((a, b) => a - b);
  }
  if (picked.length === set.count) return set;
  const xSize = set.window * set.featureCount;
  const x = new Float32Array(picked.length * xSize);
  const y = new Float32Array(picked.length * set.featureCount);
  picked.forEach((from, i) => {
    x.set(set.x.subarray(from * xSize, (from + 1) * xSize), i * xSize);
    y.set(
      set.y.subarray(from * set.featureCount, (from + 1) * set.featureCount),
      i * set.featureCount,
    );
  });
  return { ...set, count: picked.length, x, y };
}

/**
 * Per feature, 1 − MSE(model) / MSE(baseline) on the validation windows: how much better the
 * forecast is than the online detectors' expectation (the rolling median, 0 in normalized units).
 * Reported with the model; the detector measures the skill per series as it scores.
 */
function forecastSkill(validation: WindowSet, rmsePerFeature: readonly number[]): number[] {
  const F = validation.featureCount;
  const sumSq = new Float64Array(F);
  for (let i = 0; i < validation.count * F; i++) sumSq[i % F]! += validation.y[i]! ** 2;
  return rmsePerFeature.map((rmse, f) => {
    const baseline = sumSq[f]! / Math.max(1, validation.count);
    return baseline > 0 ? 1 - (rmse * rmse) / baseline : 0;
  });
}
