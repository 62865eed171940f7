// Detection quality on public labelled data (NAB server and service metrics, bench/data/nab):
// the product detector, its online path alone and a rolling z-score baseline, scored with NAB's
// rules and event-level precision / recall / F0.5. See docs/detection.md "Evaluation".
//   npx tsx bench/detection.ts                  tune the baseline on `tuning`, then evaluate all
//                                               methods on `tuning` and `held-out` (the verdict)
//   npx tsx bench/detection.ts --split tuning   quick: tuning only, to iterate on the detector
// Prints one JSON document, then a table; progress goes to stderr.
import { describeMachine } from './machine.ts';
import { alertPolicyForStep } from '../models/alerts.ts';
import { selectBackend } from '../models/backend.ts';
import { loadSplit, type LabelledFile } from '../models/evaluation/corpus.ts';
import { METHOD_DESCRIPTIONS } from '../models/evaluation/methods.ts';
import { METHOD_NAMES, type Split } from '../models/evaluation/names.ts';
import { evaluateFiles, type Evaluation } from '../models/evaluation/evaluate.ts';
import { summaryTable } from '../models/evaluation/report.ts';
import { tuneBaselineK } from '../models/evaluation/tuning.ts';
import { policyText } from '../models/evaluation/command.ts';

const DATA_DIR = 'bench/data/nab';
/** NAB's data, commit ea702d7 (bench/data/nab/README.md). */
const DATA_COMMIT = 'ea702d75cc2258d9d7dd35ca8e5e2539d71f3140';
const TRAIN_FRACTION = 0.15;

function splitsToRun(argv: readonly string[]): Split[] {
  const i = argv.indexOf('--split');
  if (i < 0) return ['tuning', 'held-out'];
  const value = argv[i + 1];
  if (value === 'tuning') return ['tuning'];
  if (value === 'held-out') {
    throw new Error(
      '--split held-out: the held-out split is the verdict, never a place to iterate. Run the full bench (no --split) once your changes are final.',
    );
  }
  throw new Error(`--split must be tuning, got ${value ?? 'nothing'}`);
}

function progress(line: string): void {
  process.stderr.write(`[detection] ${line}\n`);
}

async function evaluateSplit(files: LabelledFile[], split: Split, k: number): Promise<Evaluation> {
  return evaluateFiles(files, {
    methods: METHOD_NAMES,
    policyFor: alertPolicyForStep,
    trainFraction: TRAIN_FRACTION,
    baselineK: k,
    model: null,
    notify: (message) => progress(`  ${message}`),
    onResult: (r, done, total) =>
      progress(
        `${split} ${done}/${total} ${r.file} ${r.method}: NAB standard ${r.nab.standard.raw.toFixed(2)}, ${r.events.alerts} alerts (${r.seconds.toFixed(1)} s)`,
      ),
  });
}

/** The JSON of one split: per-method summaries, and per file one line per method. */
function splitJson(files: readonly LabelledFile[], evaluation: Evaluation): object {
  const perFile: Record<string, Record<string, string>> = {};
  for (const r of evaluation.files) {
    (perFile[r.file] ??= {})[r.method] =
      `NAB standard ${r.nab.standard.raw.toFixed(2)}, ${r.events.detectedWindows}/${r.events.windows} windows, ` +
      `${r.events.alerts} alerts (model: ${r.model}, ${r.seconds.toFixed(1)} s)`;
  }
  return {
    files: files.length,
    rows: files.reduce((n, f) => n + f.rows, 0),
    summaries: evaluation.summaries,
    perFile,
  };
}

async function main(): Promise<void> {
  const splits = splitsToRun(process.argv.slice(2));
  const started = performance.now();
  const backend = await selectBackend();
  const tuningFiles = await loadSplit(DATA_DIR, 'tuning');
  const tuning = tuneBaselineK(tuningFiles, alertPolicyForStep);
  progress(`baseline k = ${tuning.k} (best NAB standard score on ${tuning.files} tuning files)`);
  const results: Record<string, object> = {};
  const rows: Array<Evaluation['summaries'][number] & { label: string }> = [];
  for (const split of splits) {
    const files = split === 'tuning' ? tuningFiles : await loadSplit(DATA_DIR, split);
    const evaluation = await evaluateSplit(files, split, tuning.k);
    results[split] = splitJson(files, evaluation);
    rows.push(...evaluation.summaries.map((s) => ({ ...s, label: split })));
  }
  const result = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    backend,
    data: { dir: DATA_DIR, source: 'github.com/numenta/NAB', commit: DATA_COMMIT },
    protocol: {
      trainFraction: TRAIN_FRACTION,
      alertPolicy: policyText(undefined),
      detection: 'the step an alert fires (alertEpisodes), one per episode',
      probation: '15 % of each file, at most 750 rows (NAB)',
    },
    methods: METHOD_DESCRIPTIONS,
    baseline: {
      k: tuning.k,
      tunedOn: 'tuning',
      // NAB standard score on tuning of every candidate k
      candidates: Object.fromEntries(
        tuning.candidates.map((c) => [c.k, Number(c.score.toFixed(1))]),
      ),
    },
    splits: results,
    seconds: Math.round((performance.now() - started) / 1000),
  };
  console.log(JSON.stringify(result, null, 2));
  console.log('');
  console.log(summaryTable(rows));
  console.log('');
  console.log(
    `NAB scores normalized: 100 = perfect, 0 = no detection. rolling-z k = ${tuning.k}, tuned on tuning; ` +
      `telepipe trained on the first ${TRAIN_FRACTION * 100} % of each file; a detection is the step an alert fires, ` +
      `${policyText(undefined)}. ${splits.includes('held-out') ? 'held-out is the verdict.' : 'tuning only.'}`,
  );
}

await main();
