// The stream processor service: Kafka → processing stage → ClickHouse (pipeline.ts),
// with the admin server (/healthz, /readyz = Kafka and ClickHouse reachable, /metrics)
// and graceful shutdown from lib/service.ts.
import { Registry } from 'prom-client';
import type { Config } from '../../lib/config/index.ts';
import { createLogger, type Logger } from '../../lib/log.ts';
import { Service } from '../../lib/service.ts';
import { createProcessorPipeline } from './pipeline.ts';
import { passThroughProcessor, type RecordProcessor } from './record-processor.ts';

export type { ProcessResult, RecordProcessor } from './record-processor.ts';

export interface ProcessorServiceOptions {
  /** The processing stage (redaction); records pass through unchanged without one. */
  processor?: RecordProcessor;
  logger?: Logger;
}

export function createProcessorService(
  config: Config,
  options: ProcessorServiceOptions = {},
): Service {
  const log = options.logger ?? createLogger('processor', config);
  const registry = new Registry();
  const pipeline = createProcessorPipeline(config, {
    processor: options.processor ?? passThroughProcessor,
    registry,
    log,
  });
  return new Service({
    name: 'processor',
    config,
    adminAddress: config.processor.adminAddress,
    components: pipeline.components,
    readiness: pipeline.readiness,
    registry,
    logger: log,
  });
}

/** Starts the processor and stops it on SIGTERM/SIGINT; a failed start cleans up and throws. */
export async function runProcessor(
  config: Config,
  options: ProcessorServiceOptions = {},
): Promise<Service> {
  const service = createProcessorService(config, options);
  await service.start();
  service.handleSignals();
  return service;
}
