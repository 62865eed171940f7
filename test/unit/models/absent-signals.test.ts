// Signals a series does not report (docs/detection.md "Absent signals"): the series is scored on
// the signals it has, an absent signal never counts, and a signal that appears later is picked up
// once it has enough history.
import { describe, expect, it } from 'vitest';
import { alertEpisodes, DEFAULT_ALERT_POLICY } from '../../../models/alerts.ts';
import {
  DEFAULT_COLD_START,
  Detector,
  type SeriesPoint,
  type StepScore,
} from '../../../models/detector.ts';
import { fitNormalization, sliceSeries, type MultiSeries } from '../../../models/features.ts';
import { GRACE_STEPS } from '../../support/go-series-eval.ts';
import { generateGoSeries, STEPS_PER_HOUR } from '../../../models/simulator/go-series.ts';
import { untrainedModel } from '../../support/go-series-model.ts';

const STEP_MS = 15_000;
/** What a Go service without HTTP server metrics does not report. */
const NO_HTTP = ['latency_p99', 'request_rate'];
const MIN_STEPS = DEFAULT_COLD_START.minSteps;
/** Steps after which a missing signal stops being a short gap (maxGapSteps 4, then absent). */
const LONG_GAP = 5;

/** A quiet generated series (no deploys, peaks or scrape gaps). */
function quiet(seed: number, steps: number): MultiSeries {
  const { series } = generateGoSeries({
    seed,
    days: 1,
    shortGapsPerDay: 0,
    deploysPerDay: 0,
    peaksPerDay: 0,
  });
  return sliceSeries(series, 0, steps);
}

/** Blanks `names` (NaN) in steps [from, to). */
function remove(series: MultiSeries, names: readonly string[], from = 0, to = Infinity): void {
  for (const name of names)
    series.values[series.features.indexOf(name)]!.fill(Number.NaN, from, to);
}

function column(series: MultiSeries, name: string): Float64Array {
  return series.values[series.features.indexOf(name)]!;
}

const scored = (s: StepScore): boolean => Number.isFinite(s.error);
const err = (s: StepScore, name: string): number => s.signalErrors[name] ?? Number.NaN;

function comparable(s: StepScore): unknown {
  const round = (x: number): number | null =>
    Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : null;
  return {
    method: s.method,
    anomalous: s.anomalous,
    error: round(s.error),
    smoothed: round(s.smoothedError),
    threshold: round(s.threshold),
    driving: s.drivingSignal,
  };
}

