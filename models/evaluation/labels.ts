// Label windows in row space, from NAB's windows file (timestamps) or from a 0/1 label column.
import { parseTimestamp } from '../csv-grid.ts';
import { probationLength, type RowWindow } from './nab.ts';

/** NAB's share of a file covered by label windows, split evenly between its events. */
const NAB_WINDOW_SHARE = 0.1;

/**
 * A NAB window (first and last timestamp, inclusive) as rows. NAB enters a window at the first
 * row whose timestamp equals its start and leaves it at the first row equal to its end; a window
 * whose ends are not timestamps of the file gets the rows between them. Null when no row is in it.
 */
export function windowRows(
  timestamps: readonly number[],
  startText: string,
  endText: string,
): RowWindow | null {
  const start = windowLimit(startText);
  const end = windowLimit(endText);
  let first = timestamps.indexOf(start);
  let last = timestamps.indexOf(end);
  if (first < 0) first = timestamps.findIndex((t) => t >= start);
  if (last < 0) last = timestamps.findLastIndex((t) => t <= end);
  return first >= 0 && last >= first ? { start: first, end: last } : null;
}

function windowLimit(text: string): number {
  try {
    return parseTimestamp(text, 0);
  } catch {
    throw new Error(`window limit "${text}" is not a timestamp`);
  }
}

/** Runs of 1 in a 0/1 label column, as inclusive row ranges. */
export function labelRuns(labels: readonly number[]): RowWindow[] {
  const runs: RowWindow[] = [];
  labels.forEach((label, row) => {
    if (label !== 1) return;
    const last = runs.at(-1);
    if (last && last.end === row - 1) last.end = row;
    else runs.push({ start: row, end: row });
  });
  return runs;
}

/**
 * NAB-style windows around labelled runs: each is NAB's window length (10 % of the rows divided
 * by the number of runs) centred on its run, never narrower than the run, clipped to the file.
 * As NAB's labeller does, overlapping windows are merged and windows that start inside the
 * probationary period are dropped (returned apart, so the caller can say so).
 */
export function widenRuns(
  runs: readonly RowWindow[],
  rows: number,
): { windows: RowWindow[]; dropped: RowWindow[] } {
  if (runs.length === 0) return { windows: [], dropped: [] };
  const length = Math.floor((NAB_WINDOW_SHARE * rows) / runs.length);
  const widened = runs.map((run) => {
    const pad = Math.max(0, Math.floor((length - (run.end - run.start + 1)) / 2));
    return { start: Math.max(0, run.start - pad), end: Math.min(rows - 1, run.end + pad) };
  });
  const merged: RowWindow[] = [];
  for (const w of widened) {
    const last = merged.at(-1);
    if (last && w.start <= last.end) last.end = Math.max(last.end, w.end);
    else merged.push({ ...w });
  }
  const probation = probationLength(rows);
  return {
    windows: merged.filter((w) => w.start >= probation),
    dropped: merged.filter((w) => w.start < probation),
  };
}
