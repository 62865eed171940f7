// The streaming detector over many series: online detectors from the first steps, the LSTM
// once a window is full, gaps, stale points, batching, context and up-only signals, the band,
// model swaps and the model-first rule for skilful signals.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ONLINE_PARAMS } from '../../../models/online/params.ts';
import { Detector } from '../../../models/detector.ts';
import { GO_SIGNALS, sliceSeries, type MultiSeries } from '../../../models/features.ts';
import { generateGoSeries } from '../../../models/simulator/go-series.ts';
import type { SeriesPoint, StepScore } from '../../../models/step-score.ts';
import { untrainedModel } from '../../support/go-series-model.ts';

const STEP_MS = 15_000;
const MIN_STEPS = DEFAULT_ONLINE_PARAMS.minSteps;

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

function pointAt(series: MultiSeries, key: string, t: number): SeriesPoint {
  return {
    key,
    timestampMs: series.startMs + t * STEP_MS,
    values: series.values.map((c) => c[t] ?? Number.NaN),
  };
}

function column(series: MultiSeries, name: string): Float64Array {
  return series.values[series.features.indexOf(name)]!;
}

describe('Detector streaming vs offline', () => {
  it('scoreBatch step by step over many series gives exactly the scores of scoreSeries', async () => {
    const series = [generated(1, 300), generated(2, 300), generated(3, 300)];
    // a short gap and a long gap in series 1
    for (const c of series[1]!.values) {
      c.fill(Number.NaN, 100, 102);
      c.fill(Number.NaN, 200, 210);
    }
    const keys = ['t/s/a', 't/s/b', 't/s/c'];
    const model = await untrainedModel({ window: 8, units: 4 });

    const offline = new Detector({ model });
    const expected = await Promise.all(keys.map((k, i) => offline.scoreSeries(k, series[i]!)));

    const streaming = new Detector({ model });
    const got: StepScore[][] = keys.map(() => []);
    for (let t = 0; t < 300; t++) {
      const scores = await streaming.scoreBatch(keys.map((k, i) => pointAt(series[i]!, k, t)));
      scores.forEach((s) => got[keys.indexOf(s.key)]!.push(s));
    }
    keys.forEach((_, i) => {
      expect(got[i]!.length).toBe(300);
      expect(got[i]).toEqual(expected[i]);
    });
    expect(got[1]!.slice(8, 100).every((s) => s.method === 'lstm')).toBe(true);
    model.forecaster.dispose();
  });
});

