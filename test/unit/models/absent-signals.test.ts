// Signals a series does not report (docs/detection.md "Absent signals"): the series is scored on
// the signals it has, an absent signal never counts, and a signal that appears later is picked up
// by the online detectors once it has minSteps values and by the LSTM once it has been present
// for a whole window.
import { describe, expect, it } from 'vitest';
import { alertEpisodes, DEFAULT_ALERT_POLICY } from '../../../models/alerts.ts';
import { Detector } from '../../../models/detector.ts';
import { sliceSeries, type MultiSeries } from '../../../models/features.ts';
import { DEFAULT_ONLINE_PARAMS } from '../../../models/online/params.ts';
import { generateGoSeries, STEPS_PER_HOUR } from '../../../models/simulator/go-series.ts';
import type { SeriesPoint, StepScore } from '../../../models/step-score.ts';
import { GRACE_STEPS } from '../../support/go-series-eval.ts';
import { untrainedModel } from '../../support/go-series-model.ts';

const STEP_MS = 15_000;
/** What a Go service without HTTP server metrics does not report. */
const NO_HTTP = ['latency_p99', 'request_rate'];
const MIN_STEPS = DEFAULT_ONLINE_PARAMS.minSteps;
const WINDOW = 8;
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

/** The step was judged on at least one signal. */
const scored = (s: StepScore): boolean => s.drivingSignal !== null && Number.isFinite(s.ratio);
const err = (s: StepScore, name: string): number => s.signalErrors[name] ?? Number.NaN;