describe('absent signals, cold-start', () => {
  it('scores a series without latency_p99 and request_rate every step and finds a goroutine leak', async () => {
    const leakStart = 12 * STEPS_PER_HOUR;
    const g = generateGoSeries({
      seed: 11,
      days: 1,
      anomalies: [{ kind: 'goroutine_leak', startStep: leakStart, durationSteps: 180 }],
    });
    const s = g.series;
    remove(s, NO_HTTP);
    const scores = await new Detector().scoreSeries('k', s);

    expect(scores).toHaveLength(s.values[0]!.length);
    expect(scores.every((x) => x.method === 'cold-start')).toBe(true);
    // after warm-up, every step with a value is scored (scrape gaps mask every signal)
    const afterWarmUp = scores.slice(MIN_STEPS);
    const withValues = afterWarmUp.filter((x) => Number.isFinite(x.observed['goroutines']!));
    expect(withValues.length).toBeGreaterThan(afterWarmUp.length - 10);
    expect(withValues.every(scored)).toBe(true);
    for (const x of scores) {
      for (const name of NO_HTTP) {
        expect(err(x, name)).toBeNaN();
        expect(x.expected[name]).toBeNaN();
      }
      expect(NO_HTTP).not.toContain(x.drivingSignal);
    }

    const leak = g.anomalies[0]!;
    const alerts = alertEpisodes(
      scores.map((x) => x.anomalous),
      DEFAULT_ALERT_POLICY,
    );
    const detection = alerts.find(
      (a) => a.fireIndex >= leak.startStep && a.fireIndex <= leak.endStep + GRACE_STEPS,
    );
    expect(detection).toBeDefined();
    expect(scores[detection!.fireIndex]!.drivingSignal).toBe('goroutines');
  });

  it('a signal that drops out is never the driving signal and makes no step anomalous', async () => {
    const s = quiet(21, 400);
    const heap = column(s, 'heap_inuse');
    for (let t = 140; t < 160; t++) heap[t] = heap[t]! * 4; // scored while present...
    remove(s, ['heap_inuse'], 160); // ...then gone for good while the others go on
    const scores = await new Detector().scoreSeries('k', s);

    const spike = scores.slice(140, 160).filter((x) => x.anomalous);
    expect(spike.length).toBeGreaterThan(5);
    expect(spike.every((x) => x.drivingSignal === 'heap_inuse')).toBe(true);
    expect(scores.slice(160).every((x) => Number.isNaN(err(x, 'heap_inuse')))).toBe(true);
    // for 4 steps it is a short gap (could be a scrape failure): masked, its smoothed error held;
    // from the 5th it is absent and has no say any more
    const gone = 160 + LONG_GAP - 1;
    const after = scores.slice(gone);
    expect(after.some((x) => x.anomalous)).toBe(false);
    expect(after.some((x) => x.drivingSignal === 'heap_inuse')).toBe(false);
    // the long gap restarted the window once; then it is scored on the others again
    const resumed = gone + 1 + MIN_STEPS;
    expect(scores.slice(resumed).every(scored)).toBe(true);
    expect(scores.slice(resumed).every((x) => Number.isFinite(err(x, 'goroutines')))).toBe(true);
  });

  it('picks up a signal that appears mid-series once it has minSteps of history', async () => {
    const s = quiet(22, 400);
    const appears = 150;
    remove(s, ['latency_p99'], 0, appears);
    const latency = column(s, 'latency_p99');
    for (let t = 300; t < 310; t++) latency[t] = latency[t]! * 10;
    const scores = await new Detector().scoreSeries('k', s);

    // scored on the other signals before it appears
    expect(scores.slice(MIN_STEPS).every(scored)).toBe(true);
    const pickedUp = appears + MIN_STEPS;
    expect(scores.slice(0, pickedUp).every((x) => Number.isNaN(err(x, 'latency_p99')))).toBe(true);
    expect(scores.slice(pickedUp).every((x) => Number.isFinite(err(x, 'latency_p99')))).toBe(true);
    // (the first few cold-start steps, on 12 values, are noisy whatever the signals)
    expect(scores.slice(20, 300).some((x) => x.anomalous)).toBe(false);
    const spike = scores.slice(300, 310).filter((x) => x.anomalous);
    expect(spike.length).toBeGreaterThan(5);
    expect(spike.every((x) => x.drivingSignal === 'latency_p99')).toBe(true);
  });
});