describe('Detector methods', () => {
  it('scores online until a window is filled, then with the LSTM; online again after a long gap', async () => {
    const s = generated(4, 120);
    const model = await untrainedModel({ window: 8 });
    const detector = new Detector({ model });
    const scores = await detector.scoreSeries('k', s);
    expect(scores.slice(0, 8).every((x) => x.method === 'online')).toBe(true);
    expect(scores.slice(8).every((x) => x.method === 'lstm')).toBe(true);
    expect(scores.every((x) => x.modelVersion === model.metadata.version)).toBe(true);
    // the forecast is there for every scored signal once the LSTM scores
    expect(Number.isNaN(scores[7]!.forecast['goroutines']!)).toBe(true);
    expect(Number.isFinite(scores[50]!.forecast['goroutines']!)).toBe(true);
    // a jump of 10 steps (> maxGapSteps 4) restarts the window
    const later = await detector.scoreBatch([
      { key: 'k', timestampMs: s.startMs + 130 * STEP_MS, values: s.values.map((c) => c[100]!) },
    ]);
    expect(later[0]!.method).toBe('online');
    // but not the online baselines: the step is judged at once
    expect(Number.isFinite(later[0]!.expected['goroutines']!)).toBe(true);
    // a skip of 2 steps is forward-filled: the window survives
    const detector2 = new Detector({ model });
    await detector2.scoreSeries('k', s);
    const short = await detector2.scoreBatch([
      { key: 'k', timestampMs: s.startMs + 122 * STEP_MS, values: s.values.map((c) => c[100]!) },
    ]);
    expect(short[0]!.method).toBe('lstm');
    model.forecaster.dispose();
  });

  it('without a model scores online from minSteps and finds a gross spike', async () => {
    const s = generated(6, 200);
    const latency = column(s, 'latency_p99');
    for (let t = 150; t < 160; t++) latency[t] = latency[t]! * 10;
    const scores = await new Detector().scoreSeries('x', s);
    expect(scores.every((x) => x.method === 'online' && x.modelVersion === null)).toBe(true);
    // too little history at first: no score at all
    for (const x of scores.slice(0, MIN_STEPS)) {
      expect(x).toMatchObject({ anomalous: false, ratio: 0, drivingSignal: null, reason: null });
      expect(x.expected['goroutines']).toBeNaN();
    }
    expect(scores.slice(MIN_STEPS).every((x) => x.drivingSignal !== null)).toBe(true);
    // (quiet before the spike as far as latency goes; other signals' early false alarms are
    // the subject of online-detection.test.ts)
    expect(
      scores.slice(20, 150).some((x) => x.anomalous && x.drivingSignal === 'latency_p99'),
    ).toBe(false);
    const spike = scores.slice(150, 160).filter((x) => x.anomalous);
    expect(spike.length).toBeGreaterThan(5);
    expect(spike.every((x) => x.drivingSignal === 'latency_p99' && x.direction === 'up')).toBe(
      true,
    );
    expect(spike[0]!.expected['latency_p99']).toBeLessThan(spike[0]!.observed['latency_p99']! / 5);
    expect(spike[0]!.observed['latency_p99']).toBeGreaterThan(spike[0]!.upper['latency_p99']!);
  });

  it('drops stale points and reports every field in range', async () => {
    const s = generated(7, 60);
    const detector = new Detector();
    await detector.scoreSeries('k', sliceSeries(s, 0, 50));
    const stale = await detector.scoreBatch([pointAt(s, 'k', 10), pointAt(s, 'k', 49)]);
    expect(stale).toHaveLength(0);
    const next = await detector.scoreBatch([pointAt(s, 'k', 50)]);
    expect(next).toHaveLength(1);
    const score = next[0]!;
    expect(score.timestampMs).toBe(s.startMs + 50 * STEP_MS);
    expect(score.score).toBeGreaterThanOrEqual(0);
    expect(score.score).toBeLessThanOrEqual(1);
    for (const field of [
      'observed',
      'expected',
      'lower',
      'upper',
      'forecast',
      'signalErrors',
    ] as const) {
      expect(Object.keys(score[field])).toEqual([...s.features]);
    }
    for (const f of s.features) {
      expect(score.lower[f]!).toBeLessThan(score.expected[f]!);
      expect(score.upper[f]!).toBeGreaterThan(score.expected[f]!);
    }
    expect(detector.seriesCount).toBe(1);
    detector.forget('k');
    expect(detector.seriesCount).toBe(0);
    // a forgotten series starts over: its old timestamps are new again
    expect(await detector.scoreBatch([pointAt(s, 'k', 10)])).toHaveLength(1);
  });

  it('judges context signals (request_rate) but never lets them decide', async () => {
    const s = generated(8, 200);
    const rate = column(s, 'request_rate');
    for (let t = 150; t < 170; t++) rate[t] = rate[t]! * 20;
    const quiet = await new Detector().scoreSeries('k', s);
    expect(quiet.slice(150, 170).some((x) => x.anomalous)).toBe(false);
    expect(quiet.some((x) => x.drivingSignal === 'request_rate')).toBe(false);
    expect(quiet[160]!.signalErrors['request_rate']).toBeGreaterThan(5);
    const scoringRate = await new Detector({ contextSignals: [] }).scoreSeries('k', s);
    expect(
      scoringRate.slice(150, 170).some((x) => x.anomalous && x.drivingSignal === 'request_rate'),
    ).toBe(true);
    expect(() => new Detector({ contextSignals: [...GO_SIGNALS] })).toThrow(/nothing to score/);
  });

  it('explains a move the load made too: latency rising with a traffic burst is not anomalous', async () => {
    // Latency and the request rate alone, so `anomalous` is latency's verdict.
    const pair = (withLoad: boolean): MultiSeries => {
      const s = generated(18, 300);
      const rate = Float64Array.from(column(s, 'request_rate'));
      const latency = Float64Array.from(column(s, 'latency_p99'));
      for (let t = 250; t < 260; t++) {
        if (withLoad) rate[t] = rate[t]! * 8;
        latency[t] = latency[t]! * 3;
      }
      return { ...s, features: ['latency_p99', 'request_rate'], values: [latency, rate] };
    };
    const detector = () => new Detector({ features: ['latency_p99', 'request_rate'] });
    const explained = await detector().scoreSeries('k', pair(true));
    expect(explained.slice(250, 260).some((x) => x.anomalous)).toBe(false);
    expect(explained[252]!.signalErrors['latency_p99']).toBeGreaterThan(5);
    // the same latency without the load behind it is an anomaly
    const alone = await detector().scoreSeries('k', pair(false));
    const flagged = alone.slice(250, 260).filter((x) => x.anomalous);
    expect(flagged.length).toBeGreaterThan(5);
    expect(flagged.every((x) => x.drivingSignal === 'latency_p99')).toBe(true);
  });

  it('alerts Go signals upward only: a drop (a restart) is not anomalous unless asked', async () => {
    const s = generated(11, 300);
    const goroutines = column(s, 'goroutines');
    for (let t = 250; t < 256; t++) goroutines[t] = goroutines[t]! * 0.2;
    const upOnly = await new Detector().scoreSeries('k', s);
    expect(upOnly.slice(250, 256).some((x) => x.anomalous)).toBe(false);
    expect(upOnly[252]!.signalErrors['goroutines']).toBeLessThan(-5);
    const both = await new Detector({ upOnlySignals: [] }).scoreSeries('k', s);
    const dropped = both.slice(250, 256).filter((x) => x.anomalous);
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every((x) => x.drivingSignal === 'goroutines' && x.direction === 'down')).toBe(
      true,
    );
  });

  it('masks gap-filled signals: a signal missing for a step has no error', async () => {
    const s = generated(9, 100);
    const heap = column(s, 'heap_inuse');
    heap[80] = Number.NaN;
    const scores = await new Detector().scoreSeries('k', s);
    expect(scores[80]!.signalErrors['heap_inuse']).toBeNaN();
    expect(scores[80]!.observed['heap_inuse']).toBeNaN();
    expect(scores[80]!.upper['heap_inuse']).toBeNaN();
    expect(Number.isFinite(scores[80]!.signalErrors['goroutines']!)).toBe(true);
    expect(Number.isFinite(scores[81]!.signalErrors['heap_inuse']!)).toBe(true);
  });
});

