// ProcessorWorkers: with `processor.workers` > 1, the processor runs as that many child
// processes, each a whole processor (createProcessorService with one worker) and a member of
// the one consumer group. Decoding, redaction and row encoding are CPU work per record, and
// a Node process has one thread for it: more cores need more processes. Nothing about
// delivery changes: each worker commits a partition's offsets only after ClickHouse
// acknowledged its rows, and a worker that dies leaves its uncommitted records to whichever
// member the group gives its partitions to. This component starts the workers, starts a
// worker again when one exits on its own, and stops them all on shutdown.
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import {
  AggregatorRegistry,
  Registry,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client';
import { BaseComponent, type ComponentStats } from '../../lib/component.ts';
import type { Config } from '../../lib/config/index.ts';

/** A registry's metrics as getMetricsAsJSON() gives them. */
type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Parent → worker. */
export type ToWorker =
  { type: 'start'; config: Config } | { type: 'metrics'; id: number } | { type: 'shutdown' };

/** Worker → parent. */
export type FromWorker =
  | { type: 'loaded' }
  | { type: 'started' }
  | { type: 'failed'; message: string }
  | { type: 'stats'; stats: ComponentStats }
  | { type: 'metrics'; id: number; metrics: MetricsJson };

export interface ProcessorWorkersConfig {
  /** The processor's config; each worker gets it with `processor.workers: 1`. */
  config: Config;
  workers: number;
  /** Wait before a worker that exited is started again. */
  restartMs: number;
}

const WORKER_MODULE = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
/**
 * The workers run the TypeScript sources through tsx, as this process does: started by the
 * tsx CLI, its flags already load it; started by bin/telepipe.js (tsx's API), they do not.
 */
function workerExecArgv(): string[] {
  if (process.execArgv.some((arg) => arg === 'tsx' || arg.includes('/tsx/'))) {
    return process.execArgv;
  }
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return [...process.execArgv, '--import', loader];
}

class Worker {
  readonly stats: ComponentStats = { received: 0, sent: 0, dropped: 0 };
  readonly exited: Promise<void>;
  /** Its modules are loaded: it can be started. */
  readonly loaded: Promise<void>;
  /** Its processor is started (connected, consuming) or failed to start. */
  readonly started: Promise<void>;
  private readonly pending = new Map<number, (metrics: MetricsJson) => void>();
  private nextId = 0;

  constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const early = (what: string) => () =>
      Promise.reject(new Error(`processor worker ${child.pid} exited before it ${what}`));
    let loaded = (): void => undefined;
    let started = (): void => undefined;
    let failed = (_err: Error): void => undefined;
    this.loaded = Promise.race([
      new Promise<void>((resolve) => (loaded = resolve)),
      this.exited.then(early('loaded')),
    ]);
    this.started = Promise.race([
      new Promise<void>((resolve, reject) => {
        started = resolve;
        failed = reject;
      }),
      this.exited.then(early('started')),
    ]);
    // Awaited later or never (a worker that never loads is never started): not unhandled.
    this.loaded.catch(() => undefined);
    this.started.catch(() => undefined);
    child.once('error', (err) => failed(err));
    child.on('message', (message: FromWorker) => {
      if (message.type === 'loaded') loaded();
      else if (message.type === 'started') started();
      else if (message.type === 'failed') failed(new Error(`processor worker: ${message.message}`));
      else if (message.type === 'stats') Object.assign(this.stats, message.stats);
      else this.pending.get(message.id)?.(message.metrics);
    });
  }

  send(message: ToWorker): void {
    if (this.child.connected) this.child.send(message);
  }

  /** The worker's metrics; none when it does not answer within `timeoutMs`. */
  metrics(timeoutMs: number): Promise<MetricsJson> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done([]), timeoutMs);
      const done = (metrics: MetricsJson): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(metrics);
      };
      this.pending.set(id, done);
      this.send({ type: 'metrics', id });
    });
  }
}

