// The anomaly worker: Go runtime series from ClickHouse → online detectors + LSTM → scores
// in `anomaly_scores` and alerts in Alertmanager, with a page per alert.
//
//   ClickHouse otel_metrics_* ─▶ SeriesReader ─▶ ScoringLoop (Detector) ─▶ anomaly_scores
//        (this replica's shard)                        │
//                                                      ▼
//   ModelManager (reload, retrain) ─▶ model      AlertRouter ─▶ AlertmanagerNotifier ─▶ Alertmanager (HA)
//                                                      │
//   AlertPageServer ◀── generatorURL ──────────────────┘  (draws the scores from ClickHouse)
//
//   Alertmanager ─webhook─▶ AlertPageServer ─▶ AlertEnricher (verdict from anomaly_scores) ─▶ Alertmanager
import path from 'node:path';
import { Registry } from 'prom-client';
import type { Config } from '../../lib/config/index.ts';
import { createCliLogger, createLogger } from '../../lib/log.ts';
import { Service } from '../../lib/service.ts';
import {
  DEFAULT_ONLINE_PARAMS,
  onlineParams,
  type OnlineParams,
  type ModelMetadata,
} from '../../models/index.ts';
import { AlertmanagerClient } from '../../lib/alertmanager/client.ts';
import { AlertRouter } from './alert-router.ts';
import { WorkerMetrics } from './metrics.ts';
import { ModelManager } from './model-manager.ts';
import { AlertmanagerNotifier } from './notifier.ts';
import { PageAuth } from './page-auth.ts';
import { AlertPageServer } from './page-server.ts';
import { ScoreStore } from './scores.ts';
import { ScoringLoop } from './scoring-loop.ts';
import { SeriesReader, type SeriesReaderConfig } from './series-reader.ts';
import { resolveShard, type Shard } from './shard.ts';
import { ClickHouseStorage, openStorage, sqlSource } from './storage.ts';
import { progressReporter, startingModel, trainOnHistory, type ProgressStream } from './train.ts';
import { AlertEnricher, type EnrichmentConfig } from './webhook.ts';

export interface WorkerService {
  service: Service;
  /** Port of the alert page server (the configured one, or the free one picked for port 0). */
  pagePort(): number;
  /** The base URL alert generatorURLs start with. */
  pageUrl(): string;
}

export interface WorkerOptions {
  /** Environment for the shard's pod-name fallback (HOSTNAME); default process.env. */
  env?: NodeJS.ProcessEnv;
}

const ALL_SERIES: Shard = { index: 0, count: 1 };

/** The configured detection keys over the detector's defaults. */
function detectionParams(config: Config['worker']['detection']): OnlineParams {
  const defaults = DEFAULT_ONLINE_PARAMS;
  return onlineParams({
    minSteps: config.minSteps ?? defaults.minSteps,
    baselineSteps: config.baselineSteps ?? defaults.baselineSteps,
    modelSkill: config.modelSkill ?? defaults.modelSkill,
    minScale: config.minScale,
    calibration: {
      ...defaults.calibration,
      returnPeriodDays: config.returnPeriodDays ?? defaults.calibration.returnPeriodDays,
    },
  });
}

function readerConfig(config: Config, shard: Shard): SeriesReaderConfig {
  const w = config.worker;
  return {
    stepMs: w.stepSeconds * 1000,
    signals: w.signals,
    instanceAttributes: w.instanceAttributes,
    maxGapSteps: w.maxGapSteps,
    shard,
  };
}

function enrichmentConfig(config: Config): EnrichmentConfig {
  const { enrichment: e, stepSeconds, alerts } = config.worker;
  return {
    ...e,
    lookbackMs: e.lookbackSeconds * 1000,
    maxWaitMs: e.maxWaitSeconds * 1000,
    pendingWaitMs: e.pendingWaitSeconds * 1000,
    holdMs: e.holdSeconds * 1000,
    stepMs: stepSeconds * 1000,
    ownAlertname: alerts.alertname,
  };
}

