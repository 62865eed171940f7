import { describe, expect, it } from 'vitest';
import { Detector, type SeriesPoint, type StepScore } from '../../../models/detector.ts';
import { fitNormalization, sliceSeries, type MultiSeries } from '../../../models/features.ts';
import { generateGoSeries } from '../../../models/simulator/go-series.ts';
import { untrainedModel } from '../../support/go-series-model.ts';

const STEP_MS = 15_000;

function generated(seed: number, steps: number): MultiSeries {
  const { series } = generateGoSeries({
    seed,
    days: 1,
    shortGapsPerDay: 0,
    deploysPerDay: 0,
    peaksPerDay: 0,
  });
  return sliceSeries(series, 0, steps);
}

function pointsAt(series: MultiSeries, key: string, t: number): SeriesPoint {
  return {
    key,
    timestampMs: series.startMs + t * STEP_MS,
    values: series.values.map((c) => c[t] ?? Number.NaN),
  };
}

function comparable(s: StepScore): unknown {
  return {
    method: s.method,
    anomalous: s.anomalous,
    error: round(s.error),
    smoothed: round(s.smoothedError),
    threshold: round(s.threshold),
    driving: s.drivingSignal,
  };
}

function round(x: number): number | null {
  return Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : null;
}

describe('Detector streaming vs offline', () => {
  it('scoreBatch step by step over many series gives the same scores as scoreSeries', async () => {
    const series = [generated(1, 300), generated(2, 300), generated(3, 300)];
    // a short gap and a long gap in series 1
    for (const c of series[1]!.values) {
      c.fill(Number.NaN, 100, 102);
      c.fill(Number.NaN, 200, 210);
    }
    const keys = ['t/s/a', 't/s/b', 't/s/c'];
    const normalization = Object.fromEntries(keys.map((k, i) => [k, fitNormalization(series[i]!)]));
    const model = await untrainedModel({ window: 8, units: 4, normalization });

    const offline = new Detector({ model });
    const expected = await Promise.all(keys.map((k, i) => offline.scoreSeries(k, series[i]!)));

    const streaming = new Detector({ model });
    const got: StepScore[][] = keys.map(() => []);
    for (let t = 0; t < 300; t++) {
      const scores = await streaming.scoreBatch(keys.map((k, i) => pointsAt(series[i]!, k, t)));
      scores.forEach((s) => got[keys.indexOf(s.key)]!.push(s));
    }
    keys.forEach((_, i) => {
      expect(got[i]!.length).toBe(300);
      expect(got[i]!.map(comparable)).toEqual(expected[i]!.map(comparable));
    });
    // and the expected values agree too (forecasts are the same numbers)
    expect(got[0]![250]!.expected['goroutines']).toBeCloseTo(
      expected[0]![250]!.expected['goroutines']!,
      3,
    );
    model.forecaster.dispose();
  });
});

