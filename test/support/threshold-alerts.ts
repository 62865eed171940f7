// Static threshold alerts on generated Go series, the way a team's Prometheus rules would fire
// them, and what the worker's verdict (services/anomaly-worker/verdict.ts) does with them: the
// measurement behind docs/alerts.md "Enriching threshold alerts", for the quality test and the
// scoring benchmark alike.
import type { StepScore } from '../../models/step-score.ts';
import { anomalyVerdict } from '../../services/anomaly-worker/verdict.ts';
import { GRACE_STEPS } from './go-series-eval.ts';
import { type FleetInstance } from '../../models/simulator/fleet.ts';
import { STEP_SECONDS } from '../../models/simulator/go-series.ts';

/** Signals teams put static thresholds on. */
export const THRESHOLD_SIGNALS = ['goroutines', 'gc_pause_p99', 'heap_inuse', 'latency_p99'];

export interface ThresholdRules {
  /** Per instance and signal, the threshold is this quantile of its training values. */
  quantile: number;
  /** Steps the value must stay above the threshold before the alert fires (`for:`). */
  forSteps: number;
}

/**
 * The measured setup (docs/alerts.md): thresholds at the 99.5th percentile of the normal training
 * days, `for: 30s`; the webhook looks 5 minutes back and Alertmanager re-notifies every 10
 * minutes (examples/alertmanager/threshold-enrichment.yml).
 */
export const MEASURED_RULES: ThresholdRules = { quantile: 0.995, forSteps: 2 };
export const MEASURED_TIMING: WebhookTiming = { lookbackSteps: 20, repeatSteps: 40 };

export interface ThresholdAlert {
  signal: string;
  /** Step (in `test` coordinates) the alert fired at, and the first step it was resolved. */
  fireStep: number;
  endStep: number;
  /** Index in the instance's `anomalies` of the injected anomaly it overlaps (with the
   * evaluation's grace period after it); -1 = normal variation. */
  anomaly: number;
}

/** How the webhook sees an alert: its scores as of the first notification and each repeat. */
export interface WebhookTiming {
  lookbackSteps: number;
  /** Steps between Alertmanager's repeated notifications of a firing alert (repeat_interval). */
  repeatSteps: number;
}

export interface EnrichmentMeasurement {
  rules: ThresholdRules;
  timing: WebhookTiming;
  normalAlerts: number;
  /** Threshold alerts on normal variation that the verdict kept normal while they fired. */
  markedNormal: number;
  trueAlerts: number;
  /** Threshold alerts on injected anomalies marked anomalous at the first notification ... */
  keptAtFirst: number;
  /** ... or at a repeat while still firing. */
  kept: number;
  /** Injected anomalies that fired at least one threshold alert ... */
  trueEvents: number;
  /** ... and those of them with at least one alert the verdict kept. */
  eventsKept: number;
  unknown: number;
}

function quantileOf(values: Float64Array, q: number): number {
  const sorted = Array.from(values)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** The alerts static rules fire on an instance's evaluated steps. */
export function thresholdAlerts(instance: FleetInstance, rules: ThresholdRules): ThresholdAlert[] {
  const out: ThresholdAlert[] = [];
  for (const signal of THRESHOLD_SIGNALS) {
    const f = instance.test.features.indexOf(signal);
    if (f < 0) continue;
    const threshold = quantileOf(instance.train.values[f]!, rules.quantile);
    const values = instance.test.values[f]!;
    let above = 0;
    let fireStep = -1;
    for (let t = instance.warmupSteps; t <= values.length; t++) {
      const high = t < values.length && (values[t] ?? Number.NaN) > threshold;
      above = high ? above + 1 : 0;
      if (above === rules.forSteps) fireStep = t;
      if (!high && fireStep >= 0) {
        out.push({ signal, fireStep, endStep: t, anomaly: overlapping(instance, fireStep, t) });
        fireStep = -1;
      }
    }
  }
  return out;
}

function overlapping(instance: FleetInstance, from: number, to: number): number {
  return instance.anomalies.findIndex((a) => from <= a.endStep + GRACE_STEPS && to >= a.startStep);
}

/** Verdicts at each notification of one alert: the first one, then every repeat while firing. */
function verdictsWhileFiring(
  alert: ThresholdAlert,
  scores: readonly StepScore[],
  timing: WebhookTiming,
  stepMs: number,
  startMs: number,
): Array<{ step: number; verdict: string }> {
  const at = (step: number) => startMs + step * stepMs;
  const out: Array<{ step: number; verdict: string }> = [];
  for (let step = alert.fireStep; step < alert.endStep; step += timing.repeatSteps) {
    const result = anomalyVerdict(scores, {
      startsAtMs: at(alert.fireStep),
      untilMs: at(step),
      lookbackMs: timing.lookbackSteps * stepMs,
      stepMs,
    });
    out.push({ step, verdict: result.verdict });
  }
  return out;
}

/** Fires the rules on every instance and judges each alert with the instance's scores. */
export function measureEnrichment(
  fleet: readonly FleetInstance[],
  scoresPerInstance: ReadonlyArray<readonly StepScore[]>,
  rules: ThresholdRules,
  timing: WebhookTiming,
): EnrichmentMeasurement {
  const stepMs = STEP_SECONDS * 1000;
  const m: EnrichmentMeasurement = {
    rules,
    timing,
    normalAlerts: 0,
    markedNormal: 0,
    trueAlerts: 0,
    keptAtFirst: 0,
    kept: 0,
    trueEvents: 0,
    eventsKept: 0,
    unknown: 0,
  };
  /** Per instance and injected anomaly: whether one of its alerts was kept. */
  const events = new Map<string, boolean>();
  fleet.forEach((instance, i) => {
    for (const alert of thresholdAlerts(instance, rules)) {
      const verdicts = verdictsWhileFiring(
        alert,
        scoresPerInstance[i]!,
        timing,
        stepMs,
        instance.test.startMs,
      );
      const anomalousAt = verdicts.find((v) => v.verdict === 'anomalous')?.step;
      if (verdicts[0]?.verdict === 'unknown') m.unknown++;
      if (alert.anomaly < 0) {
        m.normalAlerts++;
        if (anomalousAt === undefined) m.markedNormal++;
        continue;
      }
      m.trueAlerts++;
      if (anomalousAt === alert.fireStep) m.keptAtFirst++;
      if (anomalousAt !== undefined) m.kept++;
      const event = `${i}/${alert.anomaly}`;
      events.set(event, (events.get(event) ?? false) || anomalousAt !== undefined);
    }
  });
  m.trueEvents = events.size;
  m.eventsKept = [...events.values()].filter(Boolean).length;
  return m;
}
