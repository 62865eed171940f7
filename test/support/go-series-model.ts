// Small models for tests that need a LoadedModel but not a trained one.
import { selectBackend } from '../../models/backend.ts';
import {
  DEFAULT_CONTEXT_SIGNALS,
  DEFAULT_INPUT_NORMALIZATION,
  GO_SIGNALS,
} from '../../models/features.ts';
import { LstmForecaster } from '../../models/lstm.ts';
import type { LoadedModel, ModelMetadata, ModelMetadataDraft } from '../../models/store.ts';

export async function untrainedModel(
  options: {
    features?: readonly string[];
    window?: number;
    units?: number;
    /** Signals the detector does not score (default: request_rate when present, as trainModel). */
    contextSignals?: readonly string[];
    version?: string;
  } = {},
): Promise<LoadedModel> {
  await selectBackend();
  const features = options.features ?? GO_SIGNALS;
  const window = options.window ?? 8;
  const units = options.units ?? 4;
  const forecaster = LstmForecaster.create({
    features,
    window,
    units,
    learningRate: 0.01,
    seed: 3,
  });
  const metadata: ModelMetadata = {
    format: 2,
    modelName: 'test-model',
    version: options.version ?? 'v20261123T210000Z',
    createdAt: '2026-11-23T21:00:00.000Z',
    kind: 'lstm-forecaster',
    features: [...features],
    contextSignals: [
      ...(options.contextSignals ?? DEFAULT_CONTEXT_SIGNALS.filter((c) => features.includes(c))),
    ],
    window,
    stepSeconds: 15,
    units,
    learningRate: 0.01,
    seed: 3,
    maxGapSteps: 4,
    normalization: DEFAULT_INPUT_NORMALIZATION,
    errorScale: features.map(() => 1),
    trainingRange: { startMs: 0, endMs: 1, series: 0, trainWindows: 0, validationWindows: 0 },
    validation: {
      mse: 1,
      rmsePerFeature: features.map(() => 1),
      skillPerFeature: features.map(() => 0),
      epochsRun: 0,
      bestEpoch: 0,
    },
    training: { durationMs: 0, backend: 'wasm', startedFrom: null },
  };
  return { forecaster, metadata, path: null };
}

/** The part of a model's metadata that saveModel takes (it adds format, version, createdAt). */
export function metadataDraft(metadata: ModelMetadata): ModelMetadataDraft {
  const { format, version, createdAt, ...draft } = metadata;
  void [format, version, createdAt];
  return draft;
}
