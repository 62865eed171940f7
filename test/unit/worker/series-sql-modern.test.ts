// The worker's queries in the modern dialect, run by a current ClickHouse engine (chDB) on
// tables created by the migrations and filled the way Go services' exporters fill them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dialect } from '../../../lib/clickhouse/dialect.ts';
import { workerSchema } from '../../../lib/config/sections/worker.ts';
import { otelSchema } from '../../../lib/clickhouse/migrations/001_otel_schema.ts';
import { rowEncoder } from '../../../lib/clickhouse/formats.ts';
import { RowBinaryWriter } from '../../../lib/clickhouse/rowbinary.ts';
import { ANOMALY_SCORES } from '../../../lib/clickhouse/tables.ts';
import { seriesKey, type StepScore } from '../../../models/index.ts';
import { scoreRows } from '../../../services/anomaly-worker/scores.ts';
import {
  scoreExtentQuery,
  scoreQuery,
  type ScoreExtentRow,
  type ScoreRow,
} from '../../../services/anomaly-worker/sql.ts';
import { SeriesReader } from '../../../services/anomaly-worker/series-reader.ts';
import { shardOf, type Shard } from '../../../services/anomaly-worker/shard.ts';
import type { SqlSource } from '../../../services/anomaly-worker/storage.ts';
import { ChdbSession } from '../../support/chdb.ts';
import { insertMetricSql } from '../../support/series-writer.ts';
import {
  derivedGcRows,
  expectDerivedGcRead,
  expectFixtureRead,
  fixtureRows,
  fixtureSeries,
  FIXTURE_FROM_BUCKET,
  FIXTURE_STEP_MS,
  FIXTURE_STEPS,
} from '../../support/series-writer-fixture.ts';

const DATABASE = 'worker_modern';
/** Each query is a chDB process start (about a second, more on a busy machine). */
const SLOW = { timeout: 120_000 };
const dialect = new Dialect('modern');
const fixture = fixtureSeries('svc');
const worker = workerSchema.parse({});
let session: ChdbSession;

function source(): SqlSource {
  return {
    dialect: 'modern',
    database: DATABASE,
    select: <T>(sql: string) =>
      Promise.resolve(session.run([{ sql, format: 'JSONEachRow' }])[0] as T[]),
  };
}

function reader(shard: Shard, maxStepsPerQuery?: number): SeriesReader {
  return new SeriesReader(source, {
    stepMs: FIXTURE_STEP_MS,
    signals: worker.signals,
    instanceAttributes: worker.instanceAttributes,
    maxGapSteps: worker.maxGapSteps,
    shard,
    ...(maxStepsPerQuery ? { maxStepsPerQuery } : {}),
  });
}

beforeAll(() => {
  session = new ChdbSession();
  const schema = otelSchema.statements({
    database: DATABASE,
    cluster: '',
    retentionDays: 0,
    dialect,
  });
  const inserts = fixtureRows(fixture).flatMap((rows) => insertMetricSql(dialect, DATABASE, rows));
  session.run([`CREATE DATABASE ${DATABASE}`, ...schema, ...inserts].map((sql) => ({ sql })));
}, SLOW.timeout);

afterAll(() => session?.close());

