// Every step: read the steps that became complete for this replica's series, score them in one
// detector batch per step, store the scores and feed the alert router. A series seen for the
// first time is warmed up on its recent history first, so it has a window and a threshold; a
// series silent for `idleSteps` is forgotten. A failed read leaves the steps to the next tick
// (up to `maxCatchUpSteps` behind); a model swap waits for the tick in progress to end.
import { BaseComponent } from '../../lib/component.ts';
import type { Logger } from '../../lib/log.ts';
import {
  Detector,
  GO_SIGNALS,
  type OnlineParams,
  type LoadedModel,
  type SeriesId,
  type SeriesPoint,
} from '../../models/index.ts';
import type { AlertRouter } from './alert-router.ts';
import { createDataClock, type DataClock } from './clock.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { SeriesWindow } from './samples.ts';
import { scoreRows, type ScoredStep, type ScoreStore } from './scores.ts';
import type { SeriesReader } from './series-reader.ts';

export interface ScoringLoopConfig {
  stepMs: number;
  ingestDelayMs: number;
  warmupSteps: number;
  maxCatchUpSteps: number;
  idleSteps: number;
  maxGapSteps: number;
  /** The online detectors' parameters (worker.detection over the defaults). */
  detection: OnlineParams;
  replay: { from: string; speed: number };
}

export interface ScoringLoopDeps {
  reader: SeriesReader;
  scores: ScoreStore;
  router: AlertRouter;
  metrics: WorkerMetrics;
  log: Logger;
}

interface KnownSeries {
  id: SeriesId;
  lastSeenBucket: number;
}

export class ScoringLoop extends BaseComponent {
  readonly name = 'scoring_loop';
  private detector: Detector;
  private model: LoadedModel | null = null;
  /** A model waiting for the current tick to end; undefined = none. */
  private nextModel: LoadedModel | null | undefined;
  private readonly known = new Map<string, KnownSeries>();
  /** The first step not scored yet. */
  private nextBucket: number | undefined;
  private clock: DataClock | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(
    private readonly config: ScoringLoopConfig,
    private readonly deps: ScoringLoopDeps,
  ) {
    super();
    this.detector = this.newDetector();
  }

  get modelVersion(): string | null {
    return this.model?.metadata.version ?? null;
  }

  /** Hands over a new model; it takes effect at the next tick. */
  setModel(model: LoadedModel | null): void {
    this.nextModel = model;
  }

  protected onStart(): Promise<void> {
    this.clock = createDataClock(this.config.replay);
    this.schedule(0);
    return Promise.resolve();
  }

