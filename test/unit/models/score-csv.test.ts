import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFraction } from '../../../cli/options.ts';
import {
  parseCsv,
  parseTimestamp,
  readCsvTable,
  rowTimestamps,
  toGrid,
} from '../../../models/csv-grid.ts';
import { BASE_MODEL_DIR, baseModelVersion } from '../../../models/base-model.ts';
import { scoreCsv } from '../../../models/score-csv.ts';
import { resolveScoringModel } from '../../../models/score-grid.ts';
import { trainModel } from '../../../models/train.ts';
import { Rng } from '../../../models/simulator/rng.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'telepipe-score-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A latency and a queue-depth column at 60 s with noise and a 4-hour wave of relative amplitude
 * `wave`; `shiftFrom` multiplies latency by 3.
 */
function csvText(rows: number, shiftFrom: number, shiftTo: number, wave = 0.3): string {
  const rng = new Rng(11);
  const start = Date.parse('2026-11-20T00:00:00Z');
  const lines = ['timestamp,latency_ms,queue_depth,note'];
  for (let i = 0; i < rows; i++) {
    const daily = 1 + wave * Math.sin((2 * Math.PI * i) / 240);
    let latency = 50 * daily * Math.exp(0.05 * rng.normal());
    if (i >= shiftFrom && i < shiftTo) latency *= 3;
    const queue = 20 * daily + rng.normal();
    const note = i === 3 ? '"a, quoted ""note"""' : '';
    lines.push(
      `${new Date(start + i * 60_000).toISOString()},${latency.toFixed(2)},${queue.toFixed(2)},${note}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The latency and queue-depth columns of `csvText` on their grid. */
function gridOf(text: string): ReturnType<typeof toGrid> {
  const table = readCsvTable(text, 'test');
  return toGrid(rowTimestamps(table, 0), table, [1, 2]);
}

function column(rows: string[][], header: string[], name: string): string[] {
  const i = header.indexOf(name);
  return rows.map((r) => r[i] ?? '');
}

describe('scoreCsv', () => {
  it('with --train-fraction 0.5, trains on the first half and flags the shift in the second', async () => {
    const input = path.join(dir, 'train.csv');
    const output = path.join(dir, 'train-scored.csv');
    await writeFile(input, csvText(1600, 1300, 1340));
    const result = await scoreCsv({ input, output, epochs: 4, trainFraction: 0.5 });
    expect(result).toMatchObject({
      rows: 1600,
      model: 'trained',
      valueColumns: ['latency_ms', 'queue_depth'],
      stepSeconds: 60,
      trainedOnRows: 800,
    });
    const [header, ...rows] = parseCsv(await readFile(output, 'utf8'));
    expect(header).toEqual([
      'timestamp',
      'latency_ms',
      'queue_depth',
      'note',
      'score',
      'anomalous',
      'driving_signal',
      'method',
    ]);
    expect(rows).toHaveLength(1600);
    expect(rows[3]?.[3]).toBe('a, quoted "note"');
    const anomalous = column(rows, header!, 'anomalous').map((v) => v === 'true');
    const flagged = anomalous.flatMap((a, i) => (a ? [i] : []));
    expect(flagged.some((i) => i >= 1300 && i < 1310)).toBe(true);
    // outside the shift (and its smoothing tail), the held-out half stays quiet
    expect(flagged.filter((i) => i >= 900 && (i < 1300 || i > 1360))).toEqual([]);
    const driving = column(rows, header!, 'driving_signal');
    expect(driving[1305]).toBe('latency_ms');
    const scores = column(rows, header!, 'score').map(Number);
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(scores[1305]).toBeGreaterThan(0.5);
  });

  it('scores with the online detector by default and still flags a gross spike', async () => {
    const input = path.join(dir, 'short.csv');
    const output = path.join(dir, 'short-scored.csv');
    // A gentle wave: on a series this young the online detectors take the steep side of a strong
    // 4-hour wave (0.3) for a drift, as they would a leak of the same slope.
    await writeFile(input, csvText(200, 150, 160, 0.05));
    const result = await scoreCsv({ input, output, timestampColumn: 'timestamp' });
    expect(result.model).toBe('none');
    expect(result.modelVersion).toBeNull();
    expect(result.anomalousRows).toBeGreaterThan(3);
    const [header, ...rows] = parseCsv(await readFile(output, 'utf8'));
    const flagged = column(rows, header!, 'anomalous').flatMap((v, i) => (v === 'true' ? [i] : []));
    // nothing before the shift, most of the shift (how long the flags outlast it is the
    // subject of detector.test.ts "after an excursion")
    expect(flagged[0]).toBe(150);
    expect(flagged.filter((i) => i < 160).length).toBeGreaterThan(5);
    expect(column(rows, header!, 'driving_signal')[155]).toBe('latency_ms');
    expect(new Set(column(rows, header!, 'method'))).toEqual(new Set(['online']));
  });

  it('reads epoch timestamps in seconds, milliseconds and ISO form', () => {
    expect(parseTimestamp('1763600000', 0)).toBe(1763600000000);
    expect(parseTimestamp('1763600000000', 0)).toBe(1763600000000);
    expect(parseTimestamp('2026-11-20T00:00:00Z', 0)).toBe(Date.parse('2026-11-20T00:00:00Z'));
    // without a zone: UTC, whatever the machine's time zone
    expect(parseTimestamp('2026-11-20 01:30:00', 0)).toBe(Date.parse('2026-11-20T01:30:00Z'));
    expect(parseTimestamp('2014-02-19 10:50:00.000000', 0)).toBe(
      Date.parse('2014-02-19T10:50:00Z'),
    );
    expect(() => parseTimestamp('yesterday-ish', 4)).toThrow(/row 6/);
  });

  it('parses quoted fields and CRLF', () => {
    expect(parseCsv('a,b\r\n"x,1","y""z"\r\n')).toEqual([
      ['a', 'b'],
      ['x,1', 'y"z'],
    ]);
  });
});

describe('telepipe score is causal', () => {
  /** Scores `text` in full and cut after `keep` rows; returns both outputs' scored rows. */
  async function fullAndTruncated(
    text: string,
    keep: number,
    options: Partial<Parameters<typeof scoreCsv>[0]> = {},
  ): Promise<[string[][], string[][]]> {
    const lines = text.trimEnd().split('\n');
    const runs: string[][][] = [];
    for (const [name, body] of [
      ['full', text],
      ['cut', lines.slice(0, keep + 1).join('\n') + '\n'],
    ] as const) {
      const input = path.join(dir, `causal-${name}.csv`);
      const output = path.join(dir, `causal-${name}-scored.csv`);
      await writeFile(input, body);
      await scoreCsv({ input, output, ...options });
      runs.push(parseCsv(await readFile(output, 'utf8')).slice(1));
    }
    return [runs[0]!, runs[1]!];
  }

  it('by default: truncating the file leaves every earlier row unchanged', async () => {
    const [full, cut] = await fullAndTruncated(csvText(900, 600, 640), 620);
    expect(cut).toHaveLength(620);
    expect(full.slice(0, 620)).toEqual(cut);
    expect(full.slice(600, 620).some((r) => r.includes('true'))).toBe(true);
  });

  it('with a saved model: truncating leaves every earlier row unchanged', async () => {
    const trained = await trainModel({
      series: new Map([['other', gridOf(csvText(900, 0, 0)).series]]),
      epochs: 1,
      outDir: null,
    });
    try {
      const [full, cut] = await fullAndTruncated(csvText(900, 600, 640), 700, {
        model: trained.model,
      });
      expect(full.slice(0, 700)).toEqual(cut);
      expect(full.at(-1)?.at(-1)).toBe('lstm');
    } finally {
      trained.model.forecaster.dispose();
    }
  });
});

describe('--train-fraction', () => {
  it('trains on the first F of the rows; a too short part falls back to the online detector', async () => {
    const input = path.join(dir, 'fraction.csv');
    await writeFile(input, csvText(400, 300, 320));
    const messages: string[] = [];
    const result = await scoreCsv({
      input,
      output: path.join(dir, 'fraction-scored.csv'),
      trainFraction: 0.25,
      notify: (m) => messages.push(m),
    });
    expect(result).toMatchObject({ model: 'none', trainedOnRows: 0 });
    expect(messages).toEqual([
      'the first 0.25 of the series has 100 fully observed steps, fewer than the 320 needed to train: scoring with the online detector (no model)',
    ]);
  });

  it('rejects a fraction outside [0, 1), naming the flag', async () => {
    const input = path.join(dir, 'fraction.csv');
    for (const bad of [1, -0.1, Number.NaN]) {
      await expect(
        scoreCsv({ input, output: path.join(dir, 'x.csv'), trainFraction: bad }),
      ).rejects.toThrow(/--train-fraction must be a number with 0 ≤ F < 1/);
    }
    expect(() => parseFraction('1.5')).toThrow(/0 ≤ F < 1/);
    expect(() => parseFraction('')).toThrow(InvalidArgumentError);
    expect(parseFraction('0.15')).toBe(0.15);
  });

  it('the CLI names the flag in its error', () => {
    const run = spawnSync(
      process.execPath,
      ['bin/telepipe.js', 'score', 'x.csv', '--train-fraction', '2'],
      { encoding: 'utf8' },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/option '--train-fraction <F>' argument '2' is invalid/);
  });
});

describe('model resolution', () => {
  it('no saved model: the shipped base model; a --model without one: an error naming it', async () => {
    const resolved = await resolveScoringModel({ modelDir: path.join(dir, 'no-models') });
    expect(resolved?.source).toBe('the shipped base model');
    expect(resolved?.model.path).toBe(path.join(BASE_MODEL_DIR, (await baseModelVersion())!));
    resolved?.model.forecaster.dispose();
    await expect(
      resolveScoringModel({ model: path.join(dir, 'nowhere'), modelDir: dir }),
    ).rejects.toThrow(/--model .*nowhere: no saved model there/);
  });

  it("falls back to the online detector when the model's features are not columns", async () => {
    const input = path.join(dir, 'other-columns.csv');
    await writeFile(input, csvText(200, 150, 160).replace('queue_depth', 'depth'));
    const trained = await trainModel({
      series: new Map([['other', gridOf(csvText(900, 0, 0)).series]]),
      epochs: 1,
      outDir: null,
    });
    const messages: string[] = [];
    try {
      const result = await scoreCsv({
        input,
        output: path.join(dir, 'other-scored.csv'),
        model: trained.model,
        notify: (m) => messages.push(m),
      });
      expect(result.model).toBe('none');
      expect(messages[0]).toMatch(/needs column\(s\) queue_depth, which the series lacks/);
    } finally {
      trained.model.forecaster.dispose();
    }
  });
});
