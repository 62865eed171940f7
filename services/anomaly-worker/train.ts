// Training from ClickHouse history: `telepipe train` (runTrain in main.ts) and the worker's
// periodic retraining read the series exactly as scoring does (SeriesReader), so the model
// learns the signals it will be fed, then hand them to the models' trainModel.
import type { Logger } from '../../lib/log.ts';
import {
  loadBaseModel,
  loadLatest,
  trainModel,
  type FitProgress,
  type LoadedModel,
  type MultiSeries,
  type TrainResult,
} from '../../models/index.ts';
import type { SeriesReader } from './series-reader.ts';

export interface TrainOnHistoryOptions {
  /** Steps [fromBucket, toBucket) to learn from. */
  fromBucket: number;
  toBucket: number;
  epochs: number;
  /** Root of saved models and the model name: the version goes to <outDir>/<modelName>/<version>. */
  outDir: string;
  modelName: string;
  window?: number;
  /** The model whose weights training starts from (the newest version, else the base model). */
  startFrom?: LoadedModel | null;
  onProgress?: (progress: FitProgress) => void;
  log?: Logger;
}

/** A series takes part when every signal was observed in at least this share of the steps. */
const MIN_OBSERVED_SHARE = 0.25;

export async function trainOnHistory(
  reader: SeriesReader,
  options: TrainOnHistoryOptions,
): Promise<TrainResult> {
  const windows = await reader.read(options.fromBucket, options.toBucket);
  const series = new Map<string, MultiSeries>();
  for (const [key, { series: s }] of windows) if (usable(s)) series.set(key, s);
  options.log?.info({ found: windows.size, usable: series.size }, 'series read for training');
  return trainModel({
    series,
    epochs: options.epochs,
    outDir: options.outDir,
    modelName: options.modelName,
    ...(options.window ? { window: options.window } : {}),
    startFrom: options.startFrom ?? null,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
}

/**
 * What training starts from: the newest version in the models folder, else the shipped base
 * model (so a new install's first training refines it instead of starting from nothing).
 */
export async function startingModel(modelDir: string): Promise<LoadedModel | null> {
  return (await loadLatest(modelDir)) ?? (await loadBaseModel());
}

function usable(series: MultiSeries): boolean {
  return series.values.every((column) => {
    let observed = 0;
    for (const v of column) if (Number.isFinite(v)) observed++;
    return observed >= column.length * MIN_OBSERVED_SHARE;
  });
}

export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Training progress: a bar redrawn in place on a terminal, one line per epoch otherwise (logs,
 * CI), so redirected output stays readable. `done()` ends the bar's line.
 */
export function progressReporter(out: ProgressStream): {
  onProgress: (p: FitProgress) => void;
  done: () => void;
} {
  if (!out.isTTY) {
    return {
      onProgress: (p) => {
        if (p.phase === 'epoch') out.write(`${epochLine(p)}\n`);
      },
      done: () => undefined,
    };
  }
  let drawn = false;
  return {
    onProgress: (p) => {
      const width = Math.max(10, Math.min(40, (out.columns ?? 80) - 60));
      const fraction = Math.min(1, Math.max(0, p.fraction));
      const filled = Math.round(fraction * width);
      const percent = `${Math.round(fraction * 100)}%`.padStart(4);
      out.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent} ${epochLine(p)}\u001b[K`,
      );
      drawn = true;
    },
    done: () => {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}

function epochLine(p: FitProgress): string {
  const val = p.valLoss === null ? '' : ` val ${p.valLoss.toFixed(4)}`;
  const seconds = (p.elapsedMs / 1000).toFixed(0);
  return `epoch ${p.epoch + 1}/${p.epochs} loss ${p.loss.toFixed(4)}${val} ${seconds}s`;
}
