// `telepipe score`: offline scoring of a CSV with the same detector the worker runs.
// Input: a header row, a timestamp column and numeric value columns (other columns are carried
// through untouched). Output: the input columns plus score, anomalous, driving_signal, method.
// Model choice: the given model; else, with enough rows, a small model trained on the first part
// of the file; else the cold-start scorer. See docs/detection.md "Offline scoring".
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelLog } from './backend.ts';
import { Detector } from './detector.ts';
import type { StepScore } from './step-score.ts';
import { sliceSeries, type MultiSeries } from './features.ts';
import type { FitProgress } from './lstm.ts';
import { loadLatest, loadModel, type LoadedModel } from './store.ts';
import { trainModel } from './train.ts';

export interface ScoreCsvOptions {
  input: string;
  output: string;
  /** Default: a column named timestamp/time/ts, else the first column. */
  timestampColumn?: string;
  /** A version folder, a model folder (its latest version is used) or a loaded model. */
  model?: string | LoadedModel;
  /** Share of the rows used to train when no model is given (default 0.5). */
  trainFraction?: number;
  /** Training needs at least this many steps in the training part (default 20 windows). */
  minTrainSteps?: number;
  epochs?: number;
  onProgress?: (progress: FitProgress) => void;
  log?: ModelLog;
}

export interface ScoreCsvResult {
  rows: number;
  anomalousRows: number;
  valueColumns: string[];
  stepSeconds: number;
  /** 'lstm' when a model scored (given or trained here), else 'cold-start'. */
  method: 'lstm' | 'online';
  modelVersion: string | null;
  /** Rows of the file the model was trained on (0 when a model was given or none was trained). */
  trainedOnRows: number;
}

const SERIES_KEY = 'csv';
const TIMESTAMP_NAMES = ['timestamp', 'time', 'ts', 'date', 'datetime'];