export class ProcessorWorkers extends BaseComponent {
  readonly name = 'processor_workers';
  private readonly workers = new Set<Worker>();
  private stopping = false;
  /** Stats of workers that exited, so the totals never go back. */
  private readonly retired: ComponentStats = { received: 0, sent: 0, dropped: 0 };

  constructor(
    private readonly config: ProcessorWorkersConfig,
    private readonly log: Logger,
  ) {
    super();
  }

  protected async onStart(): Promise<void> {
    this.stopping = false;
    try {
      // Started together once all are loaded, the workers join the group in one
      // rebalance; one joining later would wait for the others to finish a batch first.
      const workers = Array.from({ length: this.config.workers }, () => this.spawn());
      await Promise.all(workers.map((worker) => worker.loaded));
      for (const worker of workers) this.startProcessor(worker);
      await Promise.all(workers.map((worker) => worker.started));
    } catch (err) {
      // A failed start is never shut down (the component stays stopped): stop what started.
      await this.stopAll();
      throw err;
    }
  }

  protected onShutdown(): Promise<void> {
    return this.stopAll();
  }

  /** Each worker drains and stores what it holds, commits, and leaves the group. */
  private async stopAll(): Promise<void> {
    this.stopping = true;
    const workers = [...this.workers];
    for (const worker of workers) worker.send({ type: 'shutdown' });
    await Promise.all(workers.map((worker) => worker.exited));
  }

  override stats(): ComponentStats {
    const total = { ...this.retired };
    for (const { stats } of this.workers) addStats(total, stats);
    return total;
  }

  /** Every worker's metrics, as JSON; a worker that does not answer in time has none. */
  workerMetrics(): Promise<MetricsJson[]> {
    return Promise.all([...this.workers].map((worker) => worker.metrics(2000)));
  }

  private spawn(): Worker {
    const worker = new Worker(
      fork(WORKER_MODULE, [], {
        execArgv: workerExecArgv(),
        serialization: 'advanced', // structured clone: the config arrives as it was built
      }),
    );
    this.workers.add(worker);
    void worker.exited.then(() => this.onExit(worker));
    return worker;
  }

  private startProcessor(worker: Worker): void {
    const { config } = this.config;
    worker.send({
      type: 'start',
      config: {
        ...config,
        processor: {
          ...config.processor,
          workers: 1,
          // The parent serves the admin address; a worker's own admin server picks a port.
          adminAddress: '127.0.0.1:0',
        },
      },
    });
  }

  private async restart(): Promise<void> {
    const worker = this.spawn();
    await worker.loaded;
    this.startProcessor(worker);
    await worker.started;
  }

  private onExit(worker: Worker): void {
    this.workers.delete(worker);
    addStats(this.retired, worker.stats);
    if (this.stopping) return;
    const { exitCode, signalCode, pid } = worker.child;
    this.log.error(
      { pid, exitCode, signal: signalCode },
      'processor worker exited; starting another (its uncommitted records are read again)',
    );
    setTimeout(() => {
      if (this.stopping) return;
      this.restart().catch((err: unknown) =>
        this.log.error({ err }, 'processor worker did not start'),
      );
    }, this.config.restartMs).unref();
  }
}

function addStats(total: ComponentStats, add: ComponentStats): void {
  total.received += add.received;
  total.sent += add.sent;
  total.dropped += add.dropped;
}

/** The parent's registry: a scrape shows its own metrics and the workers', summed. */
export class WorkersRegistry extends Registry {
  private pool: ProcessorWorkers | undefined;

  attach(pool: ProcessorWorkers): void {
    this.pool = pool;
  }

  override async metrics(): Promise<string> {
    if (!this.pool) return super.metrics();
    const workers = await this.pool.workerMetrics();
    return AggregatorRegistry.aggregate([await this.getMetricsAsJSON(), ...workers]).metrics();
  }
}
