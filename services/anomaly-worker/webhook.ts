// POST /v1/alertmanager/webhook on the page server: Alertmanager's standard webhook payload for
// alerts that came from elsewhere (Prometheus threshold rules, say). Each alert gets the
// model's verdict on its series around its start (verdict.ts) and goes back to every
// Alertmanager as a copy with the label `anomaly_verdict` (normal / anomalous / unknown) and the
// annotation `anomaly_score`, so a route or an inhibit rule can hold back what the model finds
// normal (docs/alerts.md "Enriching threshold alerts").
//
// No loops: alerts that already carry `anomaly_verdict`, and the worker's own alerts, are
// skipped. No state: when a verdict changes (unknown → normal, normal → anomalous) the copy
// with the old verdict is found in Alertmanager and resolved, so any replica can answer.
// While the alert's start step is not scored yet (scores lag by the ingest delay and a step) the
// request waits for it, up to `pendingWaitMs`; then it is answered 503 and Alertmanager retries
// the notification. Also 503 when no Alertmanager took the copies.
import { z } from 'zod';
import type {
  AlertmanagerClient,
  GettableAlert,
  PostableAlert,
} from '../../lib/alertmanager/client.ts';
import type { Logger } from '../../lib/log.ts';
import { GO_SIGNALS } from '../../models/index.ts';
import { alertPageLink } from './page.ts';
import { apiError, parseJsonBody, validationProblem, type ApiResponse } from './json-api.ts';
import type { ScoreSource } from './score-api.ts';
import { anomalyVerdict, type Verdict } from './verdict.ts';

export const VERDICT_LABEL = 'anomaly_verdict';

/** A verdict looks back at most this far, however long the alert has been firing. */
export const MAX_VERDICT_WINDOW_MS = 24 * 3_600_000;

export interface EnrichmentConfig {
  tenantLabels: readonly string[];
  defaultTenant: string;
  serviceLabels: readonly string[];
  instanceLabels: readonly string[];
  /** alertname → signal, for alerts without a `signal` label naming a Go signal. */
  alertSignals: Readonly<Partial<Record<string, string>>>;
  lookbackMs: number;
  /** How long after the alert's start its step may still be unscored before it is unknown. */
  maxWaitMs: number;
  /** How long one request waits for the start step to be scored before answering 503. */
  pendingWaitMs: number;
  holdMs: number;
  stepMs: number;
  /** The worker's own alertname: those alerts are the model's verdict already. */
  ownAlertname: string;
}

const time = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'expected an RFC 3339 time');

const webhookAlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).default({}),
  startsAt: time,
  endsAt: z.string().default(''),
  generatorURL: z.string().default(''),
  fingerprint: z.string().default(''),
});

export const webhookSchema = z.looseObject({
  version: z
    .literal('4', { error: 'unsupported payload version; Alertmanager webhooks send "4"' })
    .optional(),
  alerts: z.array(webhookAlertSchema),
});

export type WebhookAlert = z.infer<typeof webhookAlertSchema>;

/** The series an alert is about, from its labels. */
export interface AlertTarget {
  tenant: string;
  service: string | undefined;
  /** Values of the instance labels, in order: the first one the worker scores is the instance. */
  instances: string[];
  /** Only this signal's scores are read; every signal when undefined. */
  signal: string | undefined;
}

export function alertTarget(labels: Record<string, string>, config: EnrichmentConfig): AlertTarget {
  const present = (names: readonly string[]) =>
    names.map((n) => labels[n]).filter((v): v is string => v !== undefined && v !== '');
  const named = labels['signal'];
  const signal =
    named !== undefined && (GO_SIGNALS as readonly string[]).includes(named)
      ? named
      : config.alertSignals[labels['alertname'] ?? ''];
  return {
    tenant: present(config.tenantLabels)[0] ?? config.defaultTenant,
    service: present(config.serviceLabels)[0],
    instances: present(config.instanceLabels),
    signal,
  };
}

/** What the webhook decided for one alert, as its answer lists it. */
export interface AlertJudgement {
  fingerprint: string;
  alertname: string;
  verdict: Verdict | 'pending' | 'skipped';
  score: number | null;
  reason: string;
}

interface Judged {
  judgement: AlertJudgement;
  /** The enriched alert to post; none for skipped and pending alerts. */
  copy?: PostableAlert;
}

