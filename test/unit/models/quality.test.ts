// Quality gate: train on normal generated data, run the detector over held-out days with injected
// anomalies and normal events (deploys, traffic peaks, scrape gaps), count alerts the way the
// worker's state machine does (3 consecutive anomalous steps), and hold the results to the bounds
// documented in docs/detection.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainModel, type TrainResult } from '../../../models/train.ts';
import {
  ANOMALY_KINDS,
  makeFleet,
  STEPS_PER_DAY,
  type AnomalyKind,
} from '../../support/go-series.ts';
import {
  evaluateFleet,
  qualityByKind,
  type FleetEvaluation,
} from '../../support/go-series-eval.ts';

/** Median detection delay bounds, in 15 s steps (docs/detection.md "Quality"). */
const MEDIAN_DELAY_BOUND_STEPS = 32; // 8 minutes over all events
const KIND_DELAY_BOUND_STEPS: Record<AnomalyKind, number> = {
  gc_pause_spike: 10, // 2.5 min
  latency_shift: 10, // 2.5 min
  goroutine_leak: 80, // 20 min: a ramp the forecaster partly follows
  heap_growth: 80, // 20 min
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
let evaluation: FleetEvaluation;

beforeAll(async () => {
  trained = await trainModel({
    series: new Map(fleet.map((f) => [f.key, f.train])),
    epochs: 6,
    patience: 2,
    stride: 3,
    outDir: null,
  });
  evaluation = await evaluateFleet(fleet, trained.model, { normalDays: NORMAL_DAYS });
}, 170_000);

afterAll(() => {
  trained.model.forecaster.dispose();
});

describe('detector quality on generated Go runtime series', () => {
  it('has the events and normal days it is supposed to evaluate', () => {
    expect(fleet.flatMap((f) => f.anomalies)).toHaveLength(24);
    expect(evaluation.evaluatedDays).toBeCloseTo(4 * 3, 1);
    const normalKinds = new Set(fleet.flatMap((f) => f.normalEvents.map((e) => e.kind)));
    expect(normalKinds).toEqual(new Set(['deploy', 'traffic_peak', 'scrape_gap']));
  });

  it('detects at least 90% of injected anomalies', () => {
    expect(evaluation.report.recall).toBeGreaterThanOrEqual(0.9);
    for (const [kind, q] of Object.entries(qualityByKind(evaluation, fleet))) {
      expect(q.recall, kind).toBeGreaterThanOrEqual(0.8);
    }
  });

  it('detects them within the documented delay bounds', () => {
    expect(evaluation.report.medianDelaySteps).not.toBeNull();
    expect(evaluation.report.medianDelaySteps!).toBeLessThanOrEqual(MEDIAN_DELAY_BOUND_STEPS);
    for (const [kind, q] of Object.entries(qualityByKind(evaluation, fleet))) {
      expect(q.medianDelaySteps, kind).toBeLessThanOrEqual(
        KIND_DELAY_BOUND_STEPS[kind as AnomalyKind],
      );
    }
  });

  it('raises at most one false alert per simulated day of normal behaviour', () => {
    expect(evaluation.falseAlertsPerDay).toBeLessThanOrEqual(1);
    expect(evaluation.normalDayFalseAlertsPerDay).toBeLessThanOrEqual(1);
  });

  it('names a plausible driving signal when it alerts on an anomaly', () => {
    let matched = 0;
    let total = 0;
    evaluation.perInstance.forEach((p, i) => {
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
    expect(total).toBeGreaterThan(0);
    expect(matched / total).toBeGreaterThanOrEqual(0.8);
  });

  it('uses the LSTM after warm-up, with the trained model version', () => {
    const lstm = evaluation.perInstance
      .flatMap((p, i) => p.scores.slice(fleet[i]!.warmupSteps))
      .filter((s) => s.method === 'lstm');
    const total = evaluation.perInstance.reduce(
      (n, p, i) => n + p.scores.length - fleet[i]!.warmupSteps,
      0,
    );
    // only the few steps after long gaps may fall back to cold-start
    expect(lstm.length / total).toBeGreaterThan(0.99);
    expect(lstm[0]!.modelVersion).toBe(trained.metadata.version);
    expect(total).toBeGreaterThan(3 * STEPS_PER_DAY * 4 - 10);
  });
});
