// An idempotent, acks=all producer. `send` resolves only when Kafka acknowledged every
// record, which is what lets the ingest acknowledge its clients without losing data.
import { CompressionTypes, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { unavailable } from '../errors.ts';
import { createKafkaClient, type KafkaConfig, type OutgoingRecord } from './client.ts';

export type ProducerCompression = 'none' | 'gzip';

export interface KafkaProducerOptions {
  compression?: ProducerCompression;
  /** Upper bound for one send, after which the caller gets a retryable error. */
  timeoutMs?: number;
}

const COMPRESSION: Record<ProducerCompression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
};

export class KafkaProducer {
  private readonly producer: Producer;
  private connected = false;

  constructor(
    private readonly config: KafkaConfig,
    log: Logger,
    private readonly options: KafkaProducerOptions = {},
  ) {
    this.producer = createKafkaClient(config, log, 'producer').producer({
      idempotent: true,
      maxInFlightRequests: 5,
      allowAutoTopicCreation: false,
    });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    try {
      await this.producer.connect();
      this.connected = true;
    } catch (err) {
      throw unavailable(
        `cannot connect to Kafka at ${this.config.brokers.join(',')}: ${(err as Error).message}`,
        err,
      );
    }
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }

  /** Produces the records with acks=all; resolves after every one was acknowledged. */
  async send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const byTopic = new Map<string, OutgoingRecord[]>();
    for (const r of records) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
    try {
      await this.producer.sendBatch({
        acks: -1,
        timeout: this.options.timeoutMs ?? this.config.requestTimeoutMs,
        compression: COMPRESSION[this.options.compression ?? 'none'],
        topicMessages: [...byTopic].map(([topic, rs]) => ({
          topic,
          messages: rs.map((r) => ({
            key: r.key,
            value: Buffer.from(r.value),
            headers: r.headers ?? {},
          })),
        })),
      });
    } catch (err) {
      throw unavailable(
        `Kafka did not acknowledge ${records.length} record(s): ${(err as Error).message}`,
        err,
      );
    }
  }
}
