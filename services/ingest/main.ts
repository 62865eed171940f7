// The ingest service: OTLP receivers (pipeline.ts) feeding the Kafka exporter.
//
//   OTLP/gRPC :4317 ─┐
//                    ├─▶ Intake (auth, limits, validate, screen) ─▶ KafkaOtlpExporter ─▶ Kafka
//   OTLP/HTTP :4318 ─┘                                              one record per resource,
//                                                                   acks=all, idempotent
//
// A request is answered with success only after Kafka acknowledged all of its records.
//
// `telepipe ingest` (runIngest) runs this service in `ingest.workers` processes (workers.ts,
// a pool of lib/workers/pool.ts); createIngestService builds the one in each.
import { Registry } from 'prom-client';
import type { Config } from '../../lib/config/index.ts';
import { createLogger } from '../../lib/log.ts';
import { Service } from '../../lib/service.ts';
import { KafkaOtlpExporter } from './kafka-exporter.ts';
import { registerProducerMetrics } from './metrics.ts';
import { createReceivers } from './pipeline.ts';
import { createIngestCluster, workerCount } from './workers.ts';

export interface IngestService {
  service: Service;
  /** Ports actually listened on (the configured ones, or the free ones picked for port 0). */
  grpcPort(): number;
  httpPort(): number;
}

/** Builds and starts the ingest service; it fails to start when Kafka is unreachable. */
export async function createIngestService(config: Config): Promise<IngestService> {
  const settings = config.ingest;
  const log = createLogger('ingest', config);
  const registry = new Registry();
  const exporter = new KafkaOtlpExporter({ kafka: config.kafka, producer: settings.producer }, log);
  registerProducerMetrics(registry, () => exporter.producerStats());
  const { grpc, http } = createReceivers(settings, exporter, log, registry);
  const service = new Service({
    name: 'ingest',
    config,
    adminAddress: settings.adminAddress,
    // Started in this order and stopped in reverse: the listeners drain before the producer closes.
    components: [exporter, grpc, http],
    readiness: { kafka: () => exporter.kafkaReachable() },
    // Draining waits for Kafka acks, which may take up to ackTimeoutMs.
    shutdownTimeoutMs: settings.drainTimeoutMs + settings.producer.ackTimeoutMs + 5000,
    registry,
    logger: log,
  });
  await service.start();
  return { service, grpcPort: () => grpc.port(), httpPort: () => http.port() };
}

/**
 * Starts the ingest as `telepipe ingest` runs it: with more than one worker, this process
 * becomes the primary of a pool of worker processes, each of which builds one service here.
 */
export async function startIngest(config: Config): Promise<IngestService> {
  const workers = workerCount(config.ingest);
  return workers > 1 ? createIngestCluster(config, workers) : createIngestService(config);
}

/** `telepipe ingest`: starts the service and leaves it running until SIGTERM or SIGINT. */
export async function runIngest(config: Config): Promise<void> {
  const ingest = await startIngest(config);
  ingest.service.handleSignals();
  ingest.service.log.info(
    {
      grpcPort: ingest.grpcPort(),
      httpPort: ingest.httpPort(),
      workers: workerCount(config.ingest),
    },
    'OTLP ingest listening',
  );
}