describe('series queries, modern dialect (chDB)', () => {
  it('runs on a current ClickHouse', () => {
    expect(Number(session.version().split('.')[0])).toBeGreaterThanOrEqual(22);
  });

  it(
    'reads every flavor of Go metrics into the six signals, across a counter reset',
    SLOW,
    async () => {
      const from = 2;
      const to = FIXTURE_STEPS;
      const windows = await reader({ index: 0, count: 1 }).read(
        FIXTURE_FROM_BUCKET + from,
        FIXTURE_FROM_BUCKET + to,
      );
      expectFixtureRead(windows, fixture, from, to);
    },
  );

  it('gives the same series when a long range is read in chunks', SLOW, async () => {
    const whole = await reader({ index: 0, count: 1 }).read(
      FIXTURE_FROM_BUCKET + 2,
      FIXTURE_FROM_BUCKET + 20,
    );
    const chunked = await reader({ index: 0, count: 1 }, 9).read(
      FIXTURE_FROM_BUCKET + 2,
      FIXTURE_FROM_BUCKET + 20,
    );
    expect(chunked).toEqual(whole);
  });

  it('reads only the series of its shard, the same ones shardOf() assigns', SLOW, async () => {
    const count = 2;
    const owned = await Promise.all(
      [0, 1].map(async (index) => [
        ...(
          await reader({ index, count }).read(FIXTURE_FROM_BUCKET + 2, FIXTURE_FROM_BUCKET + 4)
        ).values(),
      ]),
    );
    owned.forEach((windows, index) => {
      for (const w of windows) expect(shardOf(w.id, count)).toBe(index);
    });
    const all = owned
      .flat()
      .map((w) => seriesKey(w.id))
      .sort();
    expect(all).toEqual(fixture.map((f) => seriesKey(f.id)).sort());
  });

  it('restricts a read to some services', SLOW, async () => {
    const windows = await reader({ index: 0, count: 1 }).read(
      FIXTURE_FROM_BUCKET + 2,
      FIXTURE_FROM_BUCKET + 4,
      ['svc-otel'],
    );
    expect([...windows.values()].map((w) => w.id.service)).toEqual(['svc-otel', 'svc-otel']);
  });

  it('stores score rows in anomaly_scores and reads them back for the page', SLOW, () => {
    const id = { tenant: 'acme', service: 'svc-otel', instance: 'pod-a' };
    const at = FIXTURE_FROM_BUCKET * FIXTURE_STEP_MS;
    const step = (i: number): StepScore => ({
      key: seriesKey(id),
      timestampMs: at + i * FIXTURE_STEP_MS,
      method: 'lstm',
      modelVersion: 'v20260105T100000Z',
      observed: { goroutines: 100 + 10 * i },
      expected: { goroutines: 100 },
      lower: { goroutines: 85 - i },
      upper: { goroutines: 115 + i },
      forecast: { goroutines: 101 },
      signalErrors: { goroutines: 2 * i },
      score: 0.3 * i,
      ratio: i,
      anomalous: i === 2,
      drivingSignal: 'goroutines',
      reason: 'spike',
      direction: 'up',
    });
    // A second instance of the service: left out of the series' reads, in the service's.
    const other = { ...id, instance: 'pod-b' };
    const rows = scoreRows(
      [0, 1, 2].flatMap((i) => [
        { id, score: step(i) },
        { id: other, score: step(i) },
      ]),
    );
    const columns = dialect.columns(ANOMALY_SCORES);
    const encode = rowEncoder('JSONEachRow', columns);
    const writer = new RowBinaryWriter();
    for (const row of rows) encode(writer, row);
    const names = columns.map((c) => `\`${c.name}\``).join(', ');
    const insert = `INSERT INTO ${DATABASE}.anomaly_scores (${names}) FORMAT JSONEachRow\n${writer.bytes().toString('utf8')}`;
    const select = scoreQuery('modern', {
      database: DATABASE,
      ...id,
      fromMs: at,
      toMs: at + 3 * FIXTURE_STEP_MS,
    });
    const range = { database: DATABASE, ...id, fromMs: at, toMs: at + 3 * FIXTURE_STEP_MS };
    const results = session.run([
      { sql: insert },
      { sql: select, format: 'JSONEachRow' },
      // The score API's queries: one signal only, and a signal's extent.
      { sql: scoreQuery('modern', { ...range, signal: 'goroutines' }), format: 'JSONEachRow' },
      { sql: scoreQuery('modern', { ...range, signal: 'heap_inuse' }), format: 'JSONEachRow' },
      {
        sql: scoreExtentQuery('modern', { database: DATABASE, ...id, signal: 'goroutines' }),
        format: 'JSONEachRow',
      },
      {
        sql: scoreExtentQuery('modern', { database: DATABASE, ...id, signal: 'heap_inuse' }),
        format: 'JSONEachRow',
      },
      // The webhook's: every instance of the service.
      {
        sql: scoreQuery('modern', {
          database: DATABASE,
          tenant: id.tenant,
          service: id.service,
          fromMs: at,
          toMs: at + 3 * FIXTURE_STEP_MS,
        }),
        format: 'JSONEachRow',
      },
    ]);
    const service = results[6] as unknown as ScoreRow[];
    expect(service.map((r) => [Number(r.t), r.instance])).toEqual([
      [at, 'pod-a'],
      [at, 'pod-b'],
      [at + FIXTURE_STEP_MS, 'pod-a'],
      [at + FIXTURE_STEP_MS, 'pod-b'],
      [at + 2 * FIXTURE_STEP_MS, 'pod-a'],
      [at + 2 * FIXTURE_STEP_MS, 'pod-b'],
    ]);
    const read = results[1] as unknown as ScoreRow[];
    expect((results[2] as unknown as ScoreRow[]).map((r) => Number(r.observed))).toEqual([
      100, 110, 120,
    ]);
    expect(results[3]).toEqual([]);
    const [extent] = results[4] as unknown as ScoreExtentRow[];
    expect([Number(extent!.n), Number(extent!.first), Number(extent!.last)]).toEqual([
      3,
      at,
      at + 2 * FIXTURE_STEP_MS,
    ]);
    expect(Number((results[5] as unknown as ScoreExtentRow[])[0]!.n)).toBe(0);
    expect(
      read.map((r) => [Number(r.t), Number(r.observed), Number(r.anomalous), r.method]),
    ).toEqual([
      [at, 100, 0, 'lstm'],
      [at + FIXTURE_STEP_MS, 110, 0, 'lstm'],
      [at + 2 * FIXTURE_STEP_MS, 120, 1, 'lstm'],
    ]);
    // The band is the detector's, step by step.
    expect(read.map((r) => [Number(r.lower), Number(r.upper)])).toEqual([
      [85, 115],
      [84, 116],
      [83, 117],
    ]);
    expect(read[2]!.modelVersion).toBe('v20260105T100000Z');
  });

  // Last: the series it adds would be in the other tests' reads.
  it(
    'derives the GC signals of a service without GC pause metrics, across a counter reset',
    SLOW,
    async () => {
      const id = { tenant: 'acme', service: 'svc-current', instance: 'pod-a' };
      session.run(insertMetricSql(dialect, DATABASE, derivedGcRows(id)).map((sql) => ({ sql })));
      const windows = await reader({ index: 0, count: 1 }).read(
        FIXTURE_FROM_BUCKET + 2,
        FIXTURE_FROM_BUCKET + FIXTURE_STEPS,
        [id.service],
      );
      expectDerivedGcRead(windows, id, 2, FIXTURE_STEPS);
    },
  );
});
