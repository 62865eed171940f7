// `telepipe evaluate` end to end on a small generated labelled CSV. This checks the command, not
// the detector: the verdict numbers come from NAB's data (bench/detection.ts), never from here.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_POLICY } from '../../../../models/alerts.ts';
import { runEvaluate, type EvaluateCommandOptions } from '../../../../models/evaluation/command.ts';
import type { Evaluation } from '../../../../models/evaluation/evaluate.ts';
import { METHOD_NAMES } from '../../../../models/evaluation/names.ts';
import { Rng } from '../../../../models/simulator/rng.ts';

let dir: string;
let labelled: string;

/** 2000 rows at 1 min of noise around 100, with two labelled level shifts (×3). */
function labelledCsv(): string {
  const rng = new Rng(5);
  const start = Date.parse('2026-11-20T00:00:00Z');
  const lines = ['timestamp,requests,label'];
  for (let i = 0; i < 2000; i++) {
    const event = (i >= 1200 && i < 1210) || (i >= 1700 && i < 1706);
    const value = 100 + 3 * rng.normal();
    lines.push(
      `${new Date(start + i * 60_000).toISOString()},${(event ? 3 * value : value).toFixed(2)},${event ? 1 : 0}`,
    );
  }
  return lines.join('\n') + '\n';
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'telepipe-evaluate-'));
  labelled = path.join(dir, 'labelled.csv');
  await writeFile(labelled, labelledCsv());
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function options(overrides: Partial<EvaluateCommandOptions>): EvaluateCommandOptions {
  return {
    files: [labelled],
    data: path.join(dir, 'no-data'),
    trainFraction: 0.15,
    policy: DEFAULT_ALERT_POLICY,
    methods: METHOD_NAMES,
    baselineK: 4,
    verbose: true,
    loadModel: () => Promise.resolve(null),
    ...overrides,
  };
}

async function run(
  overrides: Partial<EvaluateCommandOptions>,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runEvaluate(options(overrides), {
    out: (t) => (out += t),
    err: (t) => (err += t),
  });
  return { code, out, err };
}

describe('telepipe evaluate', () => {
  it('scores every method on a file with a label column, with progress, tables and JSON', async () => {
    const json = path.join(dir, 'out.json');
    const { code, out, err } = await run({ json });
    expect(code).toBe(0);
    for (const method of METHOD_NAMES) expect(out).toMatch(new RegExp(`^${method} `, 'm'));
    expect(out).toMatch(/NAB standard +low FP +low FN/);
    expect(out).toMatch(/rolling-z: k = 4\./);
    expect(out).toMatch(/labelled\.csv +rolling-z/); // --verbose: a row per file and method
    expect(err).toMatch(/\[3\/3\] .*labelled\.csv rolling-z: NAB standard/);
    // 15 % of 2000 rows is 300 steps, fewer than training needs
    expect(err).toMatch(/\(telepipe\): the first 0\.15 .*scoring with the online detector/);
    const result = JSON.parse(await readFile(json, 'utf8')) as Evaluation & { baselineK: number };
    expect(result.baselineK).toBe(4);
    const baseline = result.summaries.find((s) => s.method === 'rolling-z')!;
    // both shifts are windows (200 rows / 2 events = 100 rows around each) and both are found
    expect(baseline.events).toMatchObject({ windows: 2, detectedWindows: 2 });
    expect(baseline.nab.standard.score).toBeGreaterThan(50);
  });

  it('runs only the methods asked for', async () => {
    const { out } = await run({ methods: ['rolling-z'], verbose: false });
    expect(out).not.toMatch(/^telepipe /m);
    expect(out).toMatch(/^rolling-z /m);
  });

  it('says what is wrong with the input', async () => {
    const unlabelled = path.join(dir, 'unlabelled.csv');
    await writeFile(unlabelled, 'timestamp,value\n1,2\n2,3\n');
    await expect(run({ files: [unlabelled] })).rejects.toThrow(
      /unlabelled\.csv: no label column \(0\/1 per row\) and no --windows file; columns: timestamp, value/,
    );
    const quiet = path.join(dir, 'quiet.csv');
    await writeFile(quiet, 'timestamp,value,label\n1,2,0\n2,3,0\n');
    await expect(run({ files: [quiet] })).rejects.toThrow(/quiet\.csv: the label column has no 1/);
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, 'timestamp,value,label\n1,2,0\n2,3,yes\n');
    await expect(run({ files: [bad] })).rejects.toThrow(/row 3, column label: "yes" is not 0 or 1/);
    await expect(run({ files: [] })).rejects.toThrow(/no labelled files/);
    await expect(run({ split: 'tuning' })).rejects.toThrow(/labelled files or --split, not both/);
    await expect(run({ files: [labelled], windows: path.join(dir, 'none.json') })).rejects.toThrow(
      /none\.json/,
    );
  });

  it('runs from the command line, and validates its flags by name', () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['bin/telepipe.js', 'evaluate', ...args], { encoding: 'utf8' });
    const ok = cli('--methods', 'online,rolling-z', '--baseline-k', '4', labelled);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^rolling-z /m);
    expect(cli('--methods', 'telepipe,magic', labelled).stderr).toMatch(
      /option '--methods <list>' argument 'telepipe,magic' is invalid. Unknown: magic/,
    );
    expect(cli('--alert-persist', '0', labelled).stderr).toMatch(
      /'--alert-persist <n>' argument '0'/,
    );
    expect(cli('--split', 'all').stderr).toMatch(/'--split <split>' argument 'all' is invalid/);
    const missing = cli(path.join(dir, 'missing.csv'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/telepipe: .*missing\.csv/);
  });
});
