// Quality gate: train on normal generated data, run the detector over held-out days with injected
// anomalies and normal events (deploys, traffic peaks, scrape gaps), count alerts the way the
// worker's state machine does (3 consecutive anomalous steps), and hold the results to bounds
// re-derived from what this test measures on its own fleet (seed 1), with a margin. Once with
// the trained model (the online detectors and the forecast fused), once with the online
// detectors alone (no model), which have their own, looser bounds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertEpisodes, DEFAULT_ALERT_POLICY } from '../../../models/alerts.ts';
import { Detector } from '../../../models/detector.ts';
import { DEFAULT_INPUT_NORMALIZATION, sliceSeries } from '../../../models/features.ts';
import { trainModel, type TrainResult } from '../../../models/train.ts';
import { makeFleet } from '../../../models/simulator/fleet.ts';
import {
  ANOMALY_KINDS,
  generateGoSeries,
  STEPS_PER_DAY,
  STEPS_PER_HOUR,
  type AnomalyKind,
} from '../../../models/simulator/go-series.ts';
import {
  evaluateFleet,
  GRACE_STEPS,
  qualityByKind,
  type FleetEvaluation,
} from '../../support/go-series-eval.ts';
import {
  measureEnrichment,
  MEASURED_RULES,
  MEASURED_TIMING,
} from '../../support/threshold-alerts.ts';

interface Bounds {
  minPrecision: number;
  /** Over all events, and per kind. */
  minRecall: number;
  minKindRecall: number;
  /** False alerts per series-day of evaluated data, and on the trailing normal day alone. */
  maxFalseAlertsPerDay: number;
  maxNormalDayFalseAlertsPerDay: number;
  /** Median detection delay in 15 s steps, over all events and per kind. */
  maxMedianDelaySteps: number;
  maxKindDelaySteps: Record<AnomalyKind, number>;
}

/**
 * With the trained model. Measured on this fleet: precision 0.76, recall 0.96 (latency shifts
 * 0.83, the others 1.00), 0.67 false alerts per series-day, 1.25 on the normal day (5 in 4
 * series-days), median delay 6 steps; per kind leak 26, heap 40, GC 2, latency 2.
 */
const WITH_MODEL: Bounds = {
  minPrecision: 0.75,
  minRecall: 0.9,
  minKindRecall: 0.8,
  maxFalseAlertsPerDay: 1,
  maxNormalDayFalseAlertsPerDay: 1.5,
  maxMedianDelaySteps: 20,
  maxKindDelaySteps: { goroutine_leak: 40, heap_growth: 55, gc_pause_spike: 5, latency_shift: 5 },
};

/**
 * The online detectors alone. Measured: precision 0.54, recall 0.96 (heap growth 0.83, the
 * others 1.00), 1.75 false alerts per series-day, 2.50 on the normal day, median delay 6 steps;
 * per kind leak 13.5, heap 49, GC 2, latency 2. Noisier than with a model: the bounds say so.
 */
const ONLINE_ONLY: Bounds = {
  minPrecision: 0.45,
  minRecall: 0.9,
  minKindRecall: 0.8,
  maxFalseAlertsPerDay: 2.5,
  maxNormalDayFalseAlertsPerDay: 3,
  maxMedianDelaySteps: 15,
  maxKindDelaySteps: { goroutine_leak: 25, heap_growth: 60, gc_pause_spike: 5, latency_shift: 5 },
};

/** Which signals may be named as driving an alert for each kind. */
const DRIVING: Record<AnomalyKind, readonly string[]> = {
  goroutine_leak: ['goroutines', 'heap_inuse'],
  gc_pause_spike: ['gc_pause_p99', 'gc_pause_total'],
  heap_growth: ['heap_inuse', 'gc_pause_p99', 'gc_pause_total'],
  latency_shift: ['latency_p99', 'goroutines'],
};

const NORMAL_DAYS = 1;
const fleet = makeFleet({
  seed: 1,
  instances: 4,
  trainDays: 3,
  anomalyDays: 2,
  normalDays: NORMAL_DAYS,
  anomaliesPerDay: 3,
  // one anomaly kind per instance, so each kind's precision is measurable
  kindsByInstance: ANOMALY_KINDS.map((k) => [k]),
});

let trained: TrainResult;
let withModel: FleetEvaluation;
let onlineOnly: FleetEvaluation;

beforeAll(async () => {
  trained = await trainModel({
    series: new Map(fleet.map((f) => [f.key, f.train])),
    epochs: 6,
    patience: 2,
    stride: 3,
    outDir: null,
  });
  withModel = await evaluateFleet(fleet, trained.model, { normalDays: NORMAL_DAYS });
  onlineOnly = await evaluateFleet(fleet, null, { normalDays: NORMAL_DAYS });
}, 170_000);

