// Scores → alerts. Each series has a state machine (alert-state.ts); when it fires, the alert
// gets the series' labels and the signal that drove the anomaly, and keeps that label set
// until it resolves, so Alertmanager sees one alert per incident. Annotations carry the latest
// observed and expected values, the score, the model version and how the step was scored, plus
// a runbook hint for the signal and the signals that moved with it (runbook.ts), and, when the
// scoring loop says which metric the signal was read from, that source (`source`; a derived
// signal, e.g. GC pauses from the allocation rate, is named so in the summary too).
import type { SignalSourceConfig } from '../../lib/config/sections/worker.ts';
import type { OutboxAlert } from '../../lib/alertmanager/outbox.ts';
import { seriesKey, type Channel, type SeriesId, type StepScore } from '../../models/index.ts';
import type { AlertPolicy } from '../../lib/alerts/policy.ts';
import { AlertStateMachine, type AlertTransition } from './alert-state.ts';
import { alertPageLink } from './page.ts';
import { coMovement, runbookHint, runbookUrl } from './runbook.ts';
import type { SignalSources } from './samples.ts';
import { describeSource, formatValue, isGoSignal, signalCaption } from './signals.ts';

export interface AlertRouterConfig extends AlertPolicy {
  alertname: string;
  severity: string;
  /** Static labels added to every alert (identity labels win on a clash). */
  labels: Record<string, string>;
  /** Per signal, the `runbook_url` annotation; none by default. */
  runbookUrls?: Partial<Record<string, string>>;
  /** Ratio beyond which a signal counts as moved in `correlated` (default 1.5). */
  correlationFactor?: number;
}

/** Where alerts go: the notifier. `urgent` = fired or resolved, send now. */
export interface AlertSink {
  send(key: string, alert: OutboxAlert, urgent: boolean): void;
}

export interface AlertRouterDeps {
  sink: AlertSink;
  /** Base URL of the alert page server. */
  pageUrl: () => string;
  /** Wall clock for startsAt/endsAt (the data clock may be replaying history). */
  now?: () => number;
}

interface Episode {
  /** The outbox key: the label set. */
  key: string;
  id: SeriesId;
  labels: Record<string, string>;
  signal: string;
  startsAtMs: number;
  /** Data time of the step that fired. */
  firedAtMs: number;
  observed: number;
  expected: number;
  /** Where the signal's values came from, as last reported; unknown when never reported. */
  source?: SignalSourceConfig;
  annotations: Record<string, string>;
}

export class AlertRouter {
  private readonly machines = new Map<string, AlertStateMachine>();
  private readonly episodes = new Map<string, Episode>();
  private readonly now: () => number;

