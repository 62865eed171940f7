import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  compareVersions,
  listVersions,
  loadLatest,
  loadModel,
  saveModel,
  versionName,
} from '../../../models/store.ts';
import { metadataDraft, untrainedModel } from '../../support/go-series-model.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'telepipe-models-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function randomWindows(count: number, window: number, features: number): Float32Array {
  let seed = 42;
  return Float32Array.from({ length: count * window * features }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648) * 4 - 2;
  });
}

describe('versions', () => {
  it('names versions by UTC time so that lexical order is time order', () => {
    expect(versionName(new Date('2026-11-23T21:00:00.123Z'))).toBe('v20261123T210000Z');
    const names = [
      'v20261124T000000Z',
      'v20261123T210000Z-2',
      'v20261123T210000Z',
      'v20261123T210000Z-10',
    ];
    expect(names.sort(compareVersions)).toEqual([
      'v20261123T210000Z',
      'v20261123T210000Z-2',
      'v20261123T210000Z-10',
      'v20261124T000000Z',
    ]);
  });
});

describe('save and load', () => {
  it('round-trips model.json, weights.bin and metadata.json; predictions are identical', async () => {
    const model = await untrainedModel({ window: 8, units: 6 });
    const draft = metadataDraft(model.metadata);
    const modelDir = path.join(root, 'go-runtime');
    const saved = await saveModel(
      modelDir,
      model.forecaster,
      draft,
      new Date('2026-11-23T21:00:00Z'),
    );
    expect(saved.path).toBe(path.join(modelDir, 'v20261123T210000Z'));
    expect((await readdir(saved.path)).sort()).toEqual([
      'metadata.json',
      'model.json',
      'weights.bin',
    ]);
    const modelJson = JSON.parse(await readFile(path.join(saved.path, 'model.json'), 'utf8')) as {
      weightsManifest: Array<{ paths: string[] }>;
    };
    expect(modelJson.weightsManifest[0]?.paths).toEqual(['weights.bin']);

    const loaded = await loadModel(saved.path);
    expect(loaded.metadata).toEqual(saved.metadata);
    expect(loaded.metadata.version).toBe('v20261123T210000Z');
    const x = randomWindows(5, 8, 6);
    const before = await model.forecaster.predict(x, 5);
    const after = await loaded.forecaster.predict(x, 5);
    expect(Array.from(after)).toEqual(Array.from(before));
    model.forecaster.dispose();
    loaded.forecaster.dispose();
  });

  it('loads the latest complete version and ignores unfinished folders', async () => {
    const model = await untrainedModel();
    const draft = metadataDraft(model.metadata);
    const modelDir = path.join(root, 'go-runtime');
    await saveModel(modelDir, model.forecaster, draft, new Date('2026-11-22T10:00:00Z'));
    await saveModel(modelDir, model.forecaster, draft, new Date('2026-11-23T10:00:00Z'));
    const clash = await saveModel(
      modelDir,
      model.forecaster,
      draft,
      new Date('2026-11-23T10:00:00Z'),
    );
    expect(path.basename(clash.path)).toBe('v20261123T100000Z-2');
    // -10 sorts before -2 as text; versions must sort by number
    await cp(clash.path, path.join(modelDir, 'v20261123T100000Z-10'), { recursive: true });
    // A newer folder without metadata.json (a crashed save) must not be picked.
    await mkdir(path.join(modelDir, 'v20261124T000000Z'));
    await writeFile(path.join(modelDir, 'v20261124T000000Z', 'model.json'), '{}');
    expect(await listVersions(modelDir)).toEqual([
      'v20261122T100000Z',
      'v20261123T100000Z',
      'v20261123T100000Z-2',
      'v20261123T100000Z-10',
    ]);
    const latest = await loadLatest(modelDir);
    expect(latest?.path).toBe(path.join(modelDir, 'v20261123T100000Z-10'));
    expect((await readdir(modelDir)).some((n) => n.startsWith('.staging'))).toBe(false);
    model.forecaster.dispose();
    latest?.forecaster.dispose();
  });

  it('returns null when there is no model yet', async () => {
    expect(await loadLatest(path.join(root, 'nothing-here'))).toBeNull();
  });

  it('rejects a format-1 model: its per-series normalization is not how input is scaled now', async () => {
    const model = await untrainedModel();
    const saved = await saveModel(
      path.join(root, 'old-format'),
      model.forecaster,
      metadataDraft(model.metadata),
      new Date('2026-11-20T10:00:00Z'),
    );
    const formatOne = {
      ...saved.metadata,
      format: 1,
      normalization: { 'acme/checkout/pod-1': { median: [1], scale: [1] } },
    };
    await writeFile(path.join(saved.path, 'metadata.json'), JSON.stringify(formatOne));
    await expect(loadModel(saved.path)).rejects.toThrow();
    model.forecaster.dispose();
  });

  it('rejects metadata that does not match the schema', async () => {
    const dir = path.join(root, 'bad', 'v20261123T210000Z');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'metadata.json'), JSON.stringify({ format: 1, window: -1 }));
    await expect(loadModel(dir)).rejects.toThrow();
  });
});