describe('Detector methods', () => {
  it('uses cold-start until a window is filled, then the LSTM; back to cold-start after a long gap', async () => {
    const s = generated(4, 120);
    const model = await untrainedModel({ window: 8, normalization: { k: fitNormalization(s) } });
    const detector = new Detector({ model });
    const scores = await detector.scoreSeries('k', s);
    expect(scores.slice(0, 8).every((x) => x.method === 'cold-start')).toBe(true);
    expect(scores.slice(8).every((x) => x.method === 'lstm')).toBe(true);
    expect(scores[50]!.modelVersion).toBe(model.metadata.version);
    // a jump of 10 steps (> maxGapSteps 4) resets the window
    const later = await detector.scoreBatch([
      { key: 'k', timestampMs: s.startMs + 130 * STEP_MS, values: s.values.map((c) => c[100]!) },
    ]);
    expect(later[0]!.method).toBe('cold-start');
    // a skip of 2 steps is forward-filled: the window survives
    const detector2 = new Detector({ model });
    await detector2.scoreSeries('k', s);
    const short = await detector2.scoreBatch([
      { key: 'k', timestampMs: s.startMs + 122 * STEP_MS, values: s.values.map((c) => c[100]!) },
    ]);
    expect(short[0]!.method).toBe('lstm');
    model.forecaster.dispose();
  });

  it('fits a normalization for a series the model does not know, after enough history', async () => {
    const s = generated(5, 200);
    const model = await untrainedModel({ window: 8 });
    const detector = new Detector({ model, coldStart: { historySteps: 60 } });
    const scores = await detector.scoreSeries('new-series', s);
    const firstLstm = scores.findIndex((x) => x.method === 'lstm');
    expect(firstLstm).toBe(60);
    model.forecaster.dispose();
  });

  it('without a model scores with the robust median/MAD fallback and finds a gross spike', async () => {
    const s = generated(6, 200);
    const latency = s.features.indexOf('latency_p99');
    for (let t = 150; t < 160; t++) s.values[latency]![t] = s.values[latency]![t]! * 10;
    const detector = new Detector();
    const scores = await detector.scoreSeries('x', s);
    expect(scores.every((x) => x.method === 'cold-start' && x.modelVersion === null)).toBe(true);
    // too little history at first: no score at all
    expect(scores[5]!.anomalous).toBe(false);
    expect(Number.isNaN(scores[5]!.error)).toBe(true);
    expect(scores.slice(20, 150).some((x) => x.anomalous)).toBe(false);
    const spike = scores.slice(150, 160).filter((x) => x.anomalous);
    expect(spike.length).toBeGreaterThan(5);
    expect(spike.every((x) => x.drivingSignal === 'latency_p99')).toBe(true);
    expect(spike[0]!.expected['latency_p99']).toBeLessThan(spike[0]!.observed['latency_p99']! / 5);
  });

  it('drops stale points and reports every field in range', async () => {
    const s = generated(7, 50);
    const detector = new Detector();
    await detector.scoreSeries('k', s);
    const stale = await detector.scoreBatch([pointsAt(s, 'k', 10)]);
    expect(stale).toHaveLength(0);
    const next = await detector.scoreBatch([pointsAt(generated(7, 60), 'k', 50)]);
    expect(next).toHaveLength(1);
    const score = next[0]!;
    expect(score.score).toBeGreaterThanOrEqual(0);
    expect(score.score).toBeLessThanOrEqual(1);
    expect(Object.keys(score.observed)).toEqual([...s.features]);
    expect(Object.keys(score.expected)).toEqual([...s.features]);
    expect(detector.seriesCount).toBe(1);
    detector.forget('k');
    expect(detector.seriesCount).toBe(0);
  });

  it('does not score context signals (request_rate) but still reports them', async () => {
    const s = generated(8, 200);
    const rate = s.features.indexOf('request_rate');
    for (let t = 150; t < 170; t++) s.values[rate]![t] = s.values[rate]![t]! * 20;
    const quiet = await new Detector().scoreSeries('k', s);
    expect(quiet.slice(150, 170).some((x) => x.anomalous)).toBe(false);
    expect(quiet[160]!.signalErrors['request_rate']).toBeGreaterThan(5);
    const scoringRate = await new Detector({ contextSignals: [] }).scoreSeries('k', s);
    expect(
      scoringRate.slice(150, 170).some((x) => x.anomalous && x.drivingSignal === 'request_rate'),
    ).toBe(true);
  });

  it('masks gap-filled signals: a signal missing for a step has no error', async () => {
    const s = generated(9, 100);
    const heap = s.features.indexOf('heap_inuse');
    s.values[heap]![80] = Number.NaN;
    const scores = await new Detector().scoreSeries('k', s);
    expect(Number.isNaN(scores[80]!.signalErrors['heap_inuse']!)).toBe(true);
    expect(Number.isNaN(scores[80]!.observed['heap_inuse']!)).toBe(true);
    expect(Number.isFinite(scores[80]!.signalErrors['goroutines']!)).toBe(true);
  });
});

describe('Detector batching', () => {
  it('scores a series given twice in one call in order, as two consecutive steps', async () => {
    const s = generated(10, 60);
    const model = await untrainedModel({ window: 8, normalization: { k: fitNormalization(s) } });
    const reference = await new Detector({ model }).scoreSeries('k', s);
    const detector = new Detector({ model });
    await detector.scoreSeries('k', sliceSeries(s, 0, 50));
    const both = await detector.scoreBatch([pointsAt(s, 'k', 50), pointsAt(s, 'k', 51)]);
    expect(both.map((x) => x.timestampMs)).toEqual([
      s.startMs + 50 * STEP_MS,
      s.startMs + 51 * STEP_MS,
    ]);
    expect(both.map(comparable)).toEqual([reference[50]!, reference[51]!].map(comparable));
    model.forecaster.dispose();
  });
});
