// A service in several processes (`ingest.workers`, `processor.workers`): WorkerPool is the
// parent's component, joinPool the worker's side. Each worker is the whole service, built by
// the service's one builder from the settings the pool sends it; the parent supervises the
// workers and serves the admin address with their metrics summed (PoolRegistry).
//
//   parent                                  worker (the pool's `module`)
//     fork ──────────────────────────────▶  imports, then `loaded`
//     `start` + settings (once all loaded)▶  builds and starts the service, then `started`
//                                            (or `failed` + why, and exits)
//     `metrics` (a scrape) ──────────────▶  its registry as JSON
//     `shutdown` (or SIGTERM) ───────────▶  drains, exits 0 (1 when the drain failed)
//
// Why node:cluster, for both services: a cluster worker is a forked child with the same IPC
// channel as child_process.fork, and in addition its listen() goes through the parent, which
// is how the ingest's workers share the OTLP ports (Node 20 has no SO_REUSEPORT for its
// servers, and grpc-js cannot take a listening handle passed over IPC). A worker that listens
// on nothing of its own (the processor's) pays nothing for it. The workers run a module of
// their own rather than the program again, so a pool works wherever it is built (CLI,
// `telepipe all`, tests, benches).
import cluster, { type Worker } from 'node:cluster';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  AggregatorRegistry,
  Registry,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client';
import { BaseComponent } from '../component.ts';
import type { Logger } from '../log.ts';
import type { Service } from '../service.ts';

/** A registry's metrics as getMetricsAsJSON() gives them. */
type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Parent → worker. */
type ToWorker =
  { pool: 'start'; settings: unknown } | { pool: 'metrics'; id: number } | { pool: 'shutdown' };

/** Worker → parent. */
type FromWorker =
  | { pool: 'loaded' }
  | { pool: 'started'; info: unknown }
  | { pool: 'failed'; message: string }
  | { pool: 'metrics'; id: number; metrics: MetricsJson };

function isFromWorker(message: unknown): message is FromWorker {
  return typeof message === 'object' && message !== null && 'pool' in message;
}

/** A scrape waits this long for a worker's metrics, then shows the others'. */
const METRICS_TIMEOUT_MS = 2000;

export interface WorkerPoolConfig<Settings> {
  /** The component's name in logs and metrics, e.g. `ingest_workers`. */
  name: string;
  /** The worker's module (absolute path of a .ts file that calls joinPool). */
  module: string;
  workers: number;
  /** What each worker builds its service from (structured clone: sent as it was built). */
  settings: Settings;
  /**
   * Start the first worker alone and the others once it is up (the ingest's first worker
   * creates missing topics before the others look); otherwise all start together once all
   * are loaded (the processor's join its consumer group in one rebalance).
   */
  firstAlone: boolean;
  /** Wait before a worker that exited on its own is started again. */
  restartMs: number;
  /** How long a worker may take to stop (drain, flush) before it is killed. */
  shutdownTimeoutMs: number;
}

/**
 * The workers run the TypeScript sources through tsx, as this process does: started by the
 * tsx CLI or `--import tsx`, its flags already load it; started by bin/telepipe.js (tsx's
 * API), they do not.
 */
function workerExecArgv(): string[] {
  if (process.execArgv.some((arg) => arg === 'tsx' || arg.includes('/tsx/'))) {
    return process.execArgv;
  }
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return [...process.execArgv, '--import', loader];
}

/** One worker process as the parent sees it: its handshake and metrics requests. */
class Member {
  readonly exited: Promise<void>;
  /** Its modules are loaded: it can be started. */
  readonly loaded: Promise<void>;
  /** Its service is started (with what it reported), or failed to start. */
  readonly started: Promise<unknown>;
  private readonly pending = new Map<number, (metrics: MetricsJson) => void>();
  private nextId = 0;

