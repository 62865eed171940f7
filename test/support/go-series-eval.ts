// Runs a trained detector over a generated fleet and reports event-level quality, the same way
// for the quality test and the benchmark.
import {
  alertEpisodes,
  DEFAULT_ALERT_POLICY,
  evaluateAlerts,
  fBeta,
  medianOf,
  type AlertEpisode,
  type EvaluationReport,
} from '../../models/alerts.ts';
import { Detector, type DetectorOptions } from '../../models/detector.ts';
import type { LoadedModel } from '../../models/store.ts';
import type { StepScore } from '../../models/step-score.ts';
import { type FleetInstance } from '../../models/simulator/fleet.ts';
import { STEPS_PER_DAY, STEPS_PER_HOUR } from '../../models/simulator/go-series.ts';

/** Alerts firing up to 10 minutes after an anomaly ends still belong to it (recovery effects). */
export const GRACE_STEPS = 40;

export interface FleetEvaluation {
  report: EvaluationReport;
  /** False alerts per simulated series-day of evaluated data. */
  falseAlertsPerDay: number;
  evaluatedDays: number;
  /** False alerts on the trailing normal-only days, per series-day. */
  normalDayFalseAlertsPerDay: number;
  perInstance: Array<{ key: string; alerts: AlertEpisode[]; scores: StepScore[] }>;
  scoringMs: number;
}

/**
 * Scores every instance's test part and evaluates the alerts. `model` is one shared model, or a
 * function giving each series its own (the per-series comparison).
 */
export async function evaluateFleet(
  fleet: readonly FleetInstance[],
  model: LoadedModel | null | ((key: string) => LoadedModel | null),
  options: { normalDays: number; detector?: DetectorOptions } = { normalDays: 0 },
): Promise<FleetEvaluation> {
  const shared = typeof model === 'function' ? null : new Detector({ ...options.detector, model });
  const detectorFor = (key: string): Detector =>
    shared ??
    new Detector({ ...options.detector, model: typeof model === 'function' ? model(key) : null });
  const perInstance: FleetEvaluation['perInstance'] = [];
  let evaluatedSteps = 0;
  let normalDayFalse = 0;
  const started = performance.now();
  for (const instance of fleet) {
    const scores = await detectorFor(instance.key).scoreSeries(instance.key, instance.test);
    const evaluated = scores.slice(instance.warmupSteps);
    const offset = instance.warmupSteps;
    const episodes = alertEpisodes(
      evaluated.map((s) => s.anomalous),
      DEFAULT_ALERT_POLICY,
    ).map((a) => ({
      startIndex: a.startIndex + offset,
      fireIndex: a.fireIndex + offset,
      endIndex: a.endIndex + offset,
    }));
    evaluatedSteps += evaluated.length;
    const normalFrom = instance.test.values[0]!.length - options.normalDays * STEPS_PER_DAY;
    normalDayFalse += episodes.filter((a) => a.fireIndex >= normalFrom).length;
    perInstance.push({ key: instance.key, alerts: episodes, scores });
  }
  const scoringMs = performance.now() - started;
  // Evaluate per instance so an alert only matches its own series' events, then merge.
  const reports = perInstance.map((p, i) =>
    evaluateAlerts(p.alerts, fleet[i]!.anomalies, GRACE_STEPS),
  );
  const report = combine(reports);
  const evaluatedDays = evaluatedSteps / STEPS_PER_DAY;
  return {
    report,
    falseAlertsPerDay: report.falseAlerts / evaluatedDays,
    evaluatedDays,
    normalDayFalseAlertsPerDay: normalDayFalse / Math.max(1e-9, options.normalDays * fleet.length),
    perInstance,
    scoringMs,
  };
}

export interface KindQuality {
  events: number;
  detected: number;
  recall: number;
  /** True-positive alerts / all alerts on the instances that carry only this kind. */
  precision: number;
  f05: number;
  medianDelaySteps: number | null;
  delaysSteps: number[];
}

/**
 * Per anomaly kind: recall and delay from the events of that kind; precision from the instances
 * whose injected anomalies are all of that kind (their false alerts count against it).
 */
export function qualityByKind(
  evaluation: FleetEvaluation,
  fleet: readonly FleetInstance[],
): Record<string, KindQuality> {
  const out: Record<string, KindQuality> = {};
  const tp: Record<string, number> = {};
  const fp: Record<string, number> = {};
  evaluation.perInstance.forEach((p, i) => {
    const instance = fleet[i]!;
    const report = evaluateAlerts(p.alerts, instance.anomalies, GRACE_STEPS);
    const kinds = Object.keys(report.byKind);
    for (const [kind, k] of Object.entries(report.byKind)) {
      const q = (out[kind] ??= {
        events: 0,
        detected: 0,
        recall: 0,
        precision: 0,
        f05: 0,
        medianDelaySteps: null,
        delaysSteps: [],
      });
      q.events += k.events;
      q.detected += k.detected;
      q.delaysSteps.push(...k.delaysSteps);
      tp[kind] = (tp[kind] ?? 0) + k.truePositiveAlerts;
      if (kinds.length === 1) fp[kind] = (fp[kind] ?? 0) + report.falseAlerts;
    }
  });
  for (const [kind, q] of Object.entries(out)) {
    q.recall = q.events > 0 ? q.detected / q.events : 0;
    const alerts = (tp[kind] ?? 0) + (fp[kind] ?? 0);
    q.precision = alerts > 0 ? (tp[kind] ?? 0) / alerts : 1;
    q.f05 = fBeta(q.precision, q.recall, 0.5);
    q.medianDelaySteps = medianOf(q.delaysSteps);
  }
  return out;
}

/** Sums event and alert counts over instances and recomputes the ratios. */
function combine(reports: readonly EvaluationReport[]): EvaluationReport {
  const byKind: EvaluationReport['byKind'] = {};
  let alerts = 0;
  let falseAlerts = 0;
  for (const r of reports) {
    alerts += r.alerts;
    falseAlerts += r.falseAlerts;
    for (const [kind, k] of Object.entries(r.byKind)) {
      const into = (byKind[kind] ??= {
        events: 0,
        detected: 0,
        truePositiveAlerts: 0,
        delaysSteps: [],
        recall: 0,
        medianDelaySteps: null,
      });
      into.events += k.events;
      into.detected += k.detected;
      into.truePositiveAlerts += k.truePositiveAlerts;
      into.delaysSteps.push(...k.delaysSteps);
    }
  }
  let events = 0;
  let detected = 0;
  for (const k of Object.values(byKind)) {
    k.recall = k.events > 0 ? k.detected / k.events : 0;
    k.medianDelaySteps = medianOf(k.delaysSteps);
    events += k.events;
    detected += k.detected;
  }
  const precision = alerts > 0 ? (alerts - falseAlerts) / alerts : 1;
  const recall = events > 0 ? detected / events : 1;
  return {
    byKind,
    alerts,
    falseAlerts,
    precision,
    recall,
    f05: fBeta(precision, recall, 0.5),
    medianDelaySteps: medianOf(Object.values(byKind).flatMap((k) => k.delaysSteps)),
  };
}

/** Steps to minutes at the generator's 15 s step. */
export function stepsToMinutes(steps: number | null): number | null {
  return steps === null ? null : (steps * 60) / STEPS_PER_HOUR;
}
