// The alert view of per-step anomaly flags, and event-level evaluation against labels.
// The worker's alert state machine fires once an anomaly persists for `persistSteps` consecutive
// steps and resolves after `resolveSteps` consecutive normal steps; counting alerts the same way
// here keeps the quality numbers honest about what an operator would be paged for.

import type { AlertPolicy } from '../lib/alerts/policy.ts';

export type { AlertPolicy };

/**
 * The worker's default alert timing, in time: an alert fires after 45 s of anomalous steps and
 * resolves after 60 s of normal ones (3 and 4 steps of its default 15 s step).
 */
export const DEFAULT_ALERT_TIMING = { pendingSeconds: 45, resolveSeconds: 60 } as const;

/** The default timing in steps of `stepSeconds` (at least one step each). */
export function alertPolicyForStep(stepSeconds: number): AlertPolicy {
  const steps = (seconds: number): number => Math.max(1, Math.round(seconds / stepSeconds));
  return {
    persistSteps: steps(DEFAULT_ALERT_TIMING.pendingSeconds),
    resolveSteps: steps(DEFAULT_ALERT_TIMING.resolveSeconds),
  };
}

/** The worker's default policy at its default 15 s step. */
export const DEFAULT_ALERT_POLICY: AlertPolicy = alertPolicyForStep(15);

export interface AlertEpisode {
  /** First anomalous step of the run that fired. */
  startIndex: number;
  /** Step at which the alert fired (the persistSteps-th consecutive anomalous step). */
  fireIndex: number;
  /** Last anomalous step before the alert resolved. */
  endIndex: number;
}

export function alertEpisodes(
  anomalous: readonly boolean[],
  policy: AlertPolicy = DEFAULT_ALERT_POLICY,
): AlertEpisode[] {
  const episodes: AlertEpisode[] = [];
  let run = 0;
  let quiet = 0;
  let firing: AlertEpisode | null = null;
  anomalous.forEach((flag, i) => {
    if (flag) {
      run++;
      quiet = 0;
      if (firing) firing.endIndex = i;
      else if (run >= policy.persistSteps) {
        firing = { startIndex: i - run + 1, fireIndex: i, endIndex: i };
        episodes.push(firing);
      }
      return;
    }
    run = 0;
    if (firing && ++quiet >= policy.resolveSteps) firing = null;
  });
  return episodes;
}

export interface LabeledWindow {
  kind: string;
  /** First and last step (inclusive). */
  startStep: number;
  endStep: number;
}

export interface KindReport {
  events: number;
  detected: number;
  /** Alerts that fired inside an event window of this kind. */
  truePositiveAlerts: number;
  /** Delay from event start to the first alert inside its window, in steps, per detected event. */
  delaysSteps: number[];
  recall: number;
  medianDelaySteps: number | null;
}

export interface EvaluationReport {
  byKind: Record<string, KindReport>;
  alerts: number;
  falseAlerts: number;
  precision: number;
  recall: number;
  f05: number;
  medianDelaySteps: number | null;
}

/**
 * Matches alerts to labeled events: an alert is a true positive when it fires between an event's
 * start and `graceSteps` after its end; an event is detected when such an alert exists. Every
 * other alert is false.
 */
export function evaluateAlerts(
  alerts: readonly AlertEpisode[],
  events: readonly LabeledWindow[],
  graceSteps: number,
): EvaluationReport {
  const byKind: Record<string, KindReport> = {};
  const matched = new Set<AlertEpisode>();
  for (const event of events) {
    const report = (byKind[event.kind] ??= emptyKindReport());
    report.events++;
    const inside = alerts.filter(
      (a) => a.fireIndex >= event.startStep && a.fireIndex <= event.endStep + graceSteps,
    );
    inside.forEach((a) => matched.add(a));
    report.truePositiveAlerts += inside.length;
    const first = inside[0];
    if (first) {
      report.detected++;
      report.delaysSteps.push(first.fireIndex - event.startStep);
    }
  }
  for (const report of Object.values(byKind)) {
    report.recall = report.events > 0 ? report.detected / report.events : 0;
    report.medianDelaySteps = medianOf(report.delaysSteps);
  }
  const events_ = events.length;
  const detected = Object.values(byKind).reduce((n, r) => n + r.detected, 0);
  const falseAlerts = alerts.length - matched.size;
  const precision = alerts.length > 0 ? matched.size / alerts.length : 1;
  const recall = events_ > 0 ? detected / events_ : 1;
  return {
    byKind,
    alerts: alerts.length,
    falseAlerts,
    precision,
    recall,
    f05: fBeta(precision, recall, 0.5),
    medianDelaySteps: medianOf(Object.values(byKind).flatMap((r) => r.delaysSteps)),
  };
}

function emptyKindReport(): KindReport {
  return {
    events: 0,
    detected: 0,
    truePositiveAlerts: 0,
    delaysSteps: [],
    recall: 0,
    medianDelaySteps: null,
  };
}

export function fBeta(precision: number, recall: number, beta: number): number {
  const b2 = beta * beta;
  const denominator = b2 * precision + recall;
  return denominator > 0 ? ((1 + b2) * precision * recall) / denominator : 0;
}

export function medianOf(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
