// Delivers the router's alerts to every configured Alertmanager through an AlertOutbox: sends
// at once on a state change, re-sends firing alerts before their endsAt lapses, and retries an
// unreachable Alertmanager with backoff. Nothing here throws into the scoring loop.
import { BaseComponent } from '../../lib/component.ts';
import { AlertmanagerClient } from '../../lib/alertmanager/client.ts';
import {
  AlertOutbox,
  type DeliveryReport,
  type OutboxAlert,
} from '../../lib/alertmanager/outbox.ts';
import type { Logger } from '../../lib/log.ts';
import type { AlertSink } from './alert-router.ts';
import type { WorkerMetrics } from './metrics.ts';

export interface NotifierConfig {
  urls: readonly string[];
  resendIntervalMs: number;
  expireAfterMs: number;
  requestTimeoutMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** How often due re-sends and retries are checked. */
  flushIntervalMs: number;
}

export class AlertmanagerNotifier extends BaseComponent implements AlertSink {
  readonly name = 'alertmanager_notifier';
  private readonly client: AlertmanagerClient;
  private readonly outbox: AlertOutbox;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly config: NotifierConfig,
    private readonly deps: { metrics: WorkerMetrics; log: Logger },
  ) {
    super();
    this.client = new AlertmanagerClient({ timeoutMs: config.requestTimeoutMs });
    this.outbox = new AlertOutbox({
      urls: config.urls,
      client: this.client,
      resendIntervalMs: config.resendIntervalMs,
      expireAfterMs: config.expireAfterMs,
      backoff: { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs },
    });
  }

  send(key: string, alert: OutboxAlert, urgent: boolean): void {
    this.counters.received++;
    this.outbox.put(key, alert, urgent);
    if (urgent) this.kick();
  }

  /** Alerts some Alertmanager has yet to accept in their latest state. */
  pending(): number {
    return this.outbox.pending();
  }

  /** Readiness: at least one Alertmanager answers. */
  async anyReachable(): Promise<boolean> {
    const answers = await Promise.all(this.config.urls.map((url) => this.client.isReady(url)));
    return answers.some(Boolean);
  }

  protected onStart(): Promise<void> {
    this.timer = setInterval(() => this.kick(), this.config.flushIntervalMs);
    return Promise.resolve();
  }

  /** One last delivery attempt for what is due; firing alerts lapse by endsAt if nobody re-sends. */
  protected async onShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flushing;
    await this.flushOnce();
  }

  /** Starts a flush, or asks the running one to go again (so an urgent alert is not held back). */
  private kick(): void {
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = this.flushUntilQuiet().finally(() => (this.flushing = undefined));
  }

  private async flushUntilQuiet(): Promise<void> {
    do {
      this.again = false;
      await this.flushOnce();
    } while (this.again);
  }

  private async flushOnce(): Promise<void> {
    const reports = await this.outbox.flush();
    for (const report of reports) this.record(report);
  }

  private record(report: DeliveryReport): void {
    const { metrics, log } = this.deps;
    const total = report.firing + report.resolved;
    if (report.ok) {
      this.counters.sent += total;
      metrics.alertsSent.inc({ url: report.url, state: 'firing' }, report.firing);
      metrics.alertsSent.inc({ url: report.url, state: 'resolved' }, report.resolved);
      log.debug(
        { url: report.url, firing: report.firing, resolved: report.resolved },
        'alerts delivered',
      );
      return;
    }
    metrics.alertsFailed.inc({ url: report.url }, total);
    this.counters.dropped += report.rejected;
    const level = report.rejected > 0 ? 'error' : 'warn';
    log[level](
      { url: report.url, alerts: total, rejected: report.rejected, err: report.error },
      'alert delivery failed',
    );
  }
}
