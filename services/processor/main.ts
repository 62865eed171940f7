// The stream processor service, built in one place: config → components → wiring. The CLI
// (`telepipe process`), `telepipe all`, the Kubernetes manifests (`args: [process]`) and the
// tests all start it through createProcessorService.
//
//   KafkaOtlpReceiver ──SourceBatch──▶ OtlpDecodeStage ──RowsBatch──▶ ClickHouseWriter
//   (consumer group:                   (decode → RedactionStage      (per-stream batches → one
//    otlp_metrics, otlp_logs,           → neutral rows)               INSERT per table)
//    otlp_spans)        ▲                      │                             │
//                       └──── Finalizer: delivered / rejected / retry ───────┘
//   The receiver alone turns finalizers into offset commits and dead letters
//   (DeadLetterExporter): a record's offset is committed only after every row built from
//   it is stored or it is dead-lettered.
//
// With `processor.workers` > 1 that pipeline runs in as many worker processes, members of
// the one consumer group, under a parent that supervises them (workers.ts, a pool of
// lib/workers/pool.ts).
//
// Redaction is part of the processor; only `redaction.enabled: false` turns it off, and the
// service then says so at error level when it starts.
import { Counter, Registry } from 'prom-client';
import type { Config } from '../../lib/config/index.ts';
import { KafkaGroupConsumer } from '../../lib/kafka/group-consumer.ts';
import { createLogger, type Logger } from '../../lib/log.ts';
import type { Signal } from '../../lib/otlp/types.ts';
import { Service } from '../../lib/service.ts';
import { PoolRegistry } from '../../lib/workers/pool.ts';
import { RedactionStage } from '../../lib/redaction/index.ts';
import { ClickHouseWriter } from './clickhouse-writer.ts';
import { DeadLetterExporter } from './dead-letter-exporter.ts';
import { OtlpDecodeStage } from './decode-stage.ts';
import { connectClickHouse } from './insert.ts';
import { KafkaOtlpReceiver } from './kafka-receiver.ts';
import { createProcessorMetrics } from './metrics.ts';
import { ProcessorWorkers } from './workers.ts';

export interface ProcessorOptions {
  logger?: Logger;
}

export interface ProcessorService {
  service: Service;
}

/**
 * Builds and starts the processor; it fails to start when Kafka, ClickHouse or the keyring
 * is missing. With `processor.workers` > 1 it starts that many worker processes, each built
 * here with one worker (workers.ts).
 */
export async function createProcessorService(
  config: Config,
  options: ProcessorOptions = {},
): Promise<ProcessorService> {
  const log = options.logger ?? createLogger('processor', config);
  const service = config.processor.workers > 1 ? workerPool(config, log) : pipeline(config, log);
  await service.start();
  return { service };
}

/** The parent of `processor.workers` processes: it supervises them and serves the admin address. */
function workerPool(config: Config, log: Logger): Service {
  const { processor: settings } = config;
  const workers = new ProcessorWorkers(
    { config, workers: settings.workers, restartMs: settings.retry.initialMs },
    log.child({ component: 'processor_workers' }),
  );
  return new Service({
    name: 'processor',
    config,
    adminAddress: settings.adminAddress,
    components: [workers],
    // Each worker checks Kafka and ClickHouse before it reports started.
    readiness: { workers: () => Promise.resolve(workers.running) },
    registry: new PoolRegistry(workers),
    logger: log,
  });
}

/** One process: receiver → decode and redaction → writer. */
function pipeline(config: Config, log: Logger): Service {
  const { processor: settings, kafka } = config;
  const registry = new Registry();
  const metrics = createProcessorMetrics(registry);
  const signalByTopic = new Map<string, Signal>(
    settings.signals.map((signal) => [kafka.topics[signal], signal]),
  );
  const redaction = createRedactionStage(config, registry, log);

  const consumer = new KafkaGroupConsumer(kafka, log, {
    groupId: settings.groupId,
    topics: [...signalByTopic.keys()],
    fromBeginning: true,
    partitionsConsumedConcurrently: settings.concurrency,
    sessionTimeoutMs: settings.sessionTimeoutMs,
    maxBytesPerPartition: settings.maxBytesPerPartition,
  });
  const deadLetters = new DeadLetterExporter(
    kafka.topics.deadLetter,
    kafka,
    log,
    metrics.deadLetters,
  );
  const writer = new ClickHouseWriter(
    {
      database: config.clickhouse.database,
      format: settings.insertFormat,
      batch: settings.batch,
      retry: settings.retry,
    },
    // Up to 7 tables per batch insert in parallel.
    () => connectClickHouse(config.clickhouse, settings.concurrency * 7 + 2),
    metrics,
    log.child({ component: 'clickhouse_writer' }),
  );
  const decode = new OtlpDecodeStage(
    { signalByTopic, retryMs: settings.retry.initialMs },
    redaction,
    writer,
    log.child({ component: 'otlp_decode_stage' }),
  );
  const receiver = new KafkaOtlpReceiver({
    consumer,
    deadLetters,
    next: decode,
    flushDownstream: () => writer.flushAll(),
    retry: settings.retry,
    metrics,
    log: log.child({ component: 'kafka_otlp_receiver' }),
  });
  consumer.onAssignment((assignment) => {
    log.info({ assignment }, 'partitions assigned');
    writer.resetStreams();
  });

  return new Service({
    name: 'processor',
    config,
    adminAddress: settings.adminAddress,
    // Started in this order, stopped in reverse: the receiver drains into the writer first.
    components: [deadLetters, writer, decode, receiver],
    readiness: {
      kafka: () => consumer.reachable(),
      clickhouse: () => writer.reachable(),
    },
    registry,
    logger: log,
  });
}

/** `telepipe process`: starts the processor and leaves it running until SIGTERM or SIGINT. */
export async function runProcessor(config: Config): Promise<void> {
  const processor = await createProcessorService(config);
  processor.service.handleSignals();
  processor.service.log.info('processor running');
}

/**
 * The redaction stage, always; its metrics count redactions by type. With
 * `redaction.enabled: false` it passes records through, and the start log says so loudly.
 */
function createRedactionStage(config: Config, registry: Registry, log: Logger): RedactionStage {
  const redaction = new RedactionStage(config.redaction);
  if (!redaction.enabled) {
    log.error(
      'redaction is OFF (redaction.enabled: false): personal data is stored in ClickHouse unredacted',
    );
  }
  for (const warning of redaction.warnings) log.warn(warning);
  new Counter({
    name: 'telepipe_redactions_total',
    help: 'Values redacted by the processor, by type of personal data',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [type, count] of Object.entries(redaction.countsByType()))
        this.inc({ type }, count);
    },
  });
  return redaction;
}
