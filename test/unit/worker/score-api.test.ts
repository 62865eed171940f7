// The score API without a server: request validation (400 naming the field), unknown series,
// a range without data, and the answer's shape, from a fake score store.
import { describe, expect, it } from 'vitest';
import {
  answerScoreRequest,
  parseScoreRequest,
  type ScoreSource,
} from '../../../services/anomaly-worker/score-api.ts';
import type { ScoredSeries, StoredScore } from '../../../services/anomaly-worker/scores.ts';

const SERIES = { tenant: 'acme', service: 'checkout', instance: 'pod-1', signal: 'goroutines' };
const T = Date.UTC(2026, 0, 1, 12, 0, 0);
const STEP = 15_000;

function expectBad(body: unknown, field: string, message: RegExp): void {
  const parsed = parseScoreRequest(body);
  expect(parsed.ok).toBe(false);
  if (parsed.ok) return;
  expect(parsed.field).toBe(field);
  expect(parsed.message).toMatch(message);
}

describe('parseScoreRequest', () => {
  it('accepts the latest, a time (unix ms or ISO) and a range', () => {
    expect(parseScoreRequest(SERIES)).toEqual({
      ok: true,
      request: {
        id: { tenant: 'acme', service: 'checkout', instance: 'pod-1' },
        signal: 'goroutines',
        mode: 'latest',
      },
    });
    expect(parseScoreRequest({ ...SERIES, time: T })).toMatchObject({
      ok: true,
      request: { mode: 'at', fromMs: T },
    });
    expect(parseScoreRequest({ ...SERIES, time: new Date(T).toISOString() })).toMatchObject({
      ok: true,
      request: { mode: 'at', fromMs: T },
    });
    expect(
      parseScoreRequest({ ...SERIES, from: T, to: new Date(T + 60_000).toISOString() }),
    ).toMatchObject({ ok: true, request: { mode: 'range', fromMs: T, toMs: T + 60_000 } });
  });

  it('accepts an empty tenant and instance (the table has them)', () => {
    expect(parseScoreRequest({ ...SERIES, tenant: '', instance: '' }).ok).toBe(true);
  });

  it.each([
    ['a missing field', { ...SERIES, service: undefined }, 'service', /service: /],
    ['an empty service', { ...SERIES, service: '' }, 'service', /service: /],
    ['a wrong type', { ...SERIES, tenant: 7 }, 'tenant', /tenant: .*string/],
    ['an unknown signal', { ...SERIES, signal: 'cpu' }, 'signal', /signal: .*goroutines/],
    ['a bad time', { ...SERIES, time: 'yesterday' }, 'time', /time: .*ISO 8601/],
    ['a negative time', { ...SERIES, time: -1 }, 'time', /time: /],
    [
      'time and a range',
      { ...SERIES, time: T, from: T, to: T + 1 },
      'time',
      /either time or from\/to/,
    ],
    ['from without to', { ...SERIES, from: T }, 'to', /to: required with from/],
    ['to without from', { ...SERIES, to: T }, 'from', /from: required with to/],
    ['to before from', { ...SERIES, from: T, to: T - 1 }, 'to', /to: must be after from/],
    ['a range over 7 days', { ...SERIES, from: T, to: T + 8 * 86_400_000 }, 'to', /7 days/],
    ['an unknown field', { ...SERIES, form: T }, 'form', /form/],
  ])('rejects %s, naming the field', (_what, body, field, message) => {
    expectBad(body, field, message);
  });

  it('rejects a body that is not an object', () => {
    expectBad([SERIES], '(body)', /object/);
    expectBad(null, '(body)', /object/);
  });
});

function stored(i: number): StoredScore {
  return {
    timestampMs: T + i * STEP,
    instance: 'pod-1',
    signal: 'goroutines',
    observed: 200 + i,
    expected: 200,
    lower: 180,
    upper: 220,
    score: 0.1,
    anomalous: i === 2,
    drivingSignal: i === 2 ? 'goroutines' : '',
    modelVersion: '',
    method: 'online',
  };
}

/** Scores at steps 0..3 for SERIES; nothing for anything else. */
function fakeStore(): ScoreSource & { reads: Array<[number, number, string | undefined]> } {
  const rows = [0, 1, 2, 3].map(stored);
  const known = (id: ScoredSeries, signal: string) =>
    id.tenant === 'acme' &&
    id.service === 'checkout' &&
    id.instance === 'pod-1' &&
    signal === 'goroutines';
  const reads: Array<[number, number, string | undefined]> = [];
  return {
    reads,
    extent: (id, signal) =>
      Promise.resolve(
        known(id, signal) ? { count: 4, firstMs: T, lastMs: T + 3 * STEP } : undefined,
      ),
    read: (id, from, to, signal) => {
      reads.push([from, to, signal]);
      return Promise.resolve(
        known(id, signal ?? '')
          ? rows.filter((r) => r.timestampMs >= from && r.timestampMs < to)
          : [],
      );
    },
  };
}

const ask = (body: unknown, raw?: string) =>
  answerScoreRequest(raw ?? JSON.stringify(body), { scores: fakeStore(), stepMs: STEP });

describe('answerScoreRequest', () => {
  it('answers a time with the score of the step containing it', async () => {
    const { status, body } = await ask({ ...SERIES, time: T + 2 * STEP + 7000 });
    expect(status).toBe(200);
    expect(body).toEqual({
      tenant: 'acme',
      service: 'checkout',
      instance: 'pod-1',
      signal: 'goroutines',
      from: new Date(T + 2 * STEP).toISOString(),
      to: new Date(T + 3 * STEP).toISOString(),
      scores: [
        {
          time: new Date(T + 2 * STEP).toISOString(),
          timestampMs: T + 2 * STEP,
          score: 0.1,
          anomalous: true,
          observed: 202,
          expected: 200,
          lower: 180,
          upper: 220,
          modelVersion: null,
          method: 'online',
          drivingSignal: 'goroutines',
        },
      ],
    });
  });

  it('answers a range and the latest score', async () => {
    const range = await ask({ ...SERIES, from: T + STEP, to: T + 3 * STEP });
    expect((range.body as { scores: unknown[] }).scores).toHaveLength(2);
    const latest = await ask(SERIES);
    expect(latest.status).toBe(200);
    expect(
      (latest.body as { scores: Array<{ timestampMs: number }> }).scores.map((s) => s.timestampMs),
    ).toEqual([T + 3 * STEP]);
  });

  it('gives 400 for a body that is not JSON and for a bad field', async () => {
    const notJson = await ask(undefined, '{"tenant": ');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ error: 'bad_request', message: /not valid JSON/ });
    const bad = await ask({ ...SERIES, signal: 'cpu' });
    expect(bad).toMatchObject({ status: 400, body: { error: 'bad_request', field: 'signal' } });
  });

  it('gives 404 unknown_series for a series without any score', async () => {
    const { status, body } = await ask({ ...SERIES, instance: 'pod-9' });
    expect(status).toBe(404);
    expect(body).toMatchObject({
      error: 'unknown_series',
      message: /unknown series.*instance=pod-9/,
    });
  });

  it('gives 404 no_data_in_range for a known series outside its data, saying what it has', async () => {
    const { status, body } = await ask({ ...SERIES, from: T - 3_600_000, to: T - 60_000 });
    expect(status).toBe(404);
    expect(body).toMatchObject({
      error: 'no_data_in_range',
      message: new RegExp(`no data in range.*has 4 from ${new Date(T).toISOString()}`),
    });
  });
});
