// CSV files of series laid on a regular time grid: the input format of `telepipe score` and
// `telepipe evaluate`. A file has a header row, a timestamp column and numeric value columns.
// Rows keep their file order (labels and NAB windows refer to rows); the grid is in time order.
import type { MultiSeries } from './features.ts';

export interface CsvTable {
  header: string[];
  /** Data rows, without blank lines. */
  rows: string[][];
}

/** Rows laid on a grid at the median spacing; missing steps are gaps (NaN). */
export interface CsvGrid {
  series: MultiSeries;
  stepMs: number;
  /** Each row's step on the grid (file order; rows with equal timestamps share a step). */
  rowSteps: number[];
}

const TIMESTAMP_NAMES = ['timestamp', 'time', 'ts', 'date', 'datetime'];
/** An ISO-like date and time without a zone: read as UTC, so a DST change makes no gap. */
const ZONELESS = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;

/** Parses CSV text into a header and its non-blank rows; `source` names the file in errors. */
export function readCsvTable(text: string, source: string): CsvTable {
  const table = parseCsv(text);
  const header = table[0];
  const rows = table.slice(1).filter((r) => r.length > 1 || (r[0] ?? '') !== '');
  if (!header || rows.length === 0) throw new Error(`${source}: no header or no rows`);
  return { header, rows };
}

/** The named column, else one called timestamp/time/ts/date/datetime, else the first. */
export function timestampIndex(header: readonly string[], name: string | undefined): number {
  if (name !== undefined) {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`no column ${name}; columns: ${header.join(', ')}`);
    return i;
  }
  const i = header.findIndex((h) => TIMESTAMP_NAMES.includes(h.trim().toLowerCase()));
  return i >= 0 ? i : 0;
}

/** Columns other than `exclude` whose every non-empty cell is a finite number. */
export function numericColumns(
  header: readonly string[],
  rows: readonly string[][],
  exclude: readonly number[],
): number[] {
  return header
    .map((_, i) => i)
    .filter(
      (i) =>
        !exclude.includes(i) &&
        rows.every((r) => (r[i] ?? '').trim() === '' || Number.isFinite(Number(r[i]))),
    );
}

/**
 * Epoch numbers in s, ms, µs or ns (told apart by magnitude), ISO dates and times (UTC when
 * they carry no zone), or any other string Date.parse reads.
 */
export function parseTimestamp(cell: string, row: number): number {
  const text = cell.trim();
  const n = Number(text);
  if (text !== '' && Number.isFinite(n)) {
    if (Math.abs(n) < 1e11) return n * 1000;
    if (Math.abs(n) < 1e14) return n;
    if (Math.abs(n) < 1e17) return n / 1e3;
    return n / 1e6;
  }
  const zoneless = ZONELESS.exec(text);
  const parsed = Date.parse(zoneless ? `${zoneless[1]}T${zoneless[2]}Z` : text);
  if (!Number.isFinite(parsed)) throw new Error(`row ${row + 2}: cannot read timestamp "${cell}"`);
  return parsed;
}

/** The timestamp of every row, in file order. */
export function rowTimestamps(table: CsvTable, tsIndex: number): number[] {
  return table.rows.map((r, i) => parseTimestamp(r[tsIndex] ?? '', i));
}

/**
 * Lays rows on a regular grid at the median spacing of their sorted timestamps. A later row at
 * the same step overwrites an earlier one; an empty cell is a gap.
 */
export function toGrid(
  timestamps: readonly number[],
  table: CsvTable,
  columns: readonly number[],
): CsvGrid {
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
  const rowSteps = timestamps.map((t, r) => {
    const step = Math.round((t - startMs) / stepMs);
    columns.forEach((c, f) => {
      const cell = (table.rows[r]?.[c] ?? '').trim();
      if (cell !== '') values[f]![step] = Number(cell);
    });
    return step;
  });
  return {
    series: {
      startMs,
      stepSeconds: stepMs / 1000,
      features: columns.map((c) => table.header[c] ?? `col${c}`),
      values,
    },
    stepMs,
    rowSteps,
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

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