describe('Detector band', () => {
  it('does not widen during a leak: the upper bound stays at the pre-leak band', async () => {
    const s = generated(12, 700);
    const goroutines = column(s, 'goroutines');
    const leakFrom = 500;
    for (let t = leakFrom; t < 700; t++) goroutines[t] = goroutines[t]! + 15 * (t - leakFrom + 1);
    const scores = await new Detector().scoreSeries('k', s);
    const before = scores[leakFrom - 1]!;
    const upper0 = before.upper['goroutines']!;
    const width0 = upper0 - before.expected['goroutines']!;
    const firstFlag = scores.findIndex((x, t) => t >= leakFrom && x.anomalous);
    expect(firstFlag).toBeGreaterThanOrEqual(leakFrom);
    expect(firstFlag - leakFrom).toBeLessThan(20);
    // While the leak is held back (quarantineSteps 64), expected and band stay where they were.
    for (const x of scores.slice(firstFlag, firstFlag + 60)) {
      expect(x.anomalous).toBe(true);
      expect(Math.abs(x.expected['goroutines']! - before.expected['goroutines']!)).toBeLessThan(
        0.05 * width0,
      );
      expect(Math.abs(x.upper['goroutines']! - upper0)).toBeLessThan(0.25 * width0);
    }
    // by then the leak is ~900 goroutines above it
    expect(scores[firstFlag + 59]!.observed['goroutines']! - upper0).toBeGreaterThan(10 * width0);
  });
});

