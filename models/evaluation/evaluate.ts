// Runs methods over labelled files and scores them the same way: alert episodes → detections →
// NAB scores (three profiles) and event-level precision, recall and F0.5.
import { fBeta, medianOf, type AlertPolicy } from '../alerts.ts';
import type { ModelUse } from '../score-grid.ts';
import type { LabelledFile } from './corpus.ts';
import type { MethodName, Split } from './names.ts';
import { addCounts, alertRows, eventCounts, NO_EVENTS, type EventCounts } from './detections.ts';
import { METHODS, type MethodContext } from './methods.ts';
import {
  NAB_PROFILE_NAMES,
  NAB_PROFILES,
  nabFileScore,
  normalizedScore,
  nullFileScore,
  perfectFileScore,
  probationLength,
  type NabFileScore,
  type NabProfileName,
  type NabTotals,
} from './nab.ts';

export interface EvaluateOptions extends MethodContext {
  methods: readonly MethodName[];
  /** The alert policy a file is judged with, from its step. */
  policyFor: (stepSeconds: number) => AlertPolicy;
  /** Called after each file and method (progress). */
  onResult?: (result: FileResult, done: number, total: number) => void;
}

export interface FileResult {
  file: string;
  split: Split | null;
  method: MethodName;
  rows: number;
  stepSeconds: number;
  model: ModelUse | '-';
  nab: Record<NabProfileName, NabFileScore>;
  events: EventCounts;
  seconds: number;
}

export interface MethodSummary {
  method: MethodName;
  files: number;
  /** Normalized NAB score per profile (100 perfect, 0 null detector) with its totals. */
  nab: Record<NabProfileName, NabTotals & { score: number }>;
  events: Omit<EventCounts, 'delaysRows'> & {
    /** null when the method raised no alert at all. */
    precision: number | null;
    recall: number;
    f05: number;
  };
  /** Median rows (and minutes) from a window's start to its first alert, over detected windows. */
  medianDelayRows: number | null;
  medianDelayMinutes: number | null;
}

export interface Evaluation {
  summaries: MethodSummary[];
  files: FileResult[];
}

export async function evaluateFiles(
  files: readonly LabelledFile[],
  options: EvaluateOptions,
): Promise<Evaluation> {
  const results: FileResult[] = [];
  const total = files.length * options.methods.length;
  for (const file of files) {
    for (const method of options.methods) {
      const result = await evaluateOne(file, method, options);
      results.push(result);
      options.onResult?.(result, results.length, total);
    }
  }
  return {
    summaries: options.methods.map((m) =>
      summarize(
        m,
        results.filter((r) => r.method === m),
        files,
      ),
    ),
    files: results,
  };
}

async function evaluateOne(
  file: LabelledFile,
  method: MethodName,
  options: EvaluateOptions,
): Promise<FileResult> {
  const started = performance.now();
  const run = await METHODS[method](file.grid, {
    ...options,
    notify: (message) => options.notify?.(`${file.name} (${method}): ${message}`),
  });
  return {
    file: file.name,
    split: file.split,
    method,
    rows: file.rows,
    stepSeconds: file.grid.stepSeconds,
    model: run.model,
    ...judge(file, run.flags, options.policyFor(file.grid.stepSeconds)),
    seconds: (performance.now() - started) / 1000,
  };
}

/** NAB scores and event counts of one file's per-step flags. */
export function judge(
  file: LabelledFile,
  flags: readonly boolean[],
  policy: AlertPolicy,
): { nab: Record<NabProfileName, NabFileScore>; events: EventCounts } {
  const alerts = alertRows(flags, file.rowSteps, policy);
  const detections = alerts.map((a) => a.fireIndex);
  const nab = Object.fromEntries(
    NAB_PROFILE_NAMES.map((p) => [
      p,
      nabFileScore(file.rows, file.windows, detections, NAB_PROFILES[p]),
    ]),
  ) as Record<NabProfileName, NabFileScore>;
  return { nab, events: eventCounts(alerts, file.windows, probationLength(file.rows)) };
}

function summarize(
  method: MethodName,
  results: readonly FileResult[],
  files: readonly LabelledFile[],
): MethodSummary {
  const nab = Object.fromEntries(
    NAB_PROFILE_NAMES.map((p) => {
      const totals = nabTotals(
        p,
        results.map((r) => r.nab[p].raw),
        files,
      );
      return [p, { ...totals, score: normalizedScore(totals) }];
    }),
  ) as MethodSummary['nab'];
  const counts = results.map((r) => r.events).reduce(addCounts, NO_EVENTS);
  const precision = counts.alerts > 0 ? counts.truePositiveAlerts / counts.alerts : null;
  const recall = counts.windows > 0 ? counts.detectedWindows / counts.windows : 0;
  const delaysMinutes = results.flatMap((r) =>
    r.events.delaysRows.map((d) => (d * r.stepSeconds) / 60),
  );
  const { delaysRows, ...events } = counts;
  return {
    method,
    files: results.length,
    nab,
    events: { ...events, precision, recall, f05: fBeta(precision ?? 0, recall, 0.5) },
    medianDelayRows: medianOf(delaysRows),
    medianDelayMinutes: medianOf(delaysMinutes),
  };
}

/** The raw scores' sum beside the null and perfect detectors' on the same files. */
export function nabTotals(
  profile: NabProfileName,
  raws: readonly number[],
  files: readonly LabelledFile[],
): NabTotals {
  const weights = NAB_PROFILES[profile];
  return {
    raw: raws.reduce((a, b) => a + b, 0),
    null: files.reduce((sum, f) => sum + nullFileScore(f.rows, f.windows, weights), 0),
    perfect: files.reduce((sum, f) => sum + perfectFileScore(f.windows, weights), 0),
  };
}
