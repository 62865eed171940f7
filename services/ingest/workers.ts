// Every core for the ingest: `telepipe ingest` runs `ingest.workers` processes (node:cluster;
// 0 = one per core). Each worker is a whole ingest built by createIngestService: listeners,
// limits, and its own Kafka producer, so a request is answered by the process whose
// producer wrote its records and the acknowledgement contract holds as in one process.
// The primary only owns the listening sockets (cluster hands each new connection to a
// worker, round robin; keep-alive clients stay with theirs), the admin server and the
// workers' lifecycle.
//
//   primary: admin /healthz /readyz /metrics (the workers' metrics, summed)
//     ├─ worker 1: OTLP/gRPC + OTLP/HTTP ─▶ Intake ─▶ KafkaOtlpExporter (own producer)
//     └─ worker N: …
//
// Node 20 has no SO_REUSEPORT for net servers (node 22.12+ does), hence cluster.
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { AggregatorRegistry, type PrometheusContentType } from 'prom-client';
import { BaseComponent } from '../../lib/component.ts';
import type { Config } from '../../lib/config/index.ts';
import type { IngestConfig } from '../../lib/config/sections/ingest.ts';
import { unavailable } from '../../lib/errors.ts';
import { KafkaAdmin } from '../../lib/kafka/admin.ts';
import { createLogger, type Logger } from '../../lib/log.ts';
import { Service } from '../../lib/service.ts';
import { kafkaReachable } from './kafka-exporter.ts';
import type { IngestService } from './main.ts';

/** What a worker tells the primary once its listeners are up. */
interface ReadyMessage {
  telepipeIngestReady: { grpcPort: number; httpPort: number };
}

function isReadyMessage(message: unknown): message is ReadyMessage {
  return typeof message === 'object' && message !== null && 'telepipeIngestReady' in message;
}

/** Worker processes to run: `ingest.workers`, or one per core when it is 0. */
export function workerCount(settings: IngestConfig): number {
  return settings.workers === 0 ? availableParallelism() : settings.workers;
}

/** In a cluster worker: the started service reports its ports and metrics to the primary. */
export function joinCluster(ingest: IngestService): void {
  AggregatorRegistry.setRegistries([ingest.service.registry]);
  // prom-client answers the primary's metrics requests from a listener that only the
  // constructor installs, in workers too.
  new AggregatorRegistry();
  const message: ReadyMessage = {
    telepipeIngestReady: { grpcPort: ingest.grpcPort(), httpPort: ingest.httpPort() },
  };
  process.send?.(message);
}

/**
 * /metrics of the primary: the workers' registries, counters summed (prom-client's cluster
 * aggregation); the primary's own process metrics are left out.
 */
class WorkersRegistry extends AggregatorRegistry<PrometheusContentType> {
  override metrics(): Promise<string> {
    return this.clusterMetrics();
  }
}

/**
 * The primary's Kafka check for /readyz, as each worker's exporter makes it: the service is
 * ready only while Kafka answers (an OTLP request is acknowledged after Kafka's acks).
 */
class KafkaProbe extends BaseComponent {
  readonly name = 'kafka_probe';

  constructor(private readonly admin: KafkaAdmin) {
    super();
  }

  reachable(): Promise<boolean> {
    return this.running ? kafkaReachable(this.admin) : Promise.resolve(false);
  }

  protected onStart(): Promise<void> {
    return Promise.resolve();
  }

  protected onShutdown(): Promise<void> {
    return this.admin.disconnect();
  }
}

export interface WorkerPoolConfig {
  workers: number;
  /** How long a worker may take to stop (drain, flush the producer) before it is killed. */
  shutdownTimeoutMs: number;
}

/**
 * The worker processes as one component: start forks them (the first alone, so that it
 * creates missing topics before the others look), restarts one that dies, and shutdown
 * sends each SIGTERM (its service drains and flushes) and waits for it to exit.
 * Items are counted in the workers (their counters reach /metrics); the pool counts
 * workers: received = forked, sent = stopped cleanly, dropped = died or were killed.
 */