describe('Detector after an excursion', () => {
  /** `signal` and the request rate alone, so `anomalous` is that signal's verdict. */
  async function flaggedAfter200(
    seed: number,
    signal: string,
    change: (values: Float64Array) => void,
  ): Promise<number[]> {
    const s = generated(seed, 450);
    const values = Float64Array.from(column(s, signal));
    change(values);
    const pair: MultiSeries = {
      ...s,
      features: [signal, 'request_rate'],
      values: [values, column(s, 'request_rate')],
    };
    const scores = await new Detector({ features: pair.features }).scoreSeries('k', pair);
    return scores.flatMap((x, t) => (x.anomalous && t >= 200 ? [t] : []));
  }

  // The smoothed statistics need a few steps to come down (the level EWMA spans 12 steps): three
  // minutes after an excursion is over, the series is normal again.
  const SETTLE_STEPS = 12;

  /** Per seed, the last step still flagged SETTLE_STEPS or more after the excursion ended. */
  async function lingering(
    end: number,
    signal: string,
    change: (values: Float64Array) => void,
  ): Promise<Record<number, number>> {
    const out: Record<number, number> = {};
    for (const seed of [19, 20, 21]) {
      const flagged = await flaggedAfter200(seed, signal, change);
      expect(flagged[0], `seed ${seed}`).toBeGreaterThanOrEqual(250);
      expect(flagged[0], `seed ${seed}`).toBeLessThan(255);
      const late = flagged.filter((t) => t >= end + SETTLE_STEPS);
      if (late.length > 0) out[seed] = late.at(-1)!;
    }
    return out;
  }

  it('stops flagging soon after a leak is fixed by a restart', async () => {
    // +15 goroutines per step for 20 steps, then back to normal
    const late = await lingering(270, 'goroutines', (g) => {
      for (let t = 250; t < 270; t++) g[t] = g[t]! + 15 * (t - 249);
    });
    expect(late).toEqual({});
  });

  it('stops flagging soon after a 10-step latency shift', async () => {
    const late = await lingering(260, 'latency_p99', (latency) => {
      for (let t = 250; t < 260; t++) latency[t] = latency[t]! * 3;
    });
    expect(late).toEqual({});
  });
});

describe('Detector batching', () => {
  it('scores a series given twice in one call in order, as two consecutive steps', async () => {
    const s = generated(10, 60);
    const model = await untrainedModel({ window: 8 });
    const reference = await new Detector({ model }).scoreSeries('k', s);
    const detector = new Detector({ model });
    await detector.scoreSeries('k', sliceSeries(s, 0, 50));
    const both = await detector.scoreBatch([
      pointAt(s, 'k', 50),
      pointAt(s, 'other', 3),
      pointAt(s, 'k', 51),
    ]);
    expect(both.map((x) => [x.key, x.timestampMs])).toEqual([
      ['k', s.startMs + 50 * STEP_MS],
      ['other', s.startMs + 3 * STEP_MS],
      ['k', s.startMs + 51 * STEP_MS],
    ]);
    expect([both[0], both[2]]).toEqual([reference[50], reference[51]]);
    model.forecaster.dispose();
  });
});