afterAll(() => {
  trained.model.forecaster.dispose();
});

function expectWithin(evaluation: () => FleetEvaluation, bounds: Bounds): void {
  it('detects the injected anomalies (recall over all and per kind)', () => {
    const e = evaluation();
    expect(e.report.recall).toBeGreaterThanOrEqual(bounds.minRecall);
    for (const [kind, q] of Object.entries(qualityByKind(e, fleet))) {
      expect(q.events, kind).toBe(6);
      expect(q.recall, kind).toBeGreaterThanOrEqual(bounds.minKindRecall);
    }
  });

  it('alerts mostly on anomalies (precision)', () => {
    expect(evaluation().report.precision).toBeGreaterThanOrEqual(bounds.minPrecision);
  });

  it('detects them within the delay bounds', () => {
    const e = evaluation();
    expect(e.report.medianDelaySteps).not.toBeNull();
    expect(e.report.medianDelaySteps!).toBeLessThanOrEqual(bounds.maxMedianDelaySteps);
    for (const [kind, q] of Object.entries(qualityByKind(e, fleet))) {
      expect(q.medianDelaySteps, kind).not.toBeNull();
      expect(q.medianDelaySteps!, kind).toBeLessThanOrEqual(
        bounds.maxKindDelaySteps[kind as AnomalyKind],
      );
    }
  });

  it('keeps false alerts within the bound per series-day, and on the normal day', () => {
    const e = evaluation();
    expect(e.falseAlertsPerDay).toBeLessThanOrEqual(bounds.maxFalseAlertsPerDay);
    expect(e.normalDayFalseAlertsPerDay).toBeLessThanOrEqual(bounds.maxNormalDayFalseAlertsPerDay);
  });

  it('names a plausible driving signal when it alerts on an anomaly', () => {
    let matched = 0;
    let total = 0;
    evaluation().perInstance.forEach((p, i) => {
      for (const event of fleet[i]!.anomalies) {
        const alert = p.alerts.find(
          (a) => a.fireIndex >= event.startStep && a.fireIndex <= event.endStep,
        );
        if (!alert) continue;
        total++;
        const driving = p.scores[alert.fireIndex]!.drivingSignal ?? '';
        if (DRIVING[event.kind].includes(driving)) matched++;
      }
    });
    // measured: every one (24 of 24 with the model, 23 of 23 without)
    expect(total).toBeGreaterThanOrEqual(20);
    expect(matched / total).toBeGreaterThanOrEqual(0.9);
  });
}

describe('detector quality on generated Go runtime series', () => {
  it('has the events and normal days it is supposed to evaluate', () => {
    expect(fleet.flatMap((f) => f.anomalies)).toHaveLength(24);
    expect(withModel.evaluatedDays).toBeCloseTo(4 * 3, 1);
    const normalKinds = new Set(fleet.flatMap((f) => f.normalEvents.map((e) => e.kind)));
    expect(normalKinds).toEqual(new Set(['deploy', 'traffic_peak', 'scrape_gap']));
  });

  describe('with the trained model', () => {
    expectWithin(() => withModel, WITH_MODEL);

    it('scores every evaluated step with the LSTM, with the trained model version', () => {
      const evaluated = withModel.perInstance.flatMap((p, i) =>
        p.scores.slice(fleet[i]!.warmupSteps),
      );
      const lstm = evaluated.filter((s) => s.method === 'lstm');
      // only the few steps after long gaps may be scored online
      expect(lstm.length / evaluated.length).toBeGreaterThan(0.99);
      expect(lstm[0]!.modelVersion).toBe(trained.metadata.version);
      expect(evaluated.length).toBeGreaterThan(3 * STEPS_PER_DAY * 4 - 10);
      // the forecast takes part: it is what flags some of the anomalies
      const reasons = new Set(
        withModel.perInstance.flatMap((p) => p.alerts.map((a) => p.scores[a.fireIndex]!.reason)),
      );
      expect(reasons.has('forecast')).toBe(true);
    });

    it('stores how it normalizes, its error scale and its skill per feature (format 2)', () => {
      const m = trained.metadata;
      expect(m.format).toBe(2);
      expect(m.normalization).toEqual(DEFAULT_INPUT_NORMALIZATION);
      expect(m.training.startedFrom).toBeNull();
      expect(m.contextSignals).toEqual(['request_rate']);
      expect(m.errorScale).toHaveLength(m.features.length);
      expect(m.validation.skillPerFeature).toHaveLength(m.features.length);
      m.errorScale.forEach((e, f) =>
        expect(e).toBeCloseTo(Math.max(m.validation.rmsePerFeature[f]!, 1e-3), 9),
      );
      expect(m.validation.skillPerFeature.every((k) => k <= 1)).toBe(true);
      // it forecasts the smooth signals better than the rolling median (measured goroutines
      // 0.73, request rate 0.89), the sawtooth heap hardly (0.02)
      expect(m.validation.skillPerFeature[m.features.indexOf('goroutines')]).toBeGreaterThan(0.3);
      expect(m.validation.skillPerFeature[m.features.indexOf('request_rate')]).toBeGreaterThan(0.3);
    });
  });

  describe('with the online detectors alone (no model)', () => {
    expectWithin(() => onlineOnly, ONLINE_ONLY);

    it('never uses a model', () => {
      const all = onlineOnly.perInstance.flatMap((p) => p.scores);
      expect(all.every((s) => s.method === 'online' && s.modelVersion === null)).toBe(true);
    });
  });
});

