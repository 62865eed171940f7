// Keeps the scoring loop on the newest saved model without a restart: loads the latest version
// at start and polls the model folder for newer ones (polling works on every file system,
// including network volumes where watch events do not arrive). While the folder holds no version
// of its own, the shipped base model scores. Replica 0 also retrains periodically from ClickHouse
// and saves a new version, which every replica then picks up.
import path from 'node:path';
import { BaseComponent } from '../../lib/component.ts';
import type { Logger } from '../../lib/log.ts';
import {
  listVersions,
  loadBaseModel,
  loadModel,
  selectBackend,
  type LoadedModel,
} from '../../models/index.ts';

export interface ModelManagerConfig {
  /** <models dir>/<model name>: the folder holding the versions. */
  modelDir: string;
  reloadIntervalMs: number;
  /** Models made for another step are refused. */
  stepSeconds: number;
  /** 0 = this replica never retrains. */
  retrainIntervalMs: number;
}

export interface ModelManagerDeps {
  /** Receives each newly loaded model. */
  onModel: (model: LoadedModel) => void;
  /** Trains and saves a new version from recent history. */
  retrain: () => Promise<LoadedModel>;
  log: Logger;
}

/** Marks the base model in `version` (a folder's own versions never start with it). */
const BASE = 'base:';

export class ModelManager extends BaseComponent {
  readonly name = 'model_manager';
  private version: string | undefined;
  private timers: NodeJS.Timeout[] = [];
  private reloading: Promise<void> | undefined;
  private training: Promise<void> | undefined;

  constructor(
    private readonly config: ModelManagerConfig,
    private readonly deps: ModelManagerDeps,
  ) {
    super();
  }

  /** Loads the newest version if it is not the one in use; errors are logged, the old model stays. */
  reload(): Promise<void> {
    this.reloading ??= this.loadLatest()
      .catch((err: unknown) =>
        this.deps.log.error({ err, dir: this.config.modelDir }, 'loading the model failed'),
      )
      .finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  protected async onStart(): Promise<void> {
    await this.reload();
    this.timers.push(setInterval(() => void this.reload(), this.config.reloadIntervalMs));
    if (this.config.retrainIntervalMs > 0) {
      this.timers.push(setInterval(() => this.retrain(), this.config.retrainIntervalMs));
    }
  }

  protected async onShutdown(): Promise<void> {
    this.timers.forEach(clearInterval);
    this.timers = [];
    await this.reloading;
    // A training in progress is not awaited: it may take minutes, longer than a graceful stop.
  }

  private async loadLatest(): Promise<void> {
    const latest = (await listVersions(this.config.modelDir)).at(-1);
    if (latest === undefined) return this.loadBase();
    if (latest === this.version) return;
    // The fastest TensorFlow.js backend there is (native, else wasm), chosen once per process.
    await selectBackend(this.deps.log);
    this.use(latest, await loadModel(path.join(this.config.modelDir, latest)), 'model loaded');
  }

  /** No version of its own yet: the base model that ships with telepipe, once. */
  private async loadBase(): Promise<void> {
    if (this.version?.startsWith(BASE)) return;
    const model = await loadBaseModel(this.deps.log);
    if (!model) {
      this.version = BASE;
      this.deps.log.warn(
        { dir: this.config.modelDir },
        'no model in the models folder and no base model shipped: scoring with the online detectors alone',
      );
      return;
    }
    this.use(
      `${BASE}${model.metadata.version}`,
      model,
      `no model of its own in ${this.config.modelDir}: scoring with the shipped base model (it is replaced by the first version trained there)`,
    );
  }

  private use(version: string, model: LoadedModel, message: string): void {
    this.version = version; // a refused model is not reloaded every poll either
    if (model.metadata.stepSeconds !== this.config.stepSeconds) {
      model.forecaster.dispose();
      this.deps.log.error(
        { version, modelStep: model.metadata.stepSeconds, workerStep: this.config.stepSeconds },
        'model was trained for another step; keeping the current one',
      );
      return;
    }
    this.counters.received++;
    this.deps.onModel(model);
    this.deps.log.info({ version: model.metadata.version, path: model.path }, message);
  }

  private retrain(): void {
    if (this.training) return;
    this.training = this.deps
      .retrain()
      .then((model) => {
        // The new version is on disk; dispose this copy and load it like any other replica.
        model.forecaster.dispose();
        this.counters.sent++;
        return this.reload();
      })
      .catch((err: unknown) =>
        this.deps.log.warn({ err }, 'retraining failed; the current model stays'),
      )
      .finally(() => (this.training = undefined));
  }
}