  constructor(
    readonly worker: Worker,
    what: string,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    const early = (step: string) => () =>
      Promise.reject(new Error(`${what} ${worker.process.pid} exited before it ${step}`));
    let loaded = (): void => undefined;
    let started = (_info: unknown): void => undefined;
    let failed = (_err: Error): void => undefined;
    this.loaded = Promise.race([
      new Promise<void>((resolve) => (loaded = resolve)),
      this.exited.then(early('loaded')),
    ]);
    this.started = Promise.race([
      new Promise<unknown>((resolve, reject) => {
        started = resolve;
        failed = reject;
      }),
      this.exited.then(early('started')),
    ]);
    // Awaited later or never (a worker that never loads is never started): not unhandled.
    this.loaded.catch(() => undefined);
    this.started.catch(() => undefined);
    worker.once('error', (err: Error) => failed(err));
    worker.on('message', (message: unknown) => {
      if (!isFromWorker(message)) return;
      if (message.pool === 'loaded') loaded();
      else if (message.pool === 'started') started(message.info);
      else if (message.pool === 'failed') failed(new Error(`${what}: ${message.message}`));
      else this.pending.get(message.id)?.(message.metrics);
    });
  }

  send(message: ToWorker): void {
    if (this.worker.isConnected()) this.worker.send(message);
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
      this.send({ pool: 'metrics', id });
    });
  }
}

/**
 * The worker processes as one component: start forks and starts them, a worker that exits
 * while the pool runs is started again, and shutdown asks each to drain and waits for it
 * (killing one that takes longer than `shutdownTimeoutMs`). Items are counted in the
 * workers (their counters reach the parent's /metrics); the pool counts workers:
 * received = forked, sent = stopped cleanly, dropped = died, failed or were killed.
 */
export class WorkerPool<Settings, Info = unknown> extends BaseComponent {
  readonly name: string;
  private readonly members = new Set<Member>();
  private lastInfo: Info | undefined;
  private stopping = false;

  constructor(
    private readonly config: WorkerPoolConfig<Settings>,
    private readonly log: Logger,
  ) {
    super();
    this.name = config.name;
  }

  /** What the last worker to start reported (the ingest's: its ports, the same in all). */
  info(): Info | undefined {
    return this.lastInfo;
  }

  /** Every worker is up. */
  ready(): boolean {
    return this.running && this.members.size === this.config.workers;
  }

  /** Every worker's metrics, as JSON; a worker that does not answer in time has none. */
  workerMetrics(): Promise<MetricsJson[]> {
    return Promise.all([...this.members].map((member) => member.metrics(METRICS_TIMEOUT_MS)));
  }

  protected async onStart(): Promise<void> {
    this.stopping = false;
    const { workers, firstAlone } = this.config;
    try {
      const first = firstAlone ? 1 : workers;
      await this.startWorkers(first);
      if (workers > first) await this.startWorkers(workers - first);
    } catch (err) {
      // A failed start is never shut down (the component stays stopped): stop what started.
      await this.stopAll();
      throw err;
    }
  }

  protected onShutdown(): Promise<void> {
    return this.stopAll();
  }

  /** Forks `count` workers and starts them together once all are loaded. */
  private async startWorkers(count: number): Promise<void> {
    const members = Array.from({ length: count }, () => this.fork());
    await Promise.all(members.map((member) => member.loaded));
    for (const member of members) member.send({ pool: 'start', settings: this.config.settings });
    const infos = await Promise.all(members.map((member) => member.started));
    this.lastInfo = infos.at(-1) as Info;
  }

  private fork(): Member {
    // Settings apply to the next fork only; set in full each time, as another pool in this
    // process may have set its own.
    cluster.setupPrimary({
      exec: this.config.module,
      args: [],
      execArgv: workerExecArgv(),
      serialization: 'advanced',
    });
    const member = new Member(cluster.fork(), `${this.name} worker`);
    this.counters.received += 1;
    this.members.add(member);
    member.worker.once('exit', (code: number | null, signal: string | null) =>
      this.exited(member, code, signal),
    );
    return member;
  }

