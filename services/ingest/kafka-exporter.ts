// The end of the ingest's data path: sends each accepted request's records (one per
// resource, made by the intake) to the signal's topic with the request's headers, and
// resolves only when Kafka acknowledged all of them (acks=all, idempotent). It makes sure
// the signal topics exist before it takes any request.
import { BaseComponent, type Downstream } from '../../lib/component.ts';
import type { Config } from '../../lib/config/index.ts';
import type { IngestConfig } from '../../lib/config/sections/ingest.ts';
import { KafkaAdmin } from '../../lib/kafka/admin.ts';
import { KafkaProducer, type ProducerStats } from '../../lib/kafka/producer.ts';
import type { Logger } from '../../lib/log.ts';
import type { Signal } from '../../lib/otlp/types.ts';
import type { OtlpExport } from './intake.ts';
import { outgoingRecords } from '../../lib/otlp/kafka-records.ts';

export interface KafkaOtlpExporterConfig {
  kafka: Config['kafka'];
  producer: IngestConfig['producer'];
}

const READINESS_TIMEOUT_MS = 2000;

export class KafkaOtlpExporter extends BaseComponent implements Downstream<OtlpExport> {
  readonly name = 'kafka_otlp_exporter';
  private readonly admin: KafkaAdmin;
  private readonly producer: KafkaProducer;
  private readonly topics: Record<Signal, string>;

  constructor(
    private readonly config: KafkaOtlpExporterConfig,
    log: Logger,
  ) {
    super();
    const { metrics, logs, traces } = config.kafka.topics;
    this.topics = { metrics, logs, traces };
    this.admin = new KafkaAdmin(config.kafka, log);
    this.producer = new KafkaProducer(config.kafka, log, {
      compression: config.producer.compression,
      timeoutMs: config.producer.ackTimeoutMs,
      // A produce request carries whole records, at least one (up to maxRecordBytes).
      maxBatchBytes: config.producer.batchBytes,
      maxInFlightRequests: config.producer.maxInFlightRequests,
      lingerMs: config.producer.lingerMs,
    });
  }

  protected async onStart(): Promise<void> {
    await this.admin.ensureTopics(Object.values(this.topics).map((topic) => ({ topic })));
    await this.producer.connect();
  }

  protected async onShutdown(): Promise<void> {
    await this.producer.disconnect();
    await this.admin.disconnect();
  }

  async consume(item: OtlpExport): Promise<void> {
    this.counters.received += item.items;
    try {
      const records = outgoingRecords(item.records, this.topics[item.signal], item);
      await this.producer.send(records, { signal: item.deadline });
      this.counters.sent += item.items;
    } catch (err) {
      // Not acknowledged to the client, which may send it again.
      this.counters.dropped += item.items;
      throw err;
    }
  }

  producerStats(): ProducerStats {
    return this.producer.stats();
  }

  /** For /readyz: a broker answered a metadata request within two seconds. */
  kafkaReachable(): Promise<boolean> {
    return kafkaReachable(this.admin);
  }
}

/** A broker answered a metadata request within two seconds (the ingest's readiness). */
export async function kafkaReachable(admin: KafkaAdmin): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      admin.describeCluster().then((cluster) => cluster.brokers > 0),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