describe('Detector model swap', () => {
  it('keeps baselines and thresholds, restarts the forecast history, refills a longer window', async () => {
    const s = generated(13, 200);
    const first = await untrainedModel({ window: 8 });
    const second = await untrainedModel({ window: 12, version: 'v20261124T000000Z' });
    const swapped = new Detector({ model: first });
    await swapped.scoreSeries('k', sliceSeries(s, 0, 100));
    swapped.setModel(second);
    const rest: StepScore[] = [];
    for (let t = 100; t < 200; t++) rest.push(...(await swapped.scoreBatch([pointAt(s, 'k', t)])));
    // the new window (12 steps) is refilled before the new model scores
    expect(rest.slice(0, 12).every((x) => x.method === 'online')).toBe(true);
    expect(rest.slice(12).every((x) => x.method === 'lstm')).toBe(true);
    expect(rest.every((x) => x.modelVersion === 'v20261124T000000Z')).toBe(true);
    // the online statistics carried on: the same as on a detector that never had a model
    const online = await new Detector().scoreSeries('k', s);
    expect(rest[0]!.expected).toEqual(online[100]!.expected);
    expect(rest[0]!.upper).toEqual(online[100]!.upper);
    // no model at all: online scoring with the same baselines
    swapped.setModel(null);
    const none = await swapped.scoreBatch([pointAt(generated(13, 201), 'k', 200)]);
    expect(none[0]).toMatchObject({ method: 'online', modelVersion: null });
    first.forecaster.dispose();
    second.forecaster.dispose();
  });

  it('refuses a model with other features or another input normalization', async () => {
    const model = await untrainedModel({ window: 8 });
    const detector = new Detector({ model });
    const fewer = await untrainedModel({ features: ['goroutines', 'heap_inuse'] });
    expect(() => detector.setModel(fewer)).toThrow(/features/);
    const otherScale = await untrainedModel({ window: 8 });
    otherScale.metadata.normalization = { baselineSteps: 512, minSteps: 4 };
    expect(() => detector.setModel(otherScale)).toThrow(/normalizes its input/);
    expect(detector.modelVersion).toBe(model.metadata.version);
    for (const m of [model, fewer, otherScale]) m.forecaster.dispose();
  });
});

describe('Detector model-first rule', () => {
  it('lets a model judge a signal alone once its measured skill on the series reaches the bar', async () => {
    const s = generated(14, 400);
    const goroutines = column(s, 'goroutines');
    for (const t of [4 + 2, 300, 301]) goroutines[t] = goroutines[t]! * 30;
    const model = await untrainedModel({ window: 8 });
    // any measured skill passes a bar of -1e9: after its 60 warm-up steps the model judges alone
    const alone = await new Detector({ model, online: { modelSkill: -1e9 } }).scoreSeries('k', s);
    // before the window is full the online detectors judge it
    expect(alone[6]).toMatchObject({ method: 'online', drivingSignal: 'goroutines' });
    expect(alone[6]!.reason).not.toBe('forecast');
    // once skill is measured (window 8 + 60 normal steps), only the forecast statistic (or a
    // seasonal one, which the model's short window cannot know) can name it
    const judged = alone.slice(100).filter((x) => x.drivingSignal === 'goroutines');
    expect(judged.length).toBeGreaterThan(0);
    expect(judged.every((x) => x.reason === 'forecast' || x.reason?.startsWith('seasonal'))).toBe(
      true,
    );
    expect(alone[300]).toMatchObject({ anomalous: true, drivingSignal: 'goroutines' });
    // a bar no model reaches: the online statistics judge it alongside the forecast
    const both = await new Detector({ model, online: { modelSkill: 2 } }).scoreSeries('k', s);
    expect(
      both.slice(100).some((x) => x.drivingSignal === 'goroutines' && x.reason !== 'forecast'),
    ).toBe(true);
    model.forecaster.dispose();
  });
});
