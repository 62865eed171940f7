// `telepipe score`: offline scoring of a CSV with the same detector the worker runs, causally
// (a row is never used to score an earlier one). Input: a header row, a timestamp column and
// numeric value columns (other columns are carried through untouched). Output: the input columns
// plus score, anomalous, driving_signal, method. See docs/detection.md "Offline scoring".
import { readFile, writeFile } from 'node:fs/promises';
import {
  csvField,
  numericColumns,
  readCsvTable,
  rowTimestamps,
  timestampIndex,
  toGrid,
  type CsvTable,
} from './csv-grid.ts';
import type { StepScore } from './step-score.ts';
import { scoreGrid, type GridScoringOptions, type ModelUse } from './score-grid.ts';

export interface ScoreCsvOptions extends GridScoringOptions {
  input: string;
  output: string;
  /** Default: a column named timestamp/time/ts/date/datetime, else the first column. */
  timestampColumn?: string;
}

export interface ScoreCsvResult {
  rows: number;
  anomalousRows: number;
  valueColumns: string[];
  stepSeconds: number;
  /** 'given': the model passed in; 'trained': trained on the file's start; 'none': online. */
  model: ModelUse;
  modelVersion: string | null;
  /** Rows of the file the model was trained on (0 unless trained here). */
  trainedOnRows: number;
}

export async function scoreCsv(options: ScoreCsvOptions): Promise<ScoreCsvResult> {
  const table = readCsvTable(await readFile(options.input, 'utf8'), options.input);
  const tsIndex = timestampIndex(table.header, options.timestampColumn);
  const timestamps = rowTimestamps(table, tsIndex);
  const columns = numericColumns(table.header, table.rows, [tsIndex]);
  if (columns.length === 0) throw new Error(`${options.input}: no numeric value columns`);
  const grid = toGrid(timestamps, table, columns);
  const scoring = await scoreGrid(grid.series, options);
  const byTime = new Map(scoring.scores.map((s) => [s.timestampMs, s]));
  const out = grid.rowSteps.map((step) => byTime.get(grid.series.startMs + step * grid.stepMs));
  await writeFile(options.output, renderCsv(table, out));
  const trainedUntil = grid.series.startMs + scoring.trainedSteps * grid.stepMs;
  return {
    rows: table.rows.length,
    anomalousRows: out.filter((s) => s?.anomalous).length,
    valueColumns: [...grid.series.features],
    stepSeconds: grid.stepMs / 1000,
    model: scoring.model,
    modelVersion: scoring.modelVersion,
    trainedOnRows: scoring.trainedSteps > 0 ? timestamps.filter((t) => t < trainedUntil).length : 0,
  };
}

function renderCsv(table: CsvTable, scores: ReadonlyArray<StepScore | undefined>): string {
  const { header, rows } = table;
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