  constructor(
    private readonly config: AlertRouterConfig,
    private readonly deps: AlertRouterDeps,
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** Alerts currently firing. */
  get firing(): number {
    return this.episodes.size;
  }

  /** One scored step of a series; `sources` say which metric each signal was read from. */
  observe(id: SeriesId, score: StepScore, sources?: SignalSources): AlertTransition {
    const key = seriesKey(id);
    let machine = this.machines.get(key);
    if (!machine) this.machines.set(key, (machine = new AlertStateMachine(this.config)));
    const transition = machine.observe(score.anomalous);
    if (transition === 'fired') {
      const episode = this.startEpisode(id, score);
      this.episodes.set(key, episode);
      updateSource(episode, sources);
      this.deps.sink.send(episode.key, this.alert(episode, score, null), true);
      return transition;
    }
    const episode = this.episodes.get(key);
    if (!episode) return transition;
    updateSource(episode, sources);
    if (transition === 'resolved') {
      this.episodes.delete(key);
      this.deps.sink.send(episode.key, this.alert(episode, score, this.now()), true);
    } else {
      this.deps.sink.send(episode.key, this.alert(episode, score, null), false);
    }
    return transition;
  }

  /** The series is gone (idle, or no longer this replica's): its alert, if any, resolves. */
  forget(id: SeriesId): void {
    const key = seriesKey(id);
    this.machines.delete(key);
    const episode = this.episodes.get(key);
    if (!episode) return;
    this.episodes.delete(key);
    this.deps.sink.send(episode.key, this.alert(episode, null, this.now()), true);
  }

  private startEpisode(id: SeriesId, score: StepScore): Episode {
    const signal = score.drivingSignal ?? '';
    const labels = {
      ...this.config.labels,
      alertname: this.config.alertname,
      severity: this.config.severity,
      tenant: id.tenant,
      service: id.service,
      instance: id.instance,
      signal,
    };
    return {
      key: JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))),
      id,
      labels,
      signal,
      startsAtMs: this.now(),
      firedAtMs: score.timestampMs,
      observed: Number.NaN,
      expected: Number.NaN,
      annotations: {},
    };
  }

  private alert(episode: Episode, score: StepScore | null, endsAtMs: number | null): OutboxAlert {
    const observed = score?.observed[episode.signal] ?? Number.NaN;
    const expected = score?.expected[episode.signal] ?? Number.NaN;
    // A step where the signal was not observed keeps the last values the alert showed.
    if (Number.isFinite(observed)) episode.observed = observed;
    if (Number.isFinite(expected)) episode.expected = expected;
    episode.annotations = score
      ? this.annotations(episode, score)
      : { ...episode.annotations, summary: this.summary(episode, 'stopped reporting') };
    return {
      labels: episode.labels,
      annotations: episode.annotations,
      generatorURL: this.pageLink(episode),
      startsAtMs: episode.startsAtMs,
      endsAtMs,
    };
  }

  private annotations(episode: Episode, score: StepScore): Record<string, string> {
    const { id, signal, source } = episode;
    const observed = formatValue(signal, episode.observed, source);
    const expected = formatValue(signal, episode.expected, source);
    return {
      summary: this.summary(episode, `is anomalous: ${observed} vs expected ${expected}`),
      description:
        `${signalCaption(signal, source)} of service ${id.service}, instance ${id.instance} (tenant ${id.tenant}) ` +
        `was ${observed} where ${expected} was expected; anomaly score ${score.score.toFixed(2)}. ` +
        this.methodNote(score),
      observed,
      expected,
      score: score.score.toFixed(3),
      model_version: score.modelVersion ?? 'none',
      method: score.method,
      ...(score.reason ? { detector: `${score.reason} ${score.direction ?? ''}`.trim() } : {}),
      data_time: new Date(score.timestampMs).toISOString(),
      runbook: runbookHint(signal),
      ...this.runbookLink(signal),
      correlated: coMovement(
        signal,
        score.observed,
        score.expected,
        this.config.correlationFactor ?? 1.5,
      ),
      ...(source ? { source: describeSource(source) } : {}),
    };
  }

  private runbookLink(signal: string): { runbook_url?: string } {
    const url = runbookUrl(this.config.runbookUrls ?? {}, signal);
    return url ? { runbook_url: url } : {};
  }

  private summary(episode: Episode, what: string): string {
    const caption = signalCaption(episode.signal, episode.source);
    return `${caption} of ${episode.id.service} (${episode.id.instance}) ${what}`;
  }

  private methodNote(score: StepScore): string {
    const why = score.reason ? REASONS[score.reason] : 'its strongest statistic';
    const by =
      score.method === 'lstm'
        ? `the online detectors and the LSTM forecaster (model ${score.modelVersion ?? 'unknown'})`
        : 'the online detectors (no model forecasts this series yet)';
    return `Flagged by ${by}: ${why}. Expected is the median of its recent normal values.`;
  }

  private pageLink(episode: Episode): string {
    return alertPageLink(this.deps.pageUrl(), episode.id, episode.signal, episode.firedAtMs);
  }
}

/** What each statistic sees, for an alert's description. */
const REASONS: Record<Channel, string> = {
  spike: 'a sudden excursion from its recent normal range',
  level: 'a sustained shift of its level',
  drift: 'a steady drift away from its trend (a leak, a slow build-up)',
  seasonal_day: 'a departure from what it did at this time yesterday',
  seasonal_week: 'a departure from what it did at this time last week',
  forecast: 'a miss of the LSTM forecast',
};

/** The episode's signal source from this step, when the step says. */
function updateSource(episode: Episode, sources: SignalSources | undefined): void {
  const source = sources && isGoSignal(episode.signal) ? sources[episode.signal] : undefined;
  if (source) episode.source = source;
}
