// Plain-text tables of an evaluation, for the terminal and docs/benchmarks.md.
import type { Evaluation, FileResult, MethodSummary } from './evaluate.ts';

const SUMMARY_HEADER = [
  'method',
  'NAB standard',
  'low FP',
  'low FN',
  'alerts',
  'TP alerts',
  'windows',
  'detected',
  'precision',
  'recall',
  'F0.5',
  'median delay',
];

/** One row per method (prefixed by `label`, e.g. the split, when given). */
export function summaryTable(summaries: ReadonlyArray<MethodSummary & { label?: string }>): string {
  const labelled = summaries.some((s) => s.label !== undefined);
  const rows = summaries.map((s) => [
    ...(labelled ? [s.label ?? ''] : []),
    s.method,
    fixed(s.nab.standard.score, 1),
    fixed(s.nab.reward_low_FP_rate.score, 1),
    fixed(s.nab.reward_low_FN_rate.score, 1),
    String(s.events.alerts),
    String(s.events.truePositiveAlerts),
    String(s.events.windows),
    String(s.events.detectedWindows),
    s.events.precision === null ? 'n/a' : fixed(s.events.precision, 2),
    fixed(s.events.recall, 2),
    fixed(s.events.f05, 2),
    delay(s),
  ]);
  return table([...(labelled ? ['split'] : []), ...SUMMARY_HEADER], rows, labelled ? 2 : 1);
}

/** One row per file and method: where the totals come from. */
export function fileTable(evaluation: Evaluation): string {
  const rows = evaluation.files.map((r: FileResult) => [
    r.file,
    r.method,
    r.model,
    String(r.rows),
    fixed(r.nab.standard.raw, 2),
    `${r.nab.standard.detectedWindows}/${r.nab.standard.detectedWindows + r.nab.standard.missedWindows}`,
    String(r.nab.standard.falsePositives),
    String(r.events.alerts),
    fixed(r.seconds, 1),
  ]);
  return table(
    ['file', 'method', 'model', 'rows', 'NAB std raw', 'windows hit', 'FP', 'alerts', 's'],
    rows,
    3,
  );
}

function delay(s: MethodSummary): string {
  if (s.medianDelayRows === null || s.medianDelayMinutes === null) return 'n/a';
  return `${fixed(s.medianDelayRows, 1)} rows (${fixed(s.medianDelayMinutes / 60, 1)} h)`;
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** Columns before `textColumns` are left-aligned text, the others right-aligned numbers. */
function table(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  textColumns: number,
): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c < textColumns ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
