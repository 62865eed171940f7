// Trains the base model that ships with telepipe, reproducibly: the corpus is the Go runtime
// simulator (models/simulator/go-series.ts) over a wide range of services, loads, seasonality,
// restarts, traffic peaks, scrape gaps and both GC signal flavours, every series from a fixed
// seed. See models/base/README.md for the corpus, the result and why no public data is in it.
//   npm run train:base                write a new version under models/base/go-runtime
//   npm run train:base -- --dry-run   train and report, write nothing
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { selectBackend } from '../backend.ts';
import { BASE_MODEL_DIR } from '../base-model.ts';
import type { MultiSeries } from '../features.ts';
import {
  DEFAULT_START_MS,
  generateGoSeries,
  profileForSeed,
  STEPS_PER_DAY,
  type ServiceProfile,
} from '../simulator/go-series.ts';
import { Rng } from '../simulator/rng.ts';
import { listVersions } from '../store.ts';
import { trainModel } from '../train.ts';

/** The corpus: one series per service, each from its own seed. Changing any of it is a new model. */
export const BASE_CORPUS = {
  services: 40,
  /** Seeds 20001… (the tests and benches use seeds below 10000). */
  firstSeed: 20_001,
  days: 3,
  /** Every third service exports only the current runtime conventions (derived GC signals). */
  derivedGcEvery: 3,
} as const;

export const BASE_TRAINING = {
  epochs: 8,
  patience: 2,
  stride: 3,
  maxWindows: 120_000,
  seed: 7,
} as const;

const DAY_MS = 86_400_000;

/** A service far from the simulator's default: its scale spans orders of magnitude. */
function serviceProfile(seed: number): ServiceProfile {
  const base = profileForSeed(seed);
  const rng = new Rng(seed ^ 0x2545f491);
  const spread = (lo: number, hi: number): number => 10 ** rng.uniform(lo, hi);
  return {
    baseRate: base.baseRate * spread(-1, 1),
    baseLatency: base.baseLatency * spread(-0.5, 0.5),
    baseGoroutines: Math.round(base.baseGoroutines * spread(-0.3, 1)),
    baseLiveHeapMB: base.baseLiveHeapMB * spread(-0.5, 1),
    allocKBPerRequest: base.allocKBPerRequest * spread(-0.5, 0.5),
  };
}

export function baseCorpus(): Map<string, MultiSeries> {
  const corpus = new Map<string, MultiSeries>();
  for (let i = 0; i < BASE_CORPUS.services; i++) {
    const seed = BASE_CORPUS.firstSeed + i;
    const rng = new Rng(seed ^ 0x68e31da4);
    const generated = generateGoSeries({
      seed,
      days: BASE_CORPUS.days,
      // Start on every day of the week, so weekends are in the corpus.
      startMs: DEFAULT_START_MS + (i % 7) * DAY_MS,
      profile: serviceProfile(seed),
      deploysPerDay: rng.uniform(0, 3),
      peaksPerDay: rng.uniform(0, 2),
      gcSignals:
        i % BASE_CORPUS.derivedGcEvery === BASE_CORPUS.derivedGcEvery - 1 ? 'derived' : 'pauses',
    });
    corpus.set(`simulator/service-${seed}`, generated.series);
  }
  return corpus;
}

async function main(): Promise<void> {
  const dryRun = process.argv.includes('--dry-run');
  const log = {
    info: (o: object, msg: string) =>
      process.stderr.write(`[train:base] ${msg} ${JSON.stringify(o)}\n`),
    warn: (o: object, msg: string) =>
      process.stderr.write(`[train:base] ${msg} ${JSON.stringify(o)}\n`),
  };
  await selectBackend(log);
  const corpus = baseCorpus();
  process.stderr.write(
    `[train:base] corpus: ${corpus.size} services × ${BASE_CORPUS.days} days (${corpus.size * BASE_CORPUS.days * STEPS_PER_DAY} steps)\n`,
  );
  const previous = await listVersions(BASE_MODEL_DIR);
  const result = await trainModel({
    series: corpus,
    ...BASE_TRAINING,
    modelName: path.basename(BASE_MODEL_DIR),
    outDir: dryRun ? null : path.dirname(BASE_MODEL_DIR),
    log,
    onProgress: (p) => {
      if (p.phase === 'epoch') {
        process.stderr.write(
          `[train:base] epoch ${p.epoch + 1}/${p.epochs} loss ${p.loss.toFixed(4)} val ${p.valLoss?.toFixed(4) ?? '-'} (${Math.round(p.elapsedMs / 1000)} s)\n`,
        );
      }
    },
  });
  // One shipped version at a time: the new one replaces the old.
  if (!dryRun) {
    for (const old of previous) await rm(path.join(BASE_MODEL_DIR, old), { recursive: true });
  }
  result.model.forecaster.dispose();
  console.log(
    JSON.stringify(
      {
        path: result.path,
        version: result.metadata.version,
        corpus: BASE_CORPUS,
        training: BASE_TRAINING,
        trainingRange: result.metadata.trainingRange,
        validation: result.metadata.validation,
        errorScale: result.metadata.errorScale,
        durationMs: result.metadata.training.durationMs,
        backend: result.metadata.training.backend,
      },
      null,
      2,
    ),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename ?? '')) {
  await main();
}
