// The worker's own Prometheus metrics, on the service's /metrics.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class WorkerMetrics {
  readonly seriesScored: Counter;
  readonly anomalies: Counter<'method'>;
  readonly alertsSent: Counter<'url' | 'state'>;
  readonly alertsFailed: Counter<'url'>;
  readonly scoringDuration: Histogram;
  readonly scoringErrors: Counter;
  readonly seriesOwned: Gauge;
  readonly alertsFiring: Gauge;
  readonly modelInfo: Gauge<'version'>;
  readonly webhookAlerts: Counter<'outcome'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.seriesScored = new Counter({
      name: 'telepipe_worker_series_scored_total',
      help: 'Series steps scored',
      registers,
    });
    this.anomalies = new Counter({
      name: 'telepipe_worker_anomalies_total',
      help: 'Scored series steps flagged anomalous, by scoring method',
      labelNames: ['method'],
      registers,
    });
    this.alertsSent = new Counter({
      name: 'telepipe_worker_alerts_sent_total',
      help: 'Alerts an Alertmanager accepted, by Alertmanager URL and state (firing, resolved)',
      labelNames: ['url', 'state'],
      registers,
    });
    this.alertsFailed = new Counter({
      name: 'telepipe_worker_alerts_failed_total',
      help: 'Alerts in failed deliveries (retried with backoff unless rejected as invalid)',
      labelNames: ['url'],
      registers,
    });
    this.scoringDuration = new Histogram({
      name: 'telepipe_worker_scoring_duration_seconds',
      help: 'Duration of one scoring tick: read, score, write, alert',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.scoringErrors = new Counter({
      name: 'telepipe_worker_scoring_errors_total',
      help: 'Scoring ticks that failed (ClickHouse down, ...); the steps are retried',
      registers,
    });
    this.seriesOwned = new Gauge({
      name: 'telepipe_worker_series',
      help: 'Series this replica owns and scores',
      registers,
    });
    this.alertsFiring = new Gauge({
      name: 'telepipe_worker_alerts_firing',
      help: 'Alerts currently firing from this replica',
      registers,
    });
    this.modelInfo = new Gauge({
      name: 'telepipe_worker_model_info',
      help: 'The model version in use (1); "none" = the online detectors only',
      labelNames: ['version'],
      registers,
    });
    this.webhookAlerts = new Counter({
      name: 'telepipe_worker_webhook_alerts_total',
      help: 'Alerts received on the Alertmanager webhook, by outcome (normal, anomalous, unknown, pending, skipped)',
      labelNames: ['outcome'],
      registers,
    });
  }

  setModelVersion(version: string | null): void {
    this.modelInfo.reset();
    this.modelInfo.set({ version: version ?? 'none' }, 1);
  }
}
