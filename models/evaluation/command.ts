// `telepipe evaluate`: scores labelled files with every chosen method and prints NAB scores and
// event metrics per method (per file with verbose), progress on stderr, JSON on request.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { alertPolicyForStep, DEFAULT_ALERT_TIMING, type AlertPolicy } from '../alerts.ts';
import type { LoadedModel } from '../store.ts';
import { loadLabelledFiles, loadSplit, type LabelledFile } from './corpus.ts';
import { evaluateFiles, type Evaluation } from './evaluate.ts';
import type { MethodName, Split } from './names.ts';
import { fileTable, summaryTable } from './report.ts';
import { tuneBaselineK } from './tuning.ts';

/** The labelled data that ships with the project (NAB server and service metrics). */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../bench/data/nab', import.meta.url));

export interface EvaluateCommandOptions {
  files: readonly string[];
  /** NAB windows file for the files (else each needs a label column). */
  windows?: string;
  /** Evaluate a split of `data` instead of files. */
  split?: Split;
  data: string;
  trainFraction: number;
  /** A fixed alert policy for every file; default: the worker's timing in each file's steps. */
  policy?: AlertPolicy;
  methods: readonly MethodName[];
  /** The baseline's k; default: tuned on the tuning split of `data`. */
  baselineK?: number;
  verbose: boolean;
  json?: string;
  /** Loads the model `telepipe` uses when trainFraction is 0 (null: none). */
  loadModel: () => Promise<{ model: LoadedModel; source: string } | null>;
}

export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export async function runEvaluate(options: EvaluateCommandOptions, io: CommandIo): Promise<number> {
  const say = (line: string): void => io.err(`telepipe evaluate: ${line}\n`);
  const files = await labelledFiles(options, say);
  if (files.some((f) => f.split === 'held-out')) {
    say(
      'these files include the held-out split, the verdict: choose no parameter from these numbers',
    );
  }
  const k = await baselineK(options, say);
  const model = await telepipeModel(options, say);
  const evaluation = await evaluateFiles(files, {
    methods: options.methods,
    policyFor: policyFor(options),
    trainFraction: options.trainFraction,
    baselineK: k,
    model,
    notify: say,
    onResult: (r, done, total) =>
      say(
        `[${done}/${total}] ${r.file} ${r.method}: NAB standard ${r.nab.standard.raw.toFixed(2)}, ` +
          `${r.events.alerts} alerts, ${r.events.detectedWindows}/${r.events.windows} windows (${r.seconds.toFixed(1)} s)`,
      ),
  });
  io.out(report(evaluation, options, k));
  if (options.json) {
    await writeFile(
      options.json,
      JSON.stringify(jsonReport(evaluation, options, k), null, 2) + '\n',
    );
    say(`wrote ${options.json}`);
  }
  return 0;
}

async function labelledFiles(
  options: EvaluateCommandOptions,
  say: (line: string) => void,
): Promise<LabelledFile[]> {
  if (options.split && options.files.length > 0) {
    throw new Error('give labelled files or --split, not both');
  }
  if (options.split) return loadSplit(options.data, options.split);
  if (options.files.length === 0) {
    throw new Error('no labelled files: give CSV files, or --split tuning|held-out');
  }
  return loadLabelledFiles(options.files, options.windows, say);
}

async function baselineK(
  options: EvaluateCommandOptions,
  say: (line: string) => void,
): Promise<number> {
  if (options.baselineK !== undefined || !options.methods.includes('rolling-z')) {
    return options.baselineK ?? Number.NaN;
  }
  const tuning = tuneBaselineK(await loadSplit(options.data, 'tuning'), policyFor(options));
  say(`rolling-z: k = ${tuning.k}, tuned on the tuning split of ${options.data}`);
  return tuning.k;
}

async function telepipeModel(
  options: EvaluateCommandOptions,
  say: (line: string) => void,
): Promise<LoadedModel | null> {
  if (!options.methods.includes('telepipe') || options.trainFraction > 0) return null;
  const resolved = await options.loadModel();
  say(
    resolved
      ? `telepipe: scoring with ${resolved.model.metadata.version} (${resolved.source})`
      : 'telepipe: no saved model, scoring with the online detector',
  );
  return resolved?.model ?? null;
}

function report(evaluation: Evaluation, options: EvaluateCommandOptions, k: number): string {
  const lines = [summaryTable(evaluation.summaries), ''];
  lines.push(
    `NAB scores normalized (100 = perfect, 0 = no detection); a detection is the step an alert fires, ${policyText(options.policy)}.`,
  );
  if (options.methods.includes('telepipe')) {
    lines.push(
      options.trainFraction > 0
        ? `telepipe: a model trained on the first ${options.trainFraction} of each file.`
        : 'telepipe: the saved model where it fits the file, else the online detector.',
    );
  }
  if (Number.isFinite(k)) lines.push(`rolling-z: k = ${k}.`);
  if (options.verbose) lines.push('', fileTable(evaluation));
  return lines.join('\n') + '\n';
}

function policyFor(options: EvaluateCommandOptions): (stepSeconds: number) => AlertPolicy {
  const fixed = options.policy;
  return fixed ? () => fixed : alertPolicyForStep;
}

/** How alerts were counted, for the report. */
export function policyText(policy: AlertPolicy | undefined): string {
  return policy
    ? `after ${policy.persistSteps} anomalous steps, resolving after ${policy.resolveSteps} normal ones`
    : `with the worker's default timing in each file's steps (firing after ${DEFAULT_ALERT_TIMING.pendingSeconds} s of anomalous steps, resolving after ${DEFAULT_ALERT_TIMING.resolveSeconds} s of normal ones, at least one step each)`;
}

function jsonReport(evaluation: Evaluation, options: EvaluateCommandOptions, k: number): object {
  return {
    split: options.split ?? null,
    trainFraction: options.trainFraction,
    alertPolicy: options.policy ?? DEFAULT_ALERT_TIMING,
    baselineK: Number.isFinite(k) ? k : null,
    ...evaluation,
  };
}
