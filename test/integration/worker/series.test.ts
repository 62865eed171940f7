// The worker's series queries against both engines (18.16 → old dialect, chDB → modern;
// test/support/engines.ts): Go metrics of all three instrumentation flavors written into
// the migrated otel_metrics_* tables are read back as the six signals; scores round-trip
// through anomaly_scores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriesKey } from '../../../models/features.ts';
import type { StepScore } from '../../../models/step-score.ts';
import { ScoreStore, scoreRows } from '../../../services/anomaly-worker/scores.ts';
import { SeriesReader } from '../../../services/anomaly-worker/series-reader.ts';
import { shardOf, type Shard } from '../../../services/anomaly-worker/shard.ts';
import { openStorage, sqlSource, type Storage } from '../../../services/anomaly-worker/storage.ts';
import { dropTestDatabase, migrateTestDatabase } from '../../support/clickhouse.ts';
import { insertMetricRows } from '../../support/series-writer.ts';
import {
  expectFixtureRead,
  fixtureRows,
  fixtureSeries,
  FIXTURE_FROM_BUCKET,
  FIXTURE_STEP_MS,
  FIXTURE_STEPS,
} from '../../support/series-writer-fixture.ts';
import { ENGINES, useEngine } from '../../support/engines.ts';
import { testConfig } from '../../support/stack.ts';

const fixture = fixtureSeries('svc');

describe.each(ENGINES)('series queries → $name', (engine) => {
  // The fixture's series are from January 2026: past the default retention, a modern
  // table's TTL would drop them.
  const config = testConfig({ clickhouse: { retentionDays: 0 } });
  let storage: Storage;
  useEngine(engine, config);

  function reader(shard: Shard): SeriesReader {
    const source = sqlSource(storage);
    return new SeriesReader(() => source, {
      stepMs: FIXTURE_STEP_MS,
      signals: config.worker.signals,
      instanceAttributes: config.worker.instanceAttributes,
      maxGapSteps: config.worker.maxGapSteps,
      shard,
    });
  }

  beforeAll(async () => {
    await migrateTestDatabase(config);
    storage = await openStorage(config.clickhouse);
    for (const rows of fixtureRows(fixture)) {
      await insertMetricRows(storage.client, storage.dialect, config.clickhouse.database, rows);
    }
  });

  afterAll(async () => {
    if (!storage) return;
    await dropTestDatabase(storage.client, config);
    await storage.client.close();
  });

  it(`reads in the ${engine.dialect} dialect`, () => {
    expect(storage.dialect.name).toBe(engine.dialect);
  });

  it('reads every flavor of Go metrics into the six signals, across a counter reset', async () => {
    const windows = await reader({ index: 0, count: 1 }).read(
      FIXTURE_FROM_BUCKET + 2,
      FIXTURE_FROM_BUCKET + FIXTURE_STEPS,
    );
    expectFixtureRead(windows, fixture, 2, FIXTURE_STEPS);
  });

  it('reads only the series of its shard, the same ones shardOf() assigns', async () => {
    const owned = await Promise.all(
      [0, 1, 2].map(async (index) => [
        ...(
          await reader({ index, count: 3 }).read(FIXTURE_FROM_BUCKET + 2, FIXTURE_FROM_BUCKET + 4)
        ).values(),
      ]),
    );
    owned.forEach((windows, index) => {
      for (const w of windows) expect(shardOf(w.id, 3)).toBe(index);
    });
    expect(
      owned
        .flat()
        .map((w) => seriesKey(w.id))
        .sort(),
    ).toEqual(fixture.map((f) => seriesKey(f.id)).sort());
  });

  it('writes scores to anomaly_scores and reads them back for the alert page', async () => {
    const store = new ScoreStore(() => storage);
    const id = fixture[0]!.id;
    const at = FIXTURE_FROM_BUCKET * FIXTURE_STEP_MS;
    const score = (i: number): StepScore => ({
      key: seriesKey(id),
      timestampMs: at + i * FIXTURE_STEP_MS,
      method: 'online',
      modelVersion: null,
      observed: { goroutines: 100 + i, heap_inuse: Number.NaN },
      expected: { goroutines: 100, heap_inuse: Number.NaN },
      lower: { goroutines: 88 - i, heap_inuse: Number.NaN },
      upper: { goroutines: 112 + i, heap_inuse: Number.NaN },
      forecast: { goroutines: Number.NaN, heap_inuse: Number.NaN },
      signalErrors: { goroutines: i / 2, heap_inuse: Number.NaN },
      score: 0.1 * i,
      ratio: i / 2,
      anomalous: i === 2,
      drivingSignal: 'goroutines',
      reason: 'spike',
      direction: 'up',
    });
    await store.write(scoreRows([0, 1, 2].map((i) => ({ id, score: score(i) }))));
    const read = await store.read(id, at, at + 3 * FIXTURE_STEP_MS);
    const goroutines = read.filter((r) => r.signal === 'goroutines');
    expect(goroutines.map((r) => [r.timestampMs, r.observed, r.anomalous])).toEqual([
      [at, 100, false],
      [at + FIXTURE_STEP_MS, 101, false],
      [at + 2 * FIXTURE_STEP_MS, 102, true],
    ]);
    // The band the detector drew for each step.
    expect(goroutines.map((r) => [r.lower, r.upper])).toEqual([
      [88, 112],
      [87, 113],
      [86, 114],
    ]);
    expect(goroutines[1]).toMatchObject({ method: 'online', drivingSignal: 'goroutines' });
    expect(read.find((r) => r.signal === 'heap_inuse')?.observed).toBeNaN();
    expect(new Set(read.map((r) => r.instance))).toEqual(new Set([id.instance]));
    // Without the instance: every instance of the service (the webhook's read).
    const service = await store.read(
      { tenant: id.tenant, service: id.service },
      at,
      at + 3 * FIXTURE_STEP_MS,
      'goroutines',
    );
    expect(service.map((r) => [r.timestampMs, r.instance])).toEqual(
      goroutines.map((r) => [r.timestampMs, id.instance]),
    );
  });
});