export interface AlertEnricherDeps {
  scores: Pick<ScoreSource, 'read'>;
  client: Pick<AlertmanagerClient, 'postAlerts' | 'getAlerts'>;
  /** Every Alertmanager of the cluster: each one gets the copies. */
  alertmanagerUrls: readonly string[];
  pageUrl: () => string;
  log: Logger;
  /** Counts each alert's outcome (verdict, pending or skipped). */
  onJudged?: (outcome: AlertJudgement['verdict']) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** How often a waiting request looks for the scores of a pending alert. */
const PENDING_POLL_MS = 2500;

const iso = (ms: number): string => new Date(ms).toISOString();

export class AlertEnricher {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly config: EnrichmentConfig,
    private readonly deps: AlertEnricherDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Answers one webhook call with its raw body. */
  async answer(rawBody: string): Promise<ApiResponse> {
    const body = parseJsonBody(rawBody);
    if (!body.ok) return body.answer;
    const parsed = webhookSchema.safeParse(body.value);
    if (!parsed.success) {
      const { field, message } = validationProblem(parsed.error);
      return apiError(400, 'bad_request', message, field);
    }
    return this.enrich(parsed.data.alerts);
  }

  private async enrich(alerts: readonly WebhookAlert[]): Promise<ApiResponse> {
    const judged = await this.judgeWaiting(alerts);
    const now = this.now();
    const judgements = judged.map((j) => j.judgement);
    for (const j of judgements) this.deps.onJudged?.(j.verdict);
    const copies = judged.flatMap((j) => (j.copy ? [j.copy] : []));
    const delivered = copies.length === 0 ? [] : await this.deliver(copies, now);
    if (copies.length > 0 && !delivered.some((d) => d.ok)) {
      const errors = delivered.map((d) => d.error).join('; ');
      return apiError(
        503,
        'alertmanager_unavailable',
        `no Alertmanager took the alerts: ${errors}`,
      );
    }
    const pending = judgements.filter((j) => j.verdict === 'pending');
    if (pending.length > 0) {
      return apiError(
        503,
        'scores_pending',
        `${pending.length} alert(s) started in a step the worker has not scored yet; ` +
          `Alertmanager retries the notification: ${pending.map((p) => p.reason).join('; ')}`,
      );
    }
    return { status: 200, body: { alerts: judgements, alertmanagers: delivered } };
  }

  /** Judges every alert; pending ones again every poll until they are not, or the wait is over. */
  private async judgeWaiting(alerts: readonly WebhookAlert[]): Promise<Judged[]> {
    const deadline = this.now() + this.config.pendingWaitMs;
    const judged: Judged[] = [];
    for (const alert of alerts) judged.push(await this.judge(alert, this.now()));
    for (;;) {
      const pending = judged.flatMap((j, i) => (j.judgement.verdict === 'pending' ? [i] : []));
      if (pending.length === 0 || this.now() >= deadline) return judged;
      await this.sleep(Math.min(PENDING_POLL_MS, deadline - this.now()));
      for (const i of pending) judged[i] = await this.judge(alerts[i]!, this.now());
    }
  }

  private async judge(alert: WebhookAlert, now: number): Promise<Judged> {
    const judgement = (
      verdict: AlertJudgement['verdict'],
      score: number | null,
      reason: string,
    ) => ({
      fingerprint: alert.fingerprint,
      alertname: alert.labels['alertname'] ?? '',
      verdict,
      score,
      reason,
    });
    if (alert.labels[VERDICT_LABEL] !== undefined) {
      return { judgement: judgement('skipped', null, `already carries ${VERDICT_LABEL}`) };
    }
    if (alert.labels['alertname'] === this.config.ownAlertname) {
      return { judgement: judgement('skipped', null, "the anomaly worker's own alert") };
    }
    const target = alertTarget(alert.labels, this.config);
    const startsAtMs = Date.parse(alert.startsAt);
    const resolved = alert.status === 'resolved';
    const endsAtMs = Date.parse(alert.endsAt);
    const untilMs = resolved && Number.isFinite(endsAtMs) ? endsAtMs : now;
    const fromMs = Math.max(startsAtMs - this.config.lookbackMs, untilMs - MAX_VERDICT_WINDOW_MS);
    const outcome = await this.verdictOf(target, startsAtMs, fromMs, untilMs);
    if (outcome.verdict === 'pending' && !resolved && now - startsAtMs < this.config.maxWaitMs) {
      return { judgement: judgement('pending', null, outcome.reason) };
    }
    const verdict = outcome.verdict === 'pending' ? 'unknown' : outcome.verdict;
    const score = Number.isFinite(outcome.score) ? outcome.score : null;
    return {
      judgement: judgement(verdict, score, outcome.reason),
      copy: {
        labels: { ...alert.labels, [VERDICT_LABEL]: verdict },
        annotations: {
          ...alert.annotations,
          anomaly_score: score === null ? 'none' : score.toFixed(3),
          anomaly_reason: outcome.reason,
          ...outcome.annotations,
        },
        startsAt: alert.startsAt,
        endsAt: iso(resolved ? untilMs : now + this.config.holdMs),
        ...(alert.generatorURL ? { generatorURL: alert.generatorURL } : {}),
      },
    };
  }

