// What counts as a detection: the step at which an alert fires. Per-step flags go through the
// worker's alert state machine (`alertEpisodes`), and each episode is one detection at its fire
// step, placed on the file's first row at or after that step. Scoring per-step flags instead
// would count a long anomalous stretch as many detections, and outside a window as many false
// positives, while the operator is paged once.
import {
  alertEpisodes,
  evaluateAlerts,
  type AlertEpisode,
  type AlertPolicy,
  type LabeledWindow,
} from '../alerts.ts';
import type { RowWindow } from './nab.ts';

/** Alert episodes of per-step flags, with their indices moved from grid steps to rows. */
export function alertRows(
  flags: readonly boolean[],
  rowSteps: readonly number[],
  policy: AlertPolicy,
): AlertEpisode[] {
  const rowAt = firstRowAtOrAfter(rowSteps, flags.length);
  return alertEpisodes(flags, policy).map((e) => ({
    startIndex: rowAt[e.startIndex] ?? -1,
    fireIndex: rowAt[e.fireIndex] ?? -1,
    endIndex: rowAt[e.endIndex] ?? -1,
  }));
}

/** For every grid step, the first row (file order) on that step, else on the next step that has one. */
function firstRowAtOrAfter(rowSteps: readonly number[], steps: number): Int32Array {
  const rowAt = new Int32Array(steps + 1).fill(-1);
  rowSteps.forEach((step, row) => {
    if (step >= 0 && step < steps && rowAt[step] === -1) rowAt[step] = row;
  });
  for (let s = steps - 1; s >= 0; s--) if (rowAt[s] === -1) rowAt[s] = rowAt[s + 1] ?? -1;
  return rowAt;
}

export interface EventCounts {
  /** Alerts that fired after the probationary period. */
  alerts: number;
  /** Of those, alerts that fired inside a window. */
  truePositiveAlerts: number;
  /** Windows that end after the probationary period. */
  windows: number;
  /** Of those, windows with an alert firing inside. */
  detectedWindows: number;
  /** Per detected window: rows from its start to its first alert. */
  delaysRows: number[];
}

/**
 * Event-level counts: the events are the label windows, an alert is a true positive when it fires
 * inside one. Alerts and windows within the probationary period are left out, as in NAB.
 */
export function eventCounts(
  alerts: readonly AlertEpisode[],
  windows: readonly RowWindow[],
  probation: number,
): EventCounts {
  const scoredAlerts = alerts.filter((a) => a.fireIndex >= probation);
  const events: LabeledWindow[] = windows
    .filter((w) => w.end >= probation)
    .map((w) => ({ kind: 'window', startStep: w.start, endStep: w.end }));
  const report = evaluateAlerts(scoredAlerts, events, 0);
  const byWindow = report.byKind['window'];
  return {
    alerts: report.alerts,
    truePositiveAlerts: report.alerts - report.falseAlerts,
    windows: events.length,
    detectedWindows: byWindow?.detected ?? 0,
    delaysRows: byWindow?.delaysSteps ?? [],
  };
}

export function addCounts(a: EventCounts, b: EventCounts): EventCounts {
  return {
    alerts: a.alerts + b.alerts,
    truePositiveAlerts: a.truePositiveAlerts + b.truePositiveAlerts,
    windows: a.windows + b.windows,
    detectedWindows: a.detectedWindows + b.detectedWindows,
    delaysRows: [...a.delaysRows, ...b.delaysRows],
  };
}

export const NO_EVENTS: EventCounts = {
  alerts: 0,
  truePositiveAlerts: 0,
  windows: 0,
  detectedWindows: 0,
  delaysRows: [],
};
