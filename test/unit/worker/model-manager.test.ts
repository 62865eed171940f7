// Hot reload and retraining: a worker whose models folder is empty scores with the shipped base
// model; a version saved while the worker runs is picked up without a restart; periodic
// retraining saves a new version that is then loaded like any other.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BASE_MODEL_DIR, baseModelVersion } from '../../../models/base-model.ts';
import type { LoadedModel } from '../../../models/store.ts';
import { trainModel } from '../../../models/train.ts';
import {
  ModelManager,
  type ModelManagerConfig,
} from '../../../services/anomaly-worker/model-manager.ts';
import { signalSeries } from '../../support/series-writer.ts';
import { silentLogger } from '../../support/stack.ts';

const dirs: string[] = [];
const managers: ModelManager[] = [];

afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.shutdown()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A tiny model (seconds to train) saved under <root>/go-runtime, made for `stepSeconds`. */
async function saveTinyModel(root: string, stepSeconds = 15): Promise<LoadedModel> {
  const series = signalSeries(
    Date.UTC(2026, 0, 1),
    stepSeconds,
    300,
    (signal, t) => 100 + signal.length + 10 * Math.sin(t / 5) + ((t * 7919) % 7),
  );
  const result = await trainModel({
    series: new Map([['acme/svc/pod-1', series]]),
    window: 8,
    units: 4,
    epochs: 1,
    outDir: root,
    modelName: 'go-runtime',
  });
  return result.model;
}

function manager(
  root: string,
  overrides: Partial<ModelManagerConfig>,
  retrain: () => Promise<LoadedModel> = () => Promise.reject(new Error('no retraining here')),
) {
  const loaded: LoadedModel[] = [];
  const m = new ModelManager(
    {
      modelDir: join(root, 'go-runtime'),
      reloadIntervalMs: 50,
      stepSeconds: 15,
      retrainIntervalMs: 0,
      ...overrides,
    },
    { onModel: (model) => loaded.push(model), retrain, log: silentLogger },
  );
  managers.push(m);
  return { m, loaded };
}

function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'telepipe-models-'));
  dirs.push(dir);
  return dir;
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('ModelManager', () => {
  it('starts with the shipped base model and loads a version saved later, without a restart', async () => {
    const root = tempRoot();
    const { m, loaded } = manager(root, {});
    await m.start();
    expect(loaded.map((model) => model.path)).toEqual([
      join(BASE_MODEL_DIR, (await baseModelVersion())!),
    ]);
    // Polling an empty folder again does not reload the base model.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(loaded).toHaveLength(1);
    const saved = await saveTinyModel(root);
    saved.forecaster.dispose();
    await until(() => loaded.length === 2);
    expect(loaded[1]!.metadata.version).toBe(saved.metadata.version);
    // Polling again finds nothing newer: no third load.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(loaded).toHaveLength(2);
    for (const model of loaded) model.forecaster.dispose();
  }, 60_000);

  it('loads the newest version present at start', async () => {
    const root = tempRoot();
    (await saveTinyModel(root)).forecaster.dispose();
    const { m, loaded } = manager(root, {});
    await m.start();
    expect(loaded).toHaveLength(1);
    loaded[0]!.forecaster.dispose();
  }, 60_000);

  it('retrains periodically and switches to the version it saved', async () => {
    const root = tempRoot();
    let trainings = 0;
    const { m, loaded } = manager(
      root,
      { retrainIntervalMs: 100, reloadIntervalMs: 3_600_000 },
      async () => {
        trainings++;
        return saveTinyModel(root);
      },
    );
    await m.start();
    // the base model first (the folder is empty), then the version retraining saved
    await until(() => loaded.length >= 2);
    expect(trainings).toBeGreaterThanOrEqual(1);
    expect(loaded[0]!.path).toContain(BASE_MODEL_DIR);
    expect(loaded[1]!.path).toContain(join(root, 'go-runtime'));
    for (const model of loaded) model.forecaster.dispose();
  }, 60_000);

  it('refuses a model made for another step', async () => {
    const root = tempRoot();
    (await saveTinyModel(root, 60)).forecaster.dispose();
    const { m, loaded } = manager(root, {});
    await m.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(loaded).toEqual([]);
  }, 60_000);
});
