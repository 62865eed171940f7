// POST /v1/score against the real ClickHouse (the stack's server, old dialect 18.16): scores
// written into anomaly_scores the way the worker writes them, then asked for over HTTP from
// the page server: found (a time, a range, the latest), unknown series, empty range, bad body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../lib/config/index.ts';
import { createLogger } from '../../../lib/log.ts';
import { seriesKey } from '../../../models/features.ts';
import type { StepScore } from '../../../models/step-score.ts';
import { AlertPageServer } from '../../../services/anomaly-worker/page-server.ts';
import { ScoreStore, scoreRows } from '../../../services/anomaly-worker/scores.ts';
import { openStorage, type Storage } from '../../../services/anomaly-worker/storage.ts';
import { migrateTestDatabase } from '../../support/clickhouse.ts';
import { stopPageServerAndStorage } from '../../support/page-server.ts';
import { testConfig, uniqueSuffix } from '../../support/stack.ts';

const STEP_MS = 15_000;
const T0 = Math.floor((Date.now() - 3_600_000) / STEP_MS) * STEP_MS;
const id = { tenant: 'acme', service: `scored-${uniqueSuffix()}`, instance: 'pod-a' };

let config: Config;
let storage: Storage;
let server: AlertPageServer;
let url: string;

function step(i: number): StepScore {
  return {
    key: seriesKey(id),
    timestampMs: T0 + i * STEP_MS,
    method: 'lstm',
    modelVersion: 'v20260101T000000Z',
    observed: { goroutines: 100 + 10 * i, heap_inuse: 64e6 },
    expected: { goroutines: 100, heap_inuse: 64e6 },
    lower: { goroutines: 85, heap_inuse: 60e6 },
    upper: { goroutines: 115, heap_inuse: 68e6 },
    forecast: { goroutines: 101, heap_inuse: 64e6 },
    signalErrors: { goroutines: 2 * i, heap_inuse: 0.1 },
    score: 0.25 * i,
    ratio: i / 2,
    anomalous: i === 3,
    drivingSignal: 'goroutines',
    reason: 'forecast',
    direction: 'up',
  };
}

interface ScoreAnswer {
  error?: string;
  message?: string;
  field?: string;
  scores: Array<{ observed: number; timestampMs: number }>;
}

async function post(body: unknown): Promise<{ status: number; type: string; json: ScoreAnswer }> {
  const res = await fetch(`${url}/v1/score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    json: (await res.json()) as ScoreAnswer,
  };
}

beforeAll(async () => {
  config = testConfig();
  await migrateTestDatabase(config);
  storage = await openStorage(config.clickhouse);
  const scores = new ScoreStore(() => storage);
  await scores.write(scoreRows([0, 1, 2, 3].map((i) => ({ id, score: step(i) }))));
  server = new AlertPageServer(
    {
      address: '127.0.0.1:0',
      externalUrl: '',
      windowMs: 3_600_000,
      alertname: 'GoRuntimeAnomaly',
      stepMs: STEP_MS,
    },
    { scores, log: createLogger('score-api-test', config) },
  );
  await server.start();
  url = `http://127.0.0.1:${server.port()}`;
});

afterAll(async () => {
  await stopPageServerAndStorage(server, storage, config);
});

describe('POST /v1/score against ClickHouse', () => {
  const series = { ...id, signal: 'goroutines' };

  it('returns the score of the step containing a time, with expected, band and model', async () => {
    const { status, type, json } = await post({
      ...series,
      time: new Date(T0 + 3 * STEP_MS + 4000).toISOString(),
    });
    expect(status).toBe(200);
    expect(type).toMatch(/^application\/json/);
    expect(json).toMatchObject({ ...series, from: new Date(T0 + 3 * STEP_MS).toISOString() });
    // The band the detector drew for the step.
    expect(json.scores).toEqual([
      {
        time: new Date(T0 + 3 * STEP_MS).toISOString(),
        timestampMs: T0 + 3 * STEP_MS,
        score: 0.75,
        anomalous: true,
        observed: 130,
        expected: 100,
        lower: 85,
        upper: 115,
        modelVersion: 'v20260101T000000Z',
        method: 'lstm',
        drivingSignal: 'goroutines',
      },
    ]);
  });

  it('returns a range oldest first, and the latest score', async () => {
    const range = await post({ ...series, from: T0, to: T0 + 3 * STEP_MS });
    expect(range.status).toBe(200);
    expect(range.json.scores.map((s) => s.observed)).toEqual([100, 110, 120]);
    const latest = await post(series);
    expect(latest.status).toBe(200);
    expect(latest.json.scores.map((s) => s.timestampMs)).toEqual([T0 + 3 * STEP_MS]);
    const heap = await post({ ...series, signal: 'heap_inuse', from: T0, to: T0 + 4 * STEP_MS });
    expect(heap.json.scores).toHaveLength(4);
  });

  it('gives 404 unknown_series for a series without scores', async () => {
    for (const body of [
      { ...series, instance: 'pod-zz' },
      { ...series, signal: 'latency_p99' },
    ]) {
      const { status, json } = await post(body);
      expect(status).toBe(404);
      expect(json).toMatchObject({ error: 'unknown_series', message: /^unknown series: / });
    }
  });

  it('gives 404 no_data_in_range for a range of a known series without scores', async () => {
    const { status, json } = await post({
      ...series,
      from: T0 - 3_600_000,
      to: T0 - STEP_MS,
    });
    expect(status).toBe(404);
    expect(json).toMatchObject({
      error: 'no_data_in_range',
      message: /^no data in range: .*has 4 from/,
    });
  });

  it('gives 400 naming the field for a malformed body', async () => {
    const bad = await post({ ...series, signal: 'cpu' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: 'bad_request', field: 'signal' });
    const missing = await post({ tenant: 'acme', instance: 'pod-a', signal: 'goroutines' });
    expect(missing.json).toMatchObject({ field: 'service', message: /^service: / });
    const notJson = await post('{"tenant":');
    expect(notJson.status).toBe(400);
    expect(notJson.json.message).toMatch(/not valid JSON/);
    const get = await fetch(`${url}/v1/score`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});