  protected async onShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    this.model?.forecaster.dispose();
    this.model = null;
    // A restart starts afresh: warm-up rebuilds the detector's state from ClickHouse.
    this.detector = this.newDetector();
    this.known.clear();
    this.nextBucket = undefined;
  }

  private newDetector(): Detector {
    return new Detector({
      model: null,
      features: GO_SIGNALS,
      stepSeconds: this.config.stepMs / 1000,
      online: this.config.detection,
      maxGapSteps: this.config.maxGapSteps,
    });
  }

  /** Several checks per step, so a step is scored soon after it is due. */
  private tickIntervalMs(): number {
    const wallPerStep = this.config.stepMs * (this.clock?.wallPerDataMs ?? 1);
    return Math.min(5000, Math.max(20, wallPerStep / 4));
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        if (this.running) this.schedule(this.tickIntervalMs());
      });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    this.applyNextModel();
    const due = this.dueSteps(this.clock!.now());
    if (!due) return;
    const stopTimer = this.deps.metrics.scoringDuration.startTimer();
    try {
      await this.scoreSteps(due.from, due.to);
      this.nextBucket = due.to;
    } catch (err) {
      this.deps.metrics.scoringErrors.inc();
      this.deps.log.warn(
        { err, fromStep: due.from, toStep: due.to },
        'scoring failed; retrying next tick',
      );
    } finally {
      stopTimer();
    }
  }

  /** Steps [from, to) that are complete (ended `ingestDelayMs` ago) and not scored yet. */
  private dueSteps(nowMs: number): { from: number; to: number } | undefined {
    const to = Math.floor((nowMs - this.config.ingestDelayMs) / this.config.stepMs);
    const from = Math.max(this.nextBucket ?? to - 1, to - this.config.maxCatchUpSteps);
    if (this.nextBucket !== undefined && from > this.nextBucket) {
      this.deps.log.warn(
        { skippedSteps: from - this.nextBucket },
        'scoring fell behind; skipping steps',
      );
    }
    return from < to ? { from, to } : undefined;
  }

  private applyNextModel(): void {
    const model = this.nextModel;
    if (model === undefined) return;
    this.nextModel = undefined;
    try {
      this.detector.setModel(model);
    } catch (err) {
      this.deps.log.error(
        { err, version: model?.metadata.version },
        'model rejected by the detector',
      );
      model?.forecaster.dispose();
      return;
    }
    if (this.model !== model) this.model?.forecaster.dispose();
    this.model = model;
    this.deps.metrics.setModelVersion(this.modelVersion);
    this.deps.log.info(
      { version: this.modelVersion },
      model
        ? 'scoring with the online detectors and the model'
        : 'scoring with the online detectors (no model)',
    );
  }

  private async scoreSteps(from: number, to: number): Promise<void> {
    const windows = withData(await this.deps.reader.read(from, to));
    await this.warmUpNewSeries(windows, from);
    const scored: ScoredStep[] = [];
    for (let bucket = from; bucket < to; bucket++) {
      const points = this.pointsAt(windows, bucket);
      const scores = await this.detector.scoreBatch(points);
      for (const score of scores) {
        const sources = windows.get(score.key)?.sources;
        scored.push({ id: this.known.get(score.key)!.id, score, ...(sources ? { sources } : {}) });
      }
    }
    this.counters.received += scored.length;
    await this.store(scored);
    this.route(scored);
    this.forgetIdle(to - 1);
    this.deps.metrics.seriesOwned.set(this.known.size);
  }

  private async warmUpNewSeries(windows: Map<string, SeriesWindow>, from: number): Promise<void> {
    const fresh = [...windows].filter(([key]) => !this.known.has(key));
    if (fresh.length === 0) return;
    const services = [...new Set(fresh.map(([, w]) => w.id.service))];
    const history = await this.deps.reader.read(from - this.config.warmupSteps, from, services);
    for (const [key, window] of fresh) {
      this.known.set(key, { id: window.id, lastSeenBucket: from });
      const past = history.get(key);
      if (past) await this.detector.warmUp(key, past.series);
    }
    this.deps.log.info({ series: fresh.length }, 'new series warmed up');
  }

  /** One point per series with any signal observed at `bucket`. */
  private pointsAt(windows: Map<string, SeriesWindow>, bucket: number): SeriesPoint[] {
    const points: SeriesPoint[] = [];
    for (const [key, { series }] of windows) {
      const t = bucket * this.config.stepMs - series.startMs;
      const index = Math.round(t / this.config.stepMs);
      const values = series.values.map((column) => column[index] ?? Number.NaN);
      if (!values.some(Number.isFinite)) continue;
      points.push({ key, timestampMs: bucket * this.config.stepMs, values });
      this.known.get(key)!.lastSeenBucket = bucket;
    }
    return points;
  }

  /** Scores are stored before alerts go out, so an alert's page has them; a failed write does not hold alerts back. */
  private async store(scored: readonly ScoredStep[]): Promise<void> {
    const rows = scoreRows(scored);
    try {
      await this.deps.scores.write(rows);
      this.counters.sent += rows.length;
    } catch (err) {
      this.counters.dropped += rows.length;
      this.deps.log.warn({ err, rows: rows.length }, 'storing scores failed');
    }
  }

  private route(scored: readonly ScoredStep[]): void {
    const { metrics, router } = this.deps;
    for (const { id, score, sources } of scored) {
      metrics.seriesScored.inc();
      if (score.anomalous) metrics.anomalies.inc({ method: score.method });
      router.observe(id, score, sources);
    }
    metrics.alertsFiring.set(router.firing);
  }

  private forgetIdle(lastBucket: number): void {
    for (const [key, series] of this.known) {
      if (lastBucket - series.lastSeenBucket <= this.config.idleSteps) continue;
      this.known.delete(key);
      this.detector.forget(key);
      this.deps.router.forget(series.id);
    }
  }
}

function withData(windows: Map<string, SeriesWindow>): Map<string, SeriesWindow> {
  return new Map(
    [...windows].filter(([, w]) => w.series.values.some((c) => c.some(Number.isFinite))),
  );
}