  /** Each worker drains and exits; one that does not in time is killed. */
  private async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.members].map((member) => this.stop(member)));
  }

  private async stop(member: Member): Promise<void> {
    const timer = setTimeout(
      () => member.worker.process.kill('SIGKILL'),
      this.config.shutdownTimeoutMs,
    );
    member.send({ pool: 'shutdown' });
    await member.exited;
    clearTimeout(timer);
  }

  private exited(member: Member, code: number | null, signal: string | null): void {
    this.members.delete(member);
    if (code === 0 && this.stopping) this.counters.sent += 1;
    else this.counters.dropped += 1;
    if (this.stopping) return;
    this.log.error(
      { pid: member.worker.process.pid, code, signal },
      `${this.name}: a worker exited; starting another`,
    );
    setTimeout(() => this.restart(), this.config.restartMs).unref();
  }

  private restart(): void {
    if (this.stopping) return;
    this.startWorkers(1).catch((err: unknown) => {
      if (!this.stopping) this.log.error({ err }, `${this.name}: a worker did not start`);
    });
  }
}

/**
 * The parent's registry: a scrape shows its own metrics (the pool's counters among them)
 * and the workers', summed by prom-client's cluster aggregation.
 */
export class PoolRegistry extends Registry {
  constructor(private readonly pool: WorkerPool<unknown>) {
    super();
  }

  override async metrics(): Promise<string> {
    const workers = await this.pool.workerMetrics();
    return AggregatorRegistry.aggregate([await this.getMetricsAsJSON(), ...workers]).metrics();
  }
}

/** A started service in a worker, and what it reports to the pool (e.g. its ports). */
export interface PoolMember<Info> {
  service: Service;
  info: Info;
}

/**
 * In a worker process (the pool's `module` calls it once its imports are done): reports
 * `loaded`, builds the service with `start` from the pool's settings, answers metrics
 * requests, and drains and exits on the pool's `shutdown` or a SIGTERM. SIGINT is the
 * parent's: a Ctrl-C reaches the whole process group, and the parent then stops each worker.
 */
export function joinPool<Settings, Info>(
  start: (settings: Settings) => Promise<PoolMember<Info>>,
): void {
  let service: Service | undefined;
  let stopping: Promise<void> | undefined;
  const send = (message: FromWorker): void => {
    if (process.connected) process.send?.(message);
  };
  const stop = (): Promise<void> =>
    (stopping ??= (service?.shutdown() ?? Promise.resolve()).then(
      () => process.exit(0),
      () => process.exit(1), // the service logged why; the parent sees the exit code
    ));
  const begin = async (settings: Settings): Promise<void> => {
    try {
      const member = await start(settings);
      service = member.service;
      send({ pool: 'started', info: member.info });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      exitAfter({ pool: 'failed', message }, 1);
    }
  };
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => void stop());
  process.on('message', (message: ToWorker) => {
    if (message.pool === 'start' && !service) void begin(message.settings as Settings);
    else if (message.pool === 'shutdown') void stop();
    else if (message.pool === 'metrics') answerMetrics(service, message.id, send);
  });
  send({ pool: 'loaded' });
}

/** Leaves with `code` once `last` is out (a parent that is gone gets nothing). */
function exitAfter(last: FromWorker, code: number): void {
  if (!process.connected || !process.send) process.exit(code);
  else process.send(last, () => process.exit(code));
}

function answerMetrics(
  service: Service | undefined,
  id: number,
  send: (message: FromWorker) => void,
): void {
  const registry = service?.registry;
  if (!registry) return send({ pool: 'metrics', id, metrics: [] });
  registry
    .getMetricsAsJSON()
    .then((metrics) => send({ pool: 'metrics', id, metrics }))
    .catch(() => send({ pool: 'metrics', id, metrics: [] }));
}
