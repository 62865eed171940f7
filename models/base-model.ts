// The base model that ships with telepipe (models/base/go-runtime): an LSTM forecaster for the Go
// runtime signals trained on the simulator's corpus (models/base/README.md says what and how).
// A worker whose models folder holds no version of its own scores with it, and retraining on a
// user's history starts from it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelLog } from './backend.ts';
import { listVersions, loadLatest, type LoadedModel } from './store.ts';

/** Where the shipped versions live, whatever the working directory. */
export const BASE_MODEL_DIR = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'base',
  'go-runtime',
);

/** The newest shipped version, or null when this copy of telepipe ships none. */
export async function loadBaseModel(log?: ModelLog): Promise<LoadedModel | null> {
  return loadLatest(BASE_MODEL_DIR, log);
}

/** The newest shipped version's name (without loading it). */
export async function baseModelVersion(): Promise<string | null> {
  return (await listVersions(BASE_MODEL_DIR)).at(-1) ?? null;
}