  private async verdictOf(
    target: AlertTarget,
    startsAtMs: number,
    fromMs: number,
    untilMs: number,
  ): Promise<{
    verdict: Verdict | 'pending';
    score: number;
    reason: string;
    annotations: Record<string, string>;
  }> {
    const { tenant, service } = target;
    const span = `between ${iso(fromMs)} and ${iso(untilMs)}`;
    if (service === undefined) {
      const labels = this.config.serviceLabels.join(', ');
      return unknownVerdict(`the alert has none of the service labels (${labels})`);
    }
    const all = await this.deps.scores.read(
      { tenant, service },
      fromMs,
      untilMs + 1,
      target.signal,
    );
    const scored = new Set(all.map((s) => s.instance));
    const instance = target.instances.find((i) => scored.has(i));
    const rows = instance === undefined ? all : all.filter((s) => s.instance === instance);
    const series =
      instance !== undefined
        ? `${tenant}/${service}/${instance}`
        : `${tenant}/${service} (${scored.size} instance${scored.size === 1 ? '' : 's'})`;
    const result = anomalyVerdict(rows, {
      startsAtMs,
      untilMs,
      lookbackMs: startsAtMs - fromMs,
      stepMs: this.config.stepMs,
    });
    if (result.verdict === 'pending') {
      return {
        verdict: 'pending',
        score: Number.NaN,
        reason: `${series} is scored up to before the alert's start (${iso(startsAtMs)})`,
        annotations: {},
      };
    }
    if (result.verdict === 'unknown') {
      return unknownVerdict(`no anomaly scores for ${series} ${span}`);
    }
    const worst = result.worst;
    const reason =
      result.verdict === 'anomalous'
        ? `the model found ${series} anomalous ${span}`
        : `the model found every step of ${series} normal ${span}`;
    return {
      verdict: result.verdict,
      score: result.score,
      reason: worst ? `${reason}; highest score at ${iso(worst.timestampMs)}` : reason,
      annotations: {
        anomaly_series: series,
        ...(worst
          ? {
              anomaly_model_version: worst.modelVersion || 'none (online detectors only)',
              anomaly_page: alertPageLink(
                this.deps.pageUrl(),
                { tenant, service, instance: worst.instance },
                target.signal ?? (worst.drivingSignal || worst.signal),
                worst.timestampMs,
              ),
            }
          : {}),
      },
    };
  }

  /** Posts the copies to every Alertmanager, resolving each one's copies with an old verdict. */
  private async deliver(
    copies: readonly PostableAlert[],
    now: number,
  ): Promise<Array<{ url: string; ok: boolean; resolvedStale: number; error?: string }>> {
    return Promise.all(
      this.deps.alertmanagerUrls.map(async (url) => {
        try {
          const stale = staleCopies(await this.existingCopies(url, copies), copies, now);
          await this.deps.client.postAlerts(url, [...copies, ...stale]);
          return { url, ok: true, resolvedStale: stale.length };
        } catch (err) {
          const error = (err as Error).message;
          this.deps.log.warn({ url, err }, 'enriched alerts not delivered');
          return { url, ok: false, resolvedStale: 0, error };
        }
      }),
    );
  }

  /** The enriched alerts an Alertmanager holds, narrowed by alertname when the copies share one. */
  private existingCopies(url: string, copies: readonly PostableAlert[]): Promise<GettableAlert[]> {
    const names = new Set(copies.map((c) => c.labels['alertname'] ?? ''));
    const filter = [`${VERDICT_LABEL}=~".+"`];
    const [name] = names;
    if (names.size === 1 && name) filter.push(`alertname=${matcherValue(name)}`);
    return this.deps.client.getAlerts(url, { filter });
  }
}

/** Active copies of the same alert with another verdict, as resolved alerts to post. */
function staleCopies(
  existing: readonly GettableAlert[],
  copies: readonly PostableAlert[],
  now: number,
): PostableAlert[] {
  const current = new Map(copies.map((c) => [originalKey(c.labels), c.labels[VERDICT_LABEL]]));
  return existing
    .filter((e) => {
      const verdict = current.get(originalKey(e.labels));
      return verdict !== undefined && verdict !== e.labels[VERDICT_LABEL];
    })
    .map((e) => ({
      labels: e.labels,
      annotations: e.annotations,
      startsAt: e.startsAt,
      endsAt: iso(now),
      ...(e.generatorURL ? { generatorURL: e.generatorURL } : {}),
    }));
}

/** The label set of the original alert an enriched copy was made from. */
function originalKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.entries(labels)
      .filter(([k]) => k !== VERDICT_LABEL)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

/** A label matcher value, quoted and escaped for the Alertmanager API. */
function matcherValue(value: string): string {
  return JSON.stringify(value);
}

function unknownVerdict(reason: string) {
  return { verdict: 'unknown' as const, score: Number.NaN, reason, annotations: {} };
}
