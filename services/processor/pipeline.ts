// The processor's whole data path, in one place:
//
//   KafkaOtlpReceiver ──FetchedBatch──▶ OtlpDecodeStage ──PartitionRows──▶ ClickHouseWriter
//   (consumer group:      (decode → RecordProcessor      (per-partition batches → one
//    otlp_metrics,         (redaction) → neutral rows)     INSERT per table → commit offsets)
//    otlp_logs, otlp_spans)        │                                 │
//                                  └──── undecodable / refused ──────┴── rejected rows ──▶ DeadLetterExporter
//
// Offsets flow back from the writer to Kafka (KafkaOffsetCommitter): a record's offset
// is committed only after every row built from it is stored or it is dead-lettered.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Component } from '../../lib/component.ts';
import type { Config } from '../../lib/config/index.ts';
import { KafkaGroupConsumer } from '../../lib/kafka/group-consumer.ts';
import type { Signal } from '../../lib/otlp/types.ts';
import type { ReadinessCheck } from '../../lib/service.ts';
import { OtlpDecodeStage } from './decode-stage.ts';
import { DeadLetterExporter } from './dead-letter-exporter.ts';
import { createProcessorMetrics } from './metrics.ts';
import { KafkaOffsetCommitter } from './offsets.ts';
import { KafkaOtlpReceiver } from './kafka-receiver.ts';
import type { RecordProcessor } from './record-processor.ts';
import { ClickHouseWriter, connectClickHouse } from './clickhouse-writer.ts';

export interface ProcessorPipeline {
  /** In start order; the service shuts them down in reverse. */
  components: Component[];
  readiness: Record<string, ReadinessCheck>;
  writer: ClickHouseWriter;
  deadLetters: DeadLetterExporter;
}

export function createProcessorPipeline(
  config: Config,
  deps: { processor: RecordProcessor; registry: Registry; log: Logger },
): ProcessorPipeline {
  const { processor: settings, kafka } = config;
  const { log } = deps;
  const metrics = createProcessorMetrics(deps.registry);
  const signalByTopic = new Map<string, Signal>(
    settings.signals.map((signal) => [kafka.topics[signal], signal]),
  );

  const consumer = new KafkaGroupConsumer(kafka, log, {
    groupId: settings.groupId,
    topics: [...signalByTopic.keys()],
    fromBeginning: true,
    partitionsConsumedConcurrently: settings.concurrency,
    sessionTimeoutMs: settings.sessionTimeoutMs,
    maxBytesPerPartition: settings.maxBytesPerPartition,
  });
  const offsets = new KafkaOffsetCommitter(consumer);
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
    // Up to 7 tables per partition batch insert in parallel.
    () => connectClickHouse(config.clickhouse, settings.concurrency * 7 + 2),
    offsets,
    deadLetters,
    metrics,
    log.child({ component: 'clickhouse_writer' }),
  );
  const stage = new OtlpDecodeStage(
    { signalByTopic, retryMs: settings.retry.initialMs },
    deps.processor,
    deadLetters,
    writer,
    log.child({ component: 'otlp_decode_stage' }),
  );
  const receiver = new KafkaOtlpReceiver(
    consumer,
    stage,
    { flush: () => writer.flushAll() },
    metrics,
    log.child({ component: 'kafka_otlp_receiver' }),
  );
  consumer.onAssignment((assignment) => {
    log.info({ assignment }, 'partitions assigned');
    offsets.reset();
    writer.resetPartitions();
  });

  return {
    components: [deadLetters, writer, stage, receiver],
    readiness: {
      kafka: () => consumer.reachable(),
      clickhouse: () => writer.reachable(),
    },
    writer,
    deadLetters,
  };
}
