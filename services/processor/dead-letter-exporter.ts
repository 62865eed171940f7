// Records that can never be stored (undecodable, refused by the processing stage, or rows
// ClickHouse rejects) go to the dead-letter topic unchanged, with the error in headers,
// so consumption continues and nothing is silently dropped. `send` resolves only when
// Kafka acknowledged, and only then is the record's offset allowed to be committed.
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { KafkaConfig, KafkaHeaders } from '../../lib/kafka/client.ts';
import type { IncomingRecord } from '../../lib/kafka/group-consumer.ts';
import { KafkaProducer } from '../../lib/kafka/producer.ts';
import { asTelepipeError } from '../../lib/errors.ts';
import { BaseComponent } from '../../lib/component.ts';
import { KafkaAdmin } from '../../lib/kafka/admin.ts';

/** A consumed record and where it was read from. */
export interface SourceRecord extends IncomingRecord {
  topic: string;
  partition: number;
}

export const ERROR_HEADER = 'telepipe-error';
export const ERROR_REASON_HEADER = 'telepipe-error-reason';

export class DeadLetterExporter extends BaseComponent {
  readonly name = 'dead_letter_exporter';
  private readonly producer: KafkaProducer;

  constructor(
    private readonly topic: string,
    private readonly kafka: KafkaConfig,
    private readonly log: Logger,
    private readonly counter: Counter<'reason'>,
  ) {
    super();
    this.producer = new KafkaProducer(kafka, log);
  }

  protected async onStart(): Promise<void> {
    const admin = new KafkaAdmin(this.kafka, this.log);
    try {
      await admin.ensureTopics([{ topic: this.topic }]);
    } finally {
      await admin.disconnect();
    }
    await this.producer.connect();
  }

  protected onShutdown(): Promise<void> {
    return this.producer.disconnect();
  }

  async send(records: { source: SourceRecord; error: unknown }[]): Promise<void> {
    if (records.length === 0) return;
    this.counters.received += records.length;
    await this.producer.send(
      records.map(({ source, error }) => {
        const err = asTelepipeError(error);
        const headers: KafkaHeaders = {
          ...source.headers,
          [ERROR_HEADER]: err.message.slice(0, 4096),
          [ERROR_REASON_HEADER]: err.reason,
          'telepipe-source-topic': source.topic,
          'telepipe-source-partition': String(source.partition),
          'telepipe-source-offset': String(source.offset),
        };
        return {
          topic: this.topic,
          key: source.key,
          value: source.value ?? Buffer.alloc(0),
          headers,
        };
      }),
    );
    this.counters.sent += records.length;
    for (const { error } of records) this.counter.inc({ reason: asTelepipeError(error).reason });
  }
}