export async function scoreCsv(options: ScoreCsvOptions): Promise<ScoreCsvResult> {
  const table = parseCsv(await readFile(options.input, 'utf8'));
  const header = table[0];
  if (!header || table.length < 2) throw new Error(`${options.input}: no header or no rows`);
  const rows = table.slice(1).filter((r) => r.length > 1 || (r[0] ?? '') !== '');
  const tsIndex = timestampIndex(header, options.timestampColumn);
  const timestamps = rows.map((r, i) => parseTimestamp(r[tsIndex] ?? '', i));
  const given = await resolveModel(options.model);
  const valueIndexes = valueColumns(header, rows, tsIndex, given?.metadata.features);
  const grid = toGrid(timestamps, rows, valueIndexes, header);

  let model = given;
  let trainedOnRows = 0;
  const trainSteps = Math.floor(grid.length * (options.trainFraction ?? 0.5));
  const minTrainSteps = options.minTrainSteps ?? 20 * 32;
  if (!model && trainSteps >= minTrainSteps) {
    const trained = await trainModel({
      series: new Map([[SERIES_KEY, sliceSeries(grid.series, 0, trainSteps)]]),
      epochs: options.epochs ?? 10,
      outDir: null,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    model = trained.model;
    trainedOnRows = timestamps.filter(
      (t) => t < grid.series.startMs + trainSteps * grid.stepMs,
    ).length;
  }
  try {
    const detector = new Detector({
      model: model ?? null,
      features: grid.series.features,
      stepSeconds: grid.stepMs / 1000,
    });
    const scores = await detector.scoreSeries(SERIES_KEY, grid.series);
    const byTime = new Map(scores.map((s) => [s.timestampMs, s]));
    const out = rows.map((r, i) => byTime.get(grid.rowTimes[i] ?? Number.NaN));
    await writeFile(options.output, renderCsv(header, rows, out));
    return {
      rows: rows.length,
      anomalousRows: out.filter((s) => s?.anomalous).length,
      valueColumns: [...grid.series.features],
      stepSeconds: grid.stepMs / 1000,
      method: model ? 'lstm' : 'online',
      modelVersion: model?.metadata.version ?? null,
      trainedOnRows,
    };
  } finally {
    if (model && model !== given) model.forecaster.dispose();
  }
}

async function resolveModel(model: ScoreCsvOptions['model']): Promise<LoadedModel | null> {
  if (model === undefined) return null;
  if (typeof model !== 'string') return model;
  const isVersion = await stat(path.join(model, 'metadata.json')).then(
    () => true,
    () => false,
  );
  const loaded = isVersion ? await loadModel(model) : await loadLatest(model);
  if (!loaded) throw new Error(`no saved model under ${model}`);
  return loaded;
}

function timestampIndex(header: readonly string[], name: string | undefined): number {
  if (name !== undefined) {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`no column ${name}; columns: ${header.join(', ')}`);
    return i;
  }
  const i = header.findIndex((h) => TIMESTAMP_NAMES.includes(h.trim().toLowerCase()));
  return i >= 0 ? i : 0;
}

/**
 * The numeric columns (every non-empty cell a finite number), or exactly the model's features in
 * the model's order.
 */
function valueColumns(
  header: readonly string[],
  rows: readonly string[][],
  tsIndex: number,
  features: readonly string[] | undefined,
): number[] {
  if (features) {
    return features.map((f) => {
      const i = header.indexOf(f);
      if (i < 0) throw new Error(`the model needs column ${f}; columns: ${header.join(', ')}`);
      return i;
    });
  }
  const numeric = header
    .map((_, i) => i)
    .filter(
      (i) =>
        i !== tsIndex &&
        rows.every((r) => (r[i] ?? '').trim() === '' || Number.isFinite(Number(r[i]))),
    );
  if (numeric.length === 0) throw new Error('no numeric value columns');
  return numeric;
}

/** Epoch numbers in s, ms, µs or ns (told apart by magnitude), or any string Date.parse reads. */
export function parseTimestamp(cell: string, row: number): number {
  const text = cell.trim();
  const n = Number(text);
  if (text !== '' && Number.isFinite(n)) {
    if (Math.abs(n) < 1e11) return n * 1000;
    if (Math.abs(n) < 1e14) return n;
    if (Math.abs(n) < 1e17) return n / 1e3;
    return n / 1e6;
  }
  const parsed = Date.parse(text);
  if (!Number.isFinite(parsed)) throw new Error(`row ${row + 2}: cannot read timestamp "${cell}"`);
  return parsed;
}

interface Grid {
  series: MultiSeries;
  stepMs: number;
  length: number;
  /** Each row's timestamp snapped to the grid. */
  rowTimes: number[];
}

/** Lays rows on a regular grid at the median spacing; missing steps become gaps (NaN). */
function toGrid(
  timestamps: readonly number[],
  rows: readonly string[][],
  columns: readonly number[],
  header: readonly string[],
): Grid {
  const sorted = [...timestamps].sort((a, b) => a - b);
  const diffs = sorted
    .slice(1)
    .map((t, i) => t - (sorted[i] ?? t))
    .filter((d) => d > 0)
    .sort((a, b) => a - b);
  const stepMs = diffs[diffs.length >> 1] ?? 60_000;
  const startMs = sorted[0] ?? 0;
  const length = Math.round(((sorted.at(-1) ?? startMs) - startMs) / stepMs) + 1;
  const values = columns.map(() => new Float64Array(length).fill(Number.NaN));
  const rowTimes = timestamps.map((t, r) => {
    const step = Math.round((t - startMs) / stepMs);
    columns.forEach((c, f) => {
      const cell = (rows[r]?.[c] ?? '').trim();
      if (cell !== '') values[f]![step] = Number(cell);
    });
    return startMs + step * stepMs;
  });
  return {
    series: {
      startMs,
      stepSeconds: stepMs / 1000,
      features: columns.map((c) => header[c] ?? `col${c}`),
      values,
    },
    stepMs,
    length,
    rowTimes,
  };
}

/** RFC 4180: quoted fields may hold commas, quotes ("") and newlines; CRLF or LF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function renderCsv(
  header: readonly string[],
  rows: readonly string[][],
  scores: ReadonlyArray<StepScore | undefined>,
): string {
  const lines = [
    [...header, 'score', 'anomalous', 'driving_signal', 'method'].map(csvField).join(','),
  ];
  rows.forEach((r, i) => {
    const s = scores[i];
    const extra = s
      ? [s.score.toFixed(4), String(s.anomalous), s.drivingSignal ?? '', s.method]
      : ['', 'false', '', ''];
    lines.push([...header.map((_, c) => r[c] ?? ''), ...extra].map(csvField).join(','));
  });
  return lines.join('\n') + '\n';
}
