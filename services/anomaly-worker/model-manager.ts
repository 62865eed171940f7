// Keeps the scoring loop on the newest saved model without a restart: loads the latest version
// at start and polls the model folder for newer ones (polling works on every file system,
// including network volumes where watch events do not arrive). Replica 0 also retrains
// periodically from ClickHouse and saves a new version, which every replica then picks up.
import path from 'node:path';
import { BaseComponent } from '../../lib/component.ts';
import type { Logger } from '../../lib/log.ts';
import { listVersions, loadModel, selectBackend, type LoadedModel } from '../../models/index.ts';

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
    if (latest === undefined || latest === this.version) return;
    // The fastest TensorFlow.js backend there is (native, else wasm), chosen once per process.
    await selectBackend(this.deps.log);
    const model = await loadModel(path.join(this.config.modelDir, latest));
    if (model.metadata.stepSeconds !== this.config.stepSeconds) {
      model.forecaster.dispose();
      this.version = latest; // do not reload it every poll
      this.deps.log.error(
        {
          version: latest,
          modelStep: model.metadata.stepSeconds,
          workerStep: this.config.stepSeconds,
        },
        'model was trained for another step; keeping the current one',
      );
      return;
    }
    this.version = latest;
    this.counters.received++;
    this.deps.onModel(model);
    this.deps.log.info({ version: latest }, 'model loaded');
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