describe('absent signals, LSTM', () => {
  it('scores a series the model does not know, without latency_p99 and request_rate', async () => {
    const s = quiet(23, 240);
    remove(s, NO_HTTP);
    const model = await untrainedModel({ window: 8 });
    const detector = new Detector({ model, coldStart: { historySteps: 60 } });
    const scores = await detector.scoreSeries('new-series', s);

    // cold-start until a normalization is fitted from 60 steps, then the LSTM on every step
    expect(scores.findIndex((x) => x.method === 'lstm')).toBe(60);
    expect(scores.slice(MIN_STEPS).every(scored)).toBe(true);
    const lstm = scores.slice(60);
    expect(lstm.every((x) => x.method === 'lstm')).toBe(true);
    for (const x of lstm) {
      expect(Number.isFinite(err(x, 'goroutines'))).toBe(true);
      for (const name of NO_HTTP) {
        expect(err(x, name)).toBeNaN();
        expect(x.expected[name]).toBeNaN();
      }
      expect(NO_HTTP).not.toContain(x.drivingSignal);
    }
    model.forecaster.dispose();
  });

  it('a signal present but not in use yet changes nothing; it is picked up with its own statistics', async () => {
    const appears = 100;
    const historySteps = 60;
    const withHeap = quiet(24, 320);
    remove(withHeap, ['heap_inuse'], 0, appears);
    const without = quiet(24, 320);
    remove(without, ['heap_inuse']);
    // normalized on a history without the heap: no statistics for it until it has 60 steps
    const norm = fitNormalization(sliceSeries(withHeap, 0, appears));
    const model = await untrainedModel({ window: 8, normalization: { k: norm } });
    const score = (s: MultiSeries): Promise<StepScore[]> =>
      new Detector({ model, coldStart: { historySteps } }).scoreSeries('k', s);
    const [a, b] = [await score(withHeap), await score(without)];

    expect(a.slice(8).every((x) => x.method === 'lstm' && scored(x))).toBe(true);
    const pickedUp = appears + historySteps;
    // until then the heap is fed to the LSTM as its median and not scored: identical scores
    expect(a.slice(0, pickedUp).map(comparable)).toEqual(b.slice(0, pickedUp).map(comparable));
    expect(a.slice(0, pickedUp).every((x) => Number.isNaN(err(x, 'heap_inuse')))).toBe(true);
    expect(a.slice(0, pickedUp).some((x) => x.drivingSignal === 'heap_inuse')).toBe(false);
    // then it is scored, with statistics fitted on its own values (expected in bytes, not ~0)
    const used = a.slice(pickedUp);
    expect(used.every((x) => Number.isFinite(err(x, 'heap_inuse')))).toBe(true);
    expect(used.map(comparable)).not.toEqual(b.slice(pickedUp).map(comparable));
    for (const x of used) {
      const observed = x.observed['heap_inuse']!;
      expect(Math.abs(x.expected['heap_inuse']! - observed)).toBeLessThan(observed);
    }
    model.forecaster.dispose();
  });

  it('picks up an appearing signal the normalization knows after one window', async () => {
    const appears = 100;
    const s = quiet(25, 200);
    const norm = fitNormalization(s); // e.g. a series the model was trained on with the signal
    remove(s, ['gc_pause_p99'], 0, appears);
    const model = await untrainedModel({ window: 8, normalization: { k: norm } });
    const scores = await new Detector({ model }).scoreSeries('k', s);

    expect(scores.slice(8).every((x) => x.method === 'lstm' && scored(x))).toBe(true);
    const first = scores.findIndex((x) => Number.isFinite(err(x, 'gc_pause_p99')));
    expect(first).toBe(appears + 8);
    expect(scores.slice(first).every((x) => Number.isFinite(err(x, 'gc_pause_p99')))).toBe(true);
    model.forecaster.dispose();
  });

  it('streaming gives the same scores as offline with absent and appearing signals', async () => {
    const s = quiet(26, 260);
    remove(s, ['request_rate']);
    remove(s, ['latency_p99'], 0, 90);
    remove(s, ['heap_inuse'], 180, 190); // a long gap in a present signal
    const model = await untrainedModel({
      window: 8,
      normalization: { k: fitNormalization(sliceSeries(s, 0, 60)) },
    });
    const offline = await new Detector({ model, coldStart: { historySteps: 60 } }).scoreSeries(
      'k',
      s,
    );
    const streaming = new Detector({ model, coldStart: { historySteps: 60 } });
    const got: StepScore[] = [];
    for (let t = 0; t < 260; t++) {
      const point: SeriesPoint = {
        key: 'k',
        timestampMs: s.startMs + t * STEP_MS,
        values: s.values.map((c) => c[t] ?? Number.NaN),
      };
      got.push(...(await streaming.scoreBatch([point])));
    }
    expect(got.map(comparable)).toEqual(offline.map(comparable));
    // the heap's long gap restarted the window once; latency was picked up at 90 + 60
    expect(offline.slice(8, 180).every((x) => x.method === 'lstm')).toBe(true);
    expect(offline[190]!.method).toBe('cold-start');
    expect(offline[259]!.method).toBe('lstm');
    expect(Number.isFinite(err(offline[259]!, 'latency_p99'))).toBe(true);
    model.forecaster.dispose();
  });
});