describe('static threshold alerts judged by the webhook verdict (docs/alerts.md)', () => {
  it('marks most alerts on normal variation normal and keeps the injected anomalies', () => {
    const m = measureEnrichment(
      fleet,
      withModel.perInstance.map((p) => p.scores),
      MEASURED_RULES,
      MEASURED_TIMING,
    );
    // Measured: 85 alerts on normal variation, 75 of them marked normal (0.88); 178 alerts on
    // the 24 anomalies, 121 kept (0.68); every anomaly has a kept alert.
    expect(m.normalAlerts).toBeGreaterThanOrEqual(30);
    expect(m.trueEvents).toBeGreaterThanOrEqual(20);
    expect(m.markedNormal / m.normalAlerts).toBeGreaterThanOrEqual(0.8);
    // The goal is every anomaly; one may go when its only threshold alert was a coincidental
    // one that resolved before the anomaly showed.
    expect(m.eventsKept).toBeGreaterThanOrEqual(m.trueEvents - 1);
    // Per alert fewer: flapping alerts at the start of a slow leak, before the detector sees it.
    expect(m.kept / m.trueAlerts).toBeGreaterThanOrEqual(0.6);
    expect(m.unknown).toBe(0);
  });
});

describe('a series without HTTP server metrics (docs/detection.md "Absent signals")', () => {
  it('is scored by the shared model at every step and its goroutine leak is detected', async () => {
    const day = STEPS_PER_DAY;
    const g = generateGoSeries({
      seed: 21,
      days: 2,
      anomalies: [
        { kind: 'goroutine_leak', startStep: day + 12 * STEPS_PER_HOUR, durationSteps: 180 },
      ],
    });
    const s = g.series;
    const absent = ['latency_p99', 'request_rate'];
    for (const name of absent) s.values[s.features.indexOf(name)]!.fill(Number.NaN);
    // a series the model was not trained on, normalized online, warmed up on 6 h
    const detector = new Detector({ model: trained.model });
    await detector.warmUp('new', sliceSeries(s, day - 6 * STEPS_PER_HOUR, day));
    const scores = await detector.scoreSeries('new', sliceSeries(s, day, 2 * day));

    expect(scores).toHaveLength(day);
    expect(scores.every((x) => x.method === 'lstm')).toBe(true);
    // every step with values is scored (only the scrape gaps, with every signal missing, are not)
    const withValues = scores.filter((x) => Number.isFinite(x.observed['goroutines']!));
    expect(withValues.length).toBeGreaterThan(day - 10);
    expect(withValues.every((x) => x.drivingSignal !== null)).toBe(true);
    expect(withValues.every((x) => Number.isFinite(x.forecast['goroutines']!))).toBe(true);
    for (const x of scores) {
      for (const name of absent) {
        expect(x.signalErrors[name]).toBeNaN();
        expect(x.forecast[name]).toBeNaN();
      }
      expect(absent).not.toContain(x.drivingSignal);
    }

    const leak = g.anomalies[0]!;
    const [start, end] = [leak.startStep - day, leak.endStep - day];
    const alerts = alertEpisodes(
      scores.map((x) => x.anomalous),
      DEFAULT_ALERT_POLICY,
    );
    const detection = alerts.find((a) => a.fireIndex >= start && a.fireIndex <= end + GRACE_STEPS);
    expect(detection).toBeDefined();
    // measured: 20 steps, driven by the goroutines' forecast, and no other alert that day
    expect(detection!.fireIndex - start).toBeLessThanOrEqual(
      WITH_MODEL.maxKindDelaySteps.goroutine_leak,
    );
    expect(DRIVING.goroutine_leak).toContain(scores[detection!.fireIndex]!.drivingSignal);
    expect(alerts.length - 1).toBeLessThanOrEqual(1);
  });
});
