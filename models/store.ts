// Versioned model folders: <root>/<modelName>/<version>/{model.json, weights.bin, metadata.json}.
// tfjs-node's file:// handler is not available on the wasm backend, so this module has its own
// file-system save and load handlers. A version is written to a temporary folder and renamed into
// place, so a reader never sees half a model.
import * as tf from '@tensorflow/tfjs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { selectBackend, type ModelLog } from './backend.ts';
import { LstmForecaster } from './lstm.ts';

/** 2: input normalized online per series (rolling median/MAD), no per-series statistics stored. */
export const METADATA_FORMAT = 2;

const normalizationSchema = z.object({
  baselineSteps: z.number().int().positive(),
  minSteps: z.number().int().positive(),
});

export const modelMetadataSchema = z.object({
  format: z.literal(METADATA_FORMAT),
  modelName: z.string().min(1),
  version: z.string().regex(/^v\d{8}T\d{6}Z(-\d+)?$/),
  createdAt: z.string(),
  kind: z.literal('lstm-forecaster'),
  features: z.array(z.string()).min(1),
  /** Features used as model input only, not scored by the detector. */
  contextSignals: z.array(z.string()),
  window: z.number().int().positive(),
  stepSeconds: z.number().positive(),
  units: z.number().int().positive(),
  learningRate: z.number(),
  seed: z.number().int(),
  maxGapSteps: z.number().int().nonnegative(),
  /** How every series' input is normalized, online (models/features.ts InputNormalization). */
  normalization: normalizationSchema,
  /** Validation RMSE per feature (normalized units); errors are divided by it before aggregating. */
  errorScale: z.array(z.number().positive()),
  trainingRange: z.object({
    startMs: z.number(),
    endMs: z.number(),
    series: z.number().int(),
    trainWindows: z.number().int(),
    validationWindows: z.number().int(),
  }),
  validation: z.object({
    mse: z.number(),
    rmsePerFeature: z.array(z.number()),
    /** Per feature, 1 − MSE(model) / MSE(rolling median) on the validation windows. */
    skillPerFeature: z.array(z.number()),
    epochsRun: z.number().int(),
    bestEpoch: z.number().int(),
  }),
  training: z.object({
    durationMs: z.number(),
    backend: z.string(),
    /** The version whose weights training started from (null: from scratch). */
    startedFrom: z.string().nullable(),
  }),
});

export type ModelMetadata = z.infer<typeof modelMetadataSchema>;
export type ModelMetadataDraft = Omit<ModelMetadata, 'format' | 'version' | 'createdAt'>;

export interface LoadedModel {
  forecaster: LstmForecaster;
  metadata: ModelMetadata;
  /** The version folder it came from, or null if it was never saved. */
  path: string | null;
}

const VERSION_PATTERN = /^v\d{8}T\d{6}Z(-\d+)?$/;
const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const METADATA_JSON = 'metadata.json';

/** `v20261123T210000Z` for 2026-11-23 21:00:00 UTC: lexical order is time order. */
export function versionName(date: Date): string {
  return (
    'v' +
    date
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}Z$/, 'Z')
  );
}

export function isVersionName(name: string): boolean {
  return VERSION_PATTERN.test(name);
}

/** Orders versions by time, then by the collision suffix (-2, -3, ...). */
export function compareVersions(a: string, b: string): number {
  const [baseA = '', suffixA = '1'] = a.split('-');
  const [baseB = '', suffixB = '1'] = b.split('-');
  return baseA === baseB ? Number(suffixA) - Number(suffixB) : baseA < baseB ? -1 : 1;
}

/**
 * Saves model + metadata as a new version under `modelDir` (= <root>/<modelName>) and returns
 * the version folder and the final metadata.
 */
export async function saveModel(
  modelDir: string,
  forecaster: LstmForecaster,
  draft: ModelMetadataDraft,
  now: Date = new Date(),
): Promise<{ path: string; metadata: ModelMetadata }> {
  await mkdir(modelDir, { recursive: true });
  const version = await freeVersionName(modelDir, versionName(now));
  const metadata = modelMetadataSchema.parse({
    ...draft,
    format: METADATA_FORMAT,
    version,
    createdAt: now.toISOString(),
  });
  const staging = path.join(modelDir, `.staging-${version}-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging);
  try {
    await forecaster.model.save(fileSaveHandler(staging));
    await writeFile(path.join(staging, METADATA_JSON), JSON.stringify(metadata, null, 2) + '\n');
    const target = path.join(modelDir, version);
    await rename(staging, target);
    return { path: target, metadata };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function freeVersionName(modelDir: string, base: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!(await exists(path.join(modelDir, candidate)))) return candidate;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** A tfjs save handler writing model.json (topology + weights manifest) and weights.bin. */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []);
    const modelJson: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology ?? {},
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
      convertedBy: null,
      weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
    };
    if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
    await writeFile(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
    await writeFile(path.join(dir, WEIGHTS_BIN), Buffer.from(weights));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
}

/** A tfjs load handler reading what `fileSaveHandler` wrote. */
export function fileLoadHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const modelJson = JSON.parse(
        await readFile(path.join(dir, MODEL_JSON), 'utf8'),
      ) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(
          manifest.flatMap((group) => group.paths).map((p) => readFile(path.join(dir, p))),
        );
        const joined = Buffer.concat(buffers);
        const data = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
        return [specs, data];
      });
    },
  };
}

export async function readMetadata(versionDir: string): Promise<ModelMetadata> {
  const raw: unknown = JSON.parse(await readFile(path.join(versionDir, METADATA_JSON), 'utf8'));
  return modelMetadataSchema.parse(raw);
}

export async function loadModel(versionDir: string, log?: ModelLog): Promise<LoadedModel> {
  // Weights are created on the current backend: make sure it is the chosen one first.
  await selectBackend(log);
  const metadata = await readMetadata(versionDir);
  const model = await tf.loadLayersModel(fileLoadHandler(versionDir));
  const forecaster = LstmForecaster.fromModel(model, {
    features: metadata.features,
    window: metadata.window,
    units: metadata.units,
    learningRate: metadata.learningRate,
    seed: metadata.seed,
  });
  return { forecaster, metadata, path: versionDir };
}

/** Complete versions (metadata.json present) under `modelDir`, oldest first. */
export async function listVersions(modelDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(modelDir);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return [];
    throw error;
  }
  const complete: string[] = [];
  for (const name of names.filter(isVersionName)) {
    if (await exists(path.join(modelDir, name, METADATA_JSON))) complete.push(name);
  }
  return complete.sort(compareVersions);
}

/** Loads the newest version under `modelDir` (= <root>/<modelName>), or null if there is none. */
export async function loadLatest(modelDir: string, log?: ModelLog): Promise<LoadedModel | null> {
  const versions = await listVersions(modelDir);
  const latest = versions.at(-1);
  return latest ? loadModel(path.join(modelDir, latest), log) : null;
}
