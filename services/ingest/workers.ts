// Every core for the ingest: `telepipe ingest` runs `ingest.workers` processes (0 = one per
// core) in a WorkerPool (lib/workers/pool.ts). Each worker is a whole ingest built by
// createIngestService (worker-process.ts): listeners, limits, and its own Kafka producer, so
// a request is answered by the process whose producer wrote its records and the
// acknowledgement contract holds as in one process. The primary owns the listening sockets
// (the pool's workers are node:cluster workers: cluster hands each new connection to a
// worker, round robin; keep-alive clients stay with theirs), the admin server and the pool.
//
//   primary: admin /healthz /readyz /metrics (its own and the workers', summed)
//     ├─ worker 1: OTLP/gRPC + OTLP/HTTP ─▶ Intake ─▶ KafkaOtlpExporter (own producer)
//     └─ worker N: …
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BaseComponent } from '../../lib/component.ts';
import type { Config } from '../../lib/config/index.ts';
import type { IngestConfig } from '../../lib/config/sections/ingest.ts';
import { KafkaAdmin } from '../../lib/kafka/admin.ts';
import { createLogger } from '../../lib/log.ts';
import { Service } from '../../lib/service.ts';
import { PoolRegistry, WorkerPool } from '../../lib/workers/pool.ts';
import { kafkaReachable } from './kafka-exporter.ts';
import type { IngestService } from './main.ts';

/** What a worker reports once its listeners are up (the same ports in every worker). */
export interface IngestPorts {
  grpcPort: number;
  httpPort: number;
}

const WORKER_MODULE = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
/** A worker that exited is replaced after this long, so one that cannot start is no busy loop. */
const RESTART_MS = 1000;

/** Worker processes to run: `ingest.workers`, or one per core when it is 0. */
export function workerCount(settings: IngestConfig): number {
  return settings.workers === 0 ? availableParallelism() : settings.workers;
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

/** The primary of a multi-process ingest: `workers` processes, each one whole ingest. */
export async function createIngestCluster(config: Config, workers: number): Promise<IngestService> {
  const settings = config.ingest;
  const log = createLogger('ingest', config);
  // A worker drains (drainTimeoutMs) and waits for Kafka acks (ackTimeoutMs) before exiting;
  // it is killed a second before the primary's deadline, the same as a single process's.
  const shutdownTimeoutMs = settings.drainTimeoutMs + settings.producer.ackTimeoutMs + 5000;
  const pool = new WorkerPool<Config, IngestPorts>(
    {
      name: 'ingest_workers',
      module: WORKER_MODULE,
      workers,
      // The primary serves the admin address; a worker's own stays on a free local port.
      settings: { ...config, ingest: { ...settings, workers: 1, adminAddress: '127.0.0.1:0' } },
      // The first worker creates missing topics before the others look.
      firstAlone: true,
      restartMs: RESTART_MS,
      shutdownTimeoutMs: shutdownTimeoutMs - 1000,
    },
    log,
  );
  const probe = new KafkaProbe(new KafkaAdmin(config.kafka, log));
  const service = new Service({
    name: 'ingest',
    config,
    adminAddress: settings.adminAddress,
    components: [probe, pool],
    readiness: { kafka: () => probe.reachable(), workers: () => Promise.resolve(pool.ready()) },
    shutdownTimeoutMs,
    registry: new PoolRegistry(pool),
    logger: log,
  });
  await service.start();
  return {
    service,
    grpcPort: () => pool.info()?.grpcPort ?? 0,
    httpPort: () => pool.info()?.httpPort ?? 0,
  };
}
