import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv, parseTimestamp } from '../../../models/csv-grid.ts';
import { scoreCsv } from '../../../models/score-csv.ts';
import { Rng } from '../../support/go-series.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'telepipe-score-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A latency and a queue-depth column at 60 s with noise; `shiftFrom` multiplies latency by 3. */
function csvText(rows: number, shiftFrom: number, shiftTo: number): string {
  const rng = new Rng(11);
  const start = Date.parse('2026-11-20T00:00:00Z');
  const lines = ['timestamp,latency_ms,queue_depth,note'];
  for (let i = 0; i < rows; i++) {
    const daily = 1 + 0.3 * Math.sin((2 * Math.PI * i) / 240);
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
    await writeFile(input, csvText(200, 150, 160));
    const result = await scoreCsv({ input, output, timestampColumn: 'timestamp' });
    expect(result.model).toBe('none');
    expect(result.modelVersion).toBeNull();
    expect(result.anomalousRows).toBeGreaterThan(3);
    const [header, ...rows] = parseCsv(await readFile(output, 'utf8'));
    const flagged = column(rows, header!, 'anomalous').flatMap((v, i) => (v === 'true' ? [i] : []));
    expect(flagged.every((i) => i >= 150 && i < 170)).toBe(true);
    expect(column(rows, header!, 'method')[100]).toBe('cold-start');
  });

  it('reads epoch timestamps in seconds, milliseconds and ISO form', () => {
    expect(parseTimestamp('1763600000', 0)).toBe(1763600000000);
    expect(parseTimestamp('1763600000000', 0)).toBe(1763600000000);
    expect(parseTimestamp('2026-11-20T00:00:00Z', 0)).toBe(Date.parse('2026-11-20T00:00:00Z'));
    expect(() => parseTimestamp('yesterday-ish', 4)).toThrow(/row 6/);
  });

  it('parses quoted fields and CRLF', () => {
    expect(parseCsv('a,b\r\n"x,1","y""z"\r\n')).toEqual([
      ['a', 'b'],
      ['x,1', 'y"z'],
    ]);
  });
});
