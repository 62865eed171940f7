// Labelled files for the evaluation: NAB CSVs with NAB's windows file, or any CSV with a 0/1
// `label` column. Each file becomes a grid for the detectors plus its windows in row space.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  numericColumns,
  readCsvTable,
  rowTimestamps,
  timestampIndex,
  toGrid,
  type CsvTable,
} from '../csv-grid.ts';
import type { MultiSeries } from '../features.ts';
import { labelRuns, widenRuns, windowRows } from './labels.ts';
import type { RowWindow } from './nab.ts';
import { SPLITS, type Split } from './names.ts';

const LABEL_COLUMN = 'label';
const WINDOWS_FILE = 'combined_windows.json';
const SPLIT_FILE = 'split.json';

export interface LabelledFile {
  /** NAB's relative path (category/file.csv), or the path given. */
  name: string;
  /** The split the data folder's split.json puts it in; null when there is none. */
  split: Split | null;
  rows: number;
  grid: MultiSeries;
  /** Each row's step on the grid (file order). */
  rowSteps: number[];
  /** Sorted, disjoint label windows in rows. */
  windows: RowWindow[];
}

const windowsSchema = z.record(z.string(), z.array(z.tuple([z.string(), z.string()])));
const splitSchema = z.object({
  rule: z.string(),
  files: z.record(z.string(), z.enum(SPLITS)),
});

type NabWindows = z.infer<typeof windowsSchema>;

/** Every file of one split of a data folder (split.json, combined_windows.json, the CSVs). */
export async function loadSplit(dataDir: string, split: Split): Promise<LabelledFile[]> {
  const assignments = await readSplit(dataDir);
  if (!assignments) throw new Error(`${path.join(dataDir, SPLIT_FILE)}: no such file`);
  const names = Object.keys(assignments).filter((name) => assignments[name] === split);
  if (names.length === 0) throw new Error(`${dataDir}: no file is in the ${split} split`);
  const windowsPath = path.join(dataDir, WINDOWS_FILE);
  return loadLabelledFiles(
    names.map((name) => path.join(dataDir, name)),
    windowsPath,
  );
}

/**
 * Loads files with their windows: from `windowsPath` (NAB's format, keyed by category/file.csv)
 * when given, else from each file's label column. A split.json beside the windows file tags
 * each file with its split.
 */
export async function loadLabelledFiles(
  files: readonly string[],
  windowsPath?: string,
  notify?: (message: string) => void,
): Promise<LabelledFile[]> {
  if (files.length === 0) throw new Error('no labelled files given');
  const windows = windowsPath ? await readWindows(windowsPath) : null;
  const splits = windowsPath ? await readSplit(path.dirname(windowsPath)) : null;
  const out: LabelledFile[] = [];
  for (const file of files) {
    const table = readCsvTable(await readFile(file, 'utf8'), file);
    if (windows && windowsPath) {
      const name = windowsKey(file, windows, windowsPath);
      out.push(fromNab(file, name, table, windows[name] ?? [], splits?.[name] ?? null));
    } else out.push(fromLabelColumn(file, table, notify));
  }
  return out;
}

function fromNab(
  file: string,
  name: string,
  table: CsvTable,
  limits: ReadonlyArray<readonly [string, string]>,
  split: Split | null,
): LabelledFile {
  const tsIndex = timestampIndex(table.header, undefined);
  const timestamps = inFile(file, () => rowTimestamps(table, tsIndex));
  const windows = limits.map(([start, end]) => {
    const rows = inFile(file, () => windowRows(timestamps, start, end));
    if (!rows) throw new Error(`${file}: window ${start} – ${end} holds no row of the file`);
    return rows;
  });
  return build(name, split, table, timestamps, [tsIndex], windows);
}

/** Runs `read`, naming `file` in its error. */
function inFile<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function fromLabelColumn(
  file: string,
  table: CsvTable,
  notify?: (message: string) => void,
): LabelledFile {
  const labelIndex = table.header.findIndex((h) => h.trim() === LABEL_COLUMN);
  if (labelIndex < 0) {
    throw new Error(
      `${file}: no ${LABEL_COLUMN} column (0/1 per row) and no --windows file; columns: ${table.header.join(', ')}`,
    );
  }
  const labels = table.rows.map((r, i) => {
    const cell = (r[labelIndex] ?? '').trim();
    if (cell !== '0' && cell !== '1') {
      throw new Error(`${file}: row ${i + 2}, column ${LABEL_COLUMN}: "${cell}" is not 0 or 1`);
    }
    return Number(cell);
  });
  const runs = labelRuns(labels);
  if (runs.length === 0) throw new Error(`${file}: the ${LABEL_COLUMN} column has no 1`);
  const { windows, dropped } = widenRuns(runs, table.rows.length);
  if (dropped.length > 0) {
    notify?.(
      `${file}: ${dropped.length} labelled event(s) start in the probationary period (the first 15 % of the rows) and are not scored, as in NAB`,
    );
  }
  const tsIndex = timestampIndex(table.header, undefined);
  const timestamps = inFile(file, () => rowTimestamps(table, tsIndex));
  return build(file, null, table, timestamps, [tsIndex, labelIndex], windows);
}

function build(
  name: string,
  split: Split | null,
  table: CsvTable,
  timestamps: readonly number[],
  exclude: readonly number[],
  windows: RowWindow[],
): LabelledFile {
  const columns = numericColumns(table.header, table.rows, exclude);
  if (columns.length === 0) throw new Error(`${name}: no numeric value columns`);
  const grid = toGrid(timestamps, table, columns);
  return {
    name,
    split,
    rows: table.rows.length,
    grid: grid.series,
    rowSteps: grid.rowSteps,
    windows,
  };
}

/** The windows file's key for a CSV path: the key its path ends with (category/file.csv). */
function windowsKey(file: string, windows: NabWindows, windowsPath: string): string {
  const normalized = path.resolve(file).split(path.sep).join('/');
  const key = Object.keys(windows).find((k) => normalized.endsWith(`/${k}`));
  if (!key) {
    throw new Error(
      `${file}: not in ${windowsPath} (its keys are category/file.csv, e.g. ${Object.keys(windows)[0] ?? 'none'})`,
    );
  }
  return key;
}

async function readWindows(file: string): Promise<NabWindows> {
  const parsed = windowsSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${file}: not a NAB windows file ({"category/file.csv": [[start, end], …]})`);
  }
  return parsed.data;
}

async function readSplit(dataDir: string): Promise<Record<string, Split> | null> {
  const file = path.join(dataDir, SPLIT_FILE);
  if (!existsSync(file)) return null;
  const parsed = splitSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `${file}: expected {"rule": "…", "files": {"category/file.csv": "tuning"|"held-out"}}`,
    );
  }
  return parsed.data.files;
}