export class WorkerPool extends BaseComponent {
  readonly name = 'ingest_workers';
  private readonly workers = new Set<Worker>();
  private ports = { grpcPort: 0, httpPort: 0 };
  private stopping = false;

  constructor(
    private readonly config: WorkerPoolConfig,
    private readonly log: Logger,
  ) {
    super();
  }

  grpcPort(): number {
    return this.ports.grpcPort;
  }

  httpPort(): number {
    return this.ports.httpPort;
  }

  /** All workers are up. */
  ready(): boolean {
    return this.running && this.workers.size === this.config.workers;
  }

  protected async onStart(): Promise<void> {
    this.stopping = false;
    try {
      await this.fork();
      await Promise.all(Array.from({ length: this.config.workers - 1 }, () => this.fork()));
    } catch (err) {
      // A failed start leaves no worker behind (shutdown skips a component that never started).
      await this.onShutdown();
      throw err;
    }
  }

  protected async onShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.workers].map((w) => this.stop(w)));
  }

  /** Forks a worker; resolves when its listeners are up, rejects if it exits before. */
  private fork(): Promise<void> {
    const worker = cluster.fork();
    this.counters.received += 1;
    return new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null): void => {
        worker.off('message', onMessage);
        reject(
          unavailable(
            `ingest worker ${worker.process.pid} exited (${signal ?? `code ${code}`}) before it ` +
              'was listening; its log says why',
          ),
        );
      };
      const onMessage = (message: unknown): void => {
        if (!isReadyMessage(message)) return;
        worker.off('exit', onExit).off('message', onMessage);
        this.ports = message.telepipeIngestReady;
        this.workers.add(worker);
        worker.once('exit', (code, signal) => this.exited(worker, code, signal));
        resolve();
      };
      worker.once('exit', onExit).on('message', onMessage);
    });
  }

  /** A worker that exits while the pool runs is replaced. */
  private exited(worker: Worker, code: number | null, signal: string | null): void {
    this.workers.delete(worker);
    if (this.stopping) return;
    this.counters.dropped += 1;
    this.log.error(
      { pid: worker.process.pid, code, signal },
      'ingest worker exited; starting another',
    );
    this.fork().catch((err: unknown) =>
      this.log.error({ err }, 'ingest worker could not be replaced'),
    );
  }

  private async stop(worker: Worker): Promise<void> {
    const exited = new Promise<boolean>((resolve) =>
      worker.once('exit', (code) => resolve(code === 0)),
    );
    const timer = setTimeout(() => worker.process.kill('SIGKILL'), this.config.shutdownTimeoutMs);
    worker.process.kill('SIGTERM');
    const clean = await exited;
    clearTimeout(timer);
    if (clean) this.counters.sent += 1;
    else this.counters.dropped += 1;
  }
}

/**
 * The primary of a multi-process ingest: forks `workers` processes that each run this
 * program's entry again (cluster re-executes it), where runIngest builds one ingest.
 */
export async function createIngestCluster(config: Config, workers: number): Promise<IngestService> {
  const settings = config.ingest;
  const log = createLogger('ingest', config);
  // A worker drains (drainTimeoutMs) and waits for Kafka acks (ackTimeoutMs) before exiting;
  // it is killed a second before the primary's deadline, the same as a single process's.
  const shutdownTimeoutMs = settings.drainTimeoutMs + settings.producer.ackTimeoutMs + 5000;
  const pool = new WorkerPool({ workers, shutdownTimeoutMs: shutdownTimeoutMs - 1000 }, log);
  const probe = new KafkaProbe(new KafkaAdmin(config.kafka, log));
  const service = new Service({
    name: 'ingest',
    config,
    adminAddress: settings.adminAddress,
    components: [probe, pool],
    readiness: { kafka: () => probe.reachable(), workers: () => Promise.resolve(pool.ready()) },
    shutdownTimeoutMs,
    registry: new WorkersRegistry(),
    logger: log,
  });
  await service.start();
  return { service, grpcPort: () => pool.grpcPort(), httpPort: () => pool.httpPort() };
}
