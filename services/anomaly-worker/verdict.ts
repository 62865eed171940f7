// The model's verdict on an alert that came from elsewhere (a threshold rule, say): did the
// series look anomalous around the time the alert started? Pure, so the webhook (webhook.ts) and
// the measurement on generated series (test/support/threshold-alerts.ts) decide the same way.
//
// The window runs from `lookbackMs` before the alert's start to `untilMs` (now while the alert
// fires, its end once resolved): the model may flag a ramp before a threshold is crossed, and a
// slow leak only after. As the window only grows, a verdict can go from normal to anomalous
// while the alert fires, never back.

export type Verdict = 'normal' | 'anomalous' | 'unknown';

/** One scored step; StoredScore and StepScore both fit. */
export interface VerdictStep {
  timestampMs: number;
  /** Severity in [0, 1], 0.5 at the threshold. */
  score: number;
  anomalous: boolean;
}

export interface VerdictWindow {
  startsAtMs: number;
  untilMs: number;
  lookbackMs: number;
  stepMs: number;
}

export type VerdictResult<S extends VerdictStep> =
  | { verdict: Verdict; score: number; worst: S | undefined }
  /** The series has scores before the alert, but none yet from the step it started in. */
  | { verdict: 'pending' };

/** The steps of `steps` inside the window (start of the lookback to untilMs, inclusive). */
function inVerdictWindow<S extends VerdictStep>(steps: readonly S[], w: VerdictWindow): S[] {
  const from = w.startsAtMs - w.lookbackMs;
  return steps.filter((s) => s.timestampMs >= from && s.timestampMs <= w.untilMs);
}

/**
 * normal: every scored step in the window was normal; anomalous: at least one was not;
 * unknown: no scores in the window; pending: the scores stop before the alert's start step.
 * `score` is the window's highest score (NaN when unknown), `worst` the step that had it.
 */
export function anomalyVerdict<S extends VerdictStep>(
  steps: readonly S[],
  w: VerdictWindow,
): VerdictResult<S> {
  const inWindow = inVerdictWindow(steps, w);
  if (inWindow.length === 0) return { verdict: 'unknown', score: Number.NaN, worst: undefined };
  const startStep = Math.floor(w.startsAtMs / w.stepMs) * w.stepMs;
  if (!inWindow.some((s) => s.timestampMs >= startStep)) return { verdict: 'pending' };
  let worst: S | undefined;
  for (const s of inWindow) {
    if (Number.isFinite(s.score) && (!worst || s.score > worst.score)) worst = s;
  }
  const verdict = inWindow.some((s) => s.anomalous) ? 'anomalous' : 'normal';
  return { verdict, score: worst?.score ?? Number.NaN, worst };
}