/** Builds and starts the worker; it fails to start when ClickHouse or its schema is missing. */
export async function createWorkerService(
  config: Config,
  options: WorkerOptions = {},
): Promise<WorkerService> {
  const w = config.worker;
  const shard = resolveShard(w.shard, options.env);
  const log = createLogger('anomaly-worker', config).child({
    shard: `${shard.index}/${shard.count}`,
  });
  const registry = new Registry();
  const metrics = new WorkerMetrics(registry);
  const stepMs = w.stepSeconds * 1000;
  const detection = detectionParams(w.detection);

  const storage = new ClickHouseStorage(config.clickhouse);
  const ch = () => storage.storage;
  const sql = () => sqlSource(storage.storage);
  const scores = new ScoreStore(ch);
  const notifier = new AlertmanagerNotifier(
    {
      urls: config.alertmanager.urls,
      resendIntervalMs: w.alerts.resendIntervalSeconds * 1000,
      expireAfterMs: w.alerts.expireAfterSeconds * 1000,
      requestTimeoutMs: w.alerts.requestTimeoutMs,
      retryInitialMs: w.alerts.retryInitialMs,
      retryMaxMs: w.alerts.retryMaxMs,
      flushIntervalMs: 1000,
    },
    { metrics, log },
  );
  // Training and the alert page's source lookup read every series, whichever replica scores them.
  const allSeriesReader = new SeriesReader(sql, readerConfig(config, ALL_SERIES));
  const enricher = new AlertEnricher(enrichmentConfig(config), {
    scores,
    client: new AlertmanagerClient({ timeoutMs: w.alerts.requestTimeoutMs }),
    alertmanagerUrls: config.alertmanager.urls,
    pageUrl: (): string => page.baseUrl(),
    log,
    onJudged: (outcome) => metrics.webhookAlerts.inc({ outcome }),
  });
  const page = new AlertPageServer(
    {
      address: w.page.address,
      externalUrl: w.page.externalUrl,
      windowMs: w.page.windowMinutes * 60_000,
      alertname: w.alerts.alertname,
      stepMs,
    },
    {
      scores,
      log,
      enricher,
      sources: (id, atMs) => allSeriesReader.sourcesAt(id, atMs),
      auth: PageAuth.fromConfig(w.page.auth),
    },
  );
  // The config names the policy's persistSteps after Alertmanager's pending phase.
  const { pendingSteps, ...alerts } = w.alerts;
  const router = new AlertRouter(
    { ...alerts, persistSteps: pendingSteps },
    { sink: notifier, pageUrl: () => page.baseUrl() },
  );
  const loop = new ScoringLoop(
    {
      stepMs,
      ingestDelayMs: w.ingestDelaySeconds * 1000,
      warmupSteps: w.warmupSteps,
      maxCatchUpSteps: w.maxCatchUpSteps,
      idleSteps: w.idleSteps,
      maxGapSteps: w.maxGapSteps,
      detection,
      replay: w.replay,
    },
    { reader: new SeriesReader(sql, readerConfig(config, shard)), scores, router, metrics, log },
  );
  const models = new ModelManager(
    {
      modelDir: path.join(w.model.dir, w.model.name),
      reloadIntervalMs: w.model.reloadIntervalSeconds * 1000,
      stepSeconds: w.stepSeconds,
      retrainIntervalMs: shard.index === 0 ? w.retrain.intervalHours * 3_600_000 : 0,
    },
    {
      onModel: (model) => loop.setModel(model),
      retrain: async () => {
        const toBucket = Math.floor(Date.now() / stepMs);
        const startFrom = await startingModel(path.join(w.model.dir, w.model.name));
        try {
          const result = await trainOnHistory(allSeriesReader, {
            fromBucket: toBucket - Math.round((w.retrain.historyHours * 3_600_000) / stepMs),
            toBucket,
            epochs: w.retrain.epochs,
            outDir: w.model.dir,
            modelName: w.model.name,
            startFrom,
            log,
          });
          return result.model;
        } finally {
          startFrom?.forecaster.dispose();
        }
      },
      log,
    },
  );

  const service = new Service({
    name: 'anomaly-worker',
    config,
    adminAddress: w.adminAddress,
    // Started in this order, stopped in reverse: scoring stops first, the notifier gets a last flush.
    components: [storage, notifier, page, models, loop],
    readiness: {
      clickhouse: () => storage.reachable(),
      alertmanager: () => notifier.anyReachable(),
    },
    registry,
    logger: log,
  });
  await service.start();
  metrics.setModelVersion(loop.modelVersion);
  return { service, pagePort: () => page.port(), pageUrl: () => page.baseUrl() };
}

/** `telepipe detect`: starts the worker and leaves it running until SIGTERM or SIGINT. */
export async function runWorker(config: Config): Promise<void> {
  const worker = await createWorkerService(config);
  worker.service.handleSignals();
  worker.service.log.info({ page: worker.pageUrl() }, 'anomaly worker running');
}

export interface RunTrainOptions {
  /** History to learn from, ending now (default worker.retrain.historyHours). */
  hours?: number;
  epochs?: number;
  /** LSTM input window in steps (default: the models' default). */
  window?: number;
  /** Root of saved models (default worker.model.dir). */
  outDir?: string;
  /** Progress goes here: a bar when it is a terminal, a line per epoch otherwise. */
  output?: ProgressStream;
  now?: Date;
}

export interface RunTrainResult {
  /** The saved version folder. */
  path: string;
  metadata: ModelMetadata;
}

/** `telepipe train`: trains a model on ClickHouse history and saves it as a new version. */
export async function runTrain(
  config: Config,
  options: RunTrainOptions = {},
): Promise<RunTrainResult> {
  const w = config.worker;
  const log = createCliLogger('train', config);
  const output = options.output ?? process.stdout;
  const stepMs = w.stepSeconds * 1000;
  const toBucket = Math.floor((options.now ?? new Date()).getTime() / stepMs);
  const hours = options.hours ?? w.retrain.historyHours;
  const storage = await openStorage(config.clickhouse);
  const progress = progressReporter(output);
  try {
    const source = sqlSource(storage);
    const reader = new SeriesReader(() => source, readerConfig(config, ALL_SERIES));
    const startFrom = options.window
      ? null
      : await startingModel(path.join(options.outDir ?? w.model.dir, w.model.name));
    const result = await trainOnHistory(reader, {
      startFrom,
      fromBucket: toBucket - Math.round((hours * 3_600_000) / stepMs),
      toBucket,
      epochs: options.epochs ?? w.retrain.epochs,
      outDir: options.outDir ?? w.model.dir,
      modelName: w.model.name,
      ...(options.window ? { window: options.window } : {}),
      onProgress: progress.onProgress,
      log,
    });
    progress.done();
    result.model.forecaster.dispose();
    startFrom?.forecaster.dispose();
    const { metadata } = result;
    output.write(
      `saved ${metadata.modelName} ${metadata.version} to ${result.path} ` +
        `(${metadata.trainingRange.series} series, validation MSE ${metadata.validation.mse.toFixed(4)})\n`,
    );
    return { path: result.path ?? '', metadata };
  } finally {
    progress.done();
    await storage.client.close();
  }
}