describe('absent signals, online detectors', () => {
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
    expect(scores.every((x) => x.method === 'online')).toBe(true);
    // after warm-up, every step with a value is scored (scrape gaps mask every signal)
    const afterWarmUp = scores.slice(MIN_STEPS);
    const withValues = afterWarmUp.filter((x) => Number.isFinite(x.observed['goroutines']!));
    expect(withValues.length).toBeGreaterThan(afterWarmUp.length - 10);
    expect(withValues.every(scored)).toBe(true);
    for (const x of scores) {
      for (const name of NO_HTTP) {
        expect(err(x, name)).toBeNaN();
        expect(x.expected[name]).toBeNaN();
        expect(x.upper[name]).toBeNaN();
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

  it('a signal that drops out is never judged again and never the driving signal', async () => {
    const s = quiet(21, 400);
    const heap = column(s, 'heap_inuse');
    for (let t = 140; t < 160; t++) heap[t] = heap[t]! * 4; // scored while present...
    remove(s, ['heap_inuse'], 160); // ...then gone for good while the others go on
    const scores = await new Detector().scoreSeries('k', s);

    const spike = scores.slice(140, 160).filter((x) => x.anomalous);
    expect(spike.length).toBeGreaterThan(5);
    expect(spike.every((x) => x.drivingSignal === 'heap_inuse')).toBe(true);
    // a missing value has no statistics, whether a short gap or absent
    expect(scores.slice(160).every((x) => Number.isNaN(err(x, 'heap_inuse')))).toBe(true);
    expect(scores.slice(160).some((x) => x.drivingSignal === 'heap_inuse')).toBe(false);
    // the others go on being scored at every step
    expect(scores.slice(160).every(scored)).toBe(true);
    expect(scores.slice(160).every((x) => Number.isFinite(err(x, 'goroutines')))).toBe(true);
  });

  it('picks up a signal that appears mid-series once it has minSteps values', async () => {
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
    expect(
      scores.slice(pickedUp, 300).some((x) => x.drivingSignal === 'latency_p99' && x.anomalous),
    ).toBe(false);
    const spike = scores.slice(300, 310).filter((x) => x.anomalous);
    expect(spike.length).toBeGreaterThan(5);
    expect(spike.every((x) => x.drivingSignal === 'latency_p99')).toBe(true);
  });
});

describe('absent signals, LSTM', () => {
  it('scores a series without latency_p99 and request_rate with the LSTM from its first window', async () => {
    const s = quiet(23, 240);
    remove(s, NO_HTTP);
    const model = await untrainedModel({ window: WINDOW });
    const scores = await new Detector({ model }).scoreSeries('new-series', s);

    expect(scores.slice(0, WINDOW).every((x) => x.method === 'online')).toBe(true);
    expect(scores.slice(WINDOW).every((x) => x.method === 'lstm')).toBe(true);
    expect(scores.slice(MIN_STEPS).every(scored)).toBe(true);
    for (const x of scores.slice(WINDOW)) {
      expect(Number.isFinite(x.forecast['goroutines']!)).toBe(true);
      for (const name of NO_HTTP) {
        expect(err(x, name)).toBeNaN();
        expect(x.forecast[name]).toBeNaN();
      }
      expect(NO_HTTP).not.toContain(x.drivingSignal);
    }
    model.forecaster.dispose();
  });

  it('feeds an appearing signal to the model only once present for a whole window', async () => {
    const appears = 100;
    const withHeap = quiet(24, 200);
    remove(withHeap, ['heap_inuse'], 0, appears);
    const without = quiet(24, 200);
    remove(without, ['heap_inuse']);
    const model = await untrainedModel({ window: WINDOW });
    const score = (s: MultiSeries): Promise<StepScore[]> =>
      new Detector({ model }).scoreSeries('k', s);
    const [a, b] = [await score(withHeap), await score(without)];
    const others = ['goroutines', 'gc_pause_p99', 'gc_pause_total', 'latency_p99'];
    const forecasts = (xs: StepScore[]) => xs.map((x) => others.map((f) => x.forecast[f]));

    expect(a.slice(WINDOW).every((x) => x.method === 'lstm')).toBe(true);
    // until the heap has a window of its own it is fed as absent: the same forecasts as without it
    const fed = appears + WINDOW;
    expect(forecasts(a.slice(0, fed))).toEqual(forecasts(b.slice(0, fed)));
    expect(a.slice(0, fed).every((x) => Number.isNaN(x.forecast['heap_inuse']!))).toBe(true);
    // the online detectors judge it from its minSteps-th value, the model forecasts it from then on
    expect(Number.isNaN(err(a[appears + MIN_STEPS - 1]!, 'heap_inuse'))).toBe(true);
    expect(a.slice(appears + MIN_STEPS).every((x) => Number.isFinite(err(x, 'heap_inuse')))).toBe(
      true,
    );
    expect(a.slice(fed).every((x) => Number.isFinite(x.forecast['heap_inuse']!))).toBe(true);
    expect(forecasts(a.slice(fed))).not.toEqual(forecasts(b.slice(fed)));
    // in its own units, not ~0
    for (const x of a.slice(fed)) {
      const observed = x.observed['heap_inuse']!;
      expect(Math.abs(x.expected['heap_inuse']! - observed)).toBeLessThan(observed);
      expect(Math.abs(x.forecast['heap_inuse']! - observed)).toBeLessThan(observed);
    }
    model.forecaster.dispose();
  });

  it('streaming gives the same scores as offline with absent and appearing signals', async () => {
    const s = quiet(26, 260);
    remove(s, ['request_rate']);
    remove(s, ['latency_p99'], 0, 90);
    remove(s, ['heap_inuse'], 180, 190); // a long gap in a present signal
    const model = await untrainedModel({ window: WINDOW });
    const offline = await new Detector({ model }).scoreSeries('k', s);
    const streaming = new Detector({ model });
    const got: StepScore[] = [];
    for (let t = 0; t < 260; t++) {
      const point: SeriesPoint = {
        key: 'k',
        timestampMs: s.startMs + t * STEP_MS,
        values: s.values.map((c) => c[t] ?? Number.NaN),
      };
      got.push(...(await streaming.scoreBatch([point])));
    }
    expect(got).toEqual(offline);
    // the heap's long gap restarted the window once; latency was fed from 90 + 8
    expect(offline.slice(WINDOW, 180 + LONG_GAP - 1).every((x) => x.method === 'lstm')).toBe(true);
    expect(offline[190]!.method).toBe('online');
    expect(offline[259]!.method).toBe('lstm');
    expect(Number.isFinite(offline[259]!.forecast['latency_p99']!)).toBe(true);
    model.forecaster.dispose();
  });
});
