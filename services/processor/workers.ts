// ProcessorWorkers: with `processor.workers` > 1, the processor runs as that many worker
// processes in a WorkerPool (lib/workers/pool.ts), each a whole processor
// (createProcessorService with one worker, worker-process.ts) and a member of the one
// consumer group. Decoding, redaction and row encoding are CPU work per record, and a Node
// process has one thread for it: more cores need more processes. Nothing about delivery
// changes: each worker commits a partition's offsets only after ClickHouse acknowledged its
// rows, and a worker that dies leaves its uncommitted records to whichever member the group
// gives its partitions to.
import { fileURLToPath } from 'node:url';
import type { Config } from '../../lib/config/index.ts';
import type { Logger } from '../../lib/log.ts';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../../lib/service.ts';
import { WorkerPool } from '../../lib/workers/pool.ts';

export interface ProcessorWorkersConfig {
  /** The processor's config; each worker gets it with `processor.workers: 1`. */
  config: Config;
  workers: number;
  /** Wait before a worker that exited is started again. */
  restartMs: number;
}

const WORKER_MODULE = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

export class ProcessorWorkers extends WorkerPool<Config> {
  constructor({ config, workers, restartMs }: ProcessorWorkersConfig, log: Logger) {
    super(
      {
        name: 'processor_workers',
        module: WORKER_MODULE,
        workers,
        settings: {
          ...config,
          processor: {
            ...config.processor,
            workers: 1,
            // The parent serves the admin address; a worker's own admin server picks a port.
            adminAddress: '127.0.0.1:0',
          },
        },
        // Started together once all are loaded, the workers join the group in one
        // rebalance; one joining later would wait for the others to finish a batch first.
        firstAlone: false,
        restartMs,
        // A worker drains within its own service's deadline; past the parent's it is killed.
        shutdownTimeoutMs: DEFAULT_SHUTDOWN_TIMEOUT_MS - 1000,
      },
      log,
    );
  }
}
