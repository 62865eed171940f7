// OtlpDecodeStage: Kafka record → OTLP request → processing stage (redaction) → neutral
// rows. A record that does not decode or that the stage refuses is dead-lettered (and
// acknowledged by Kafka) before the batch moves on, so its offset can be committed.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { BaseComponent, type Downstream } from '../../lib/component.ts';
import { asTelepipeError } from '../../lib/errors.ts';
import type { FetchedBatch } from '../../lib/kafka/group-consumer.ts';
import { decodeRecord, receivedAt } from '../../lib/otlp/kafka-records.ts';
import type { Signal } from '../../lib/otlp/types.ts';
import type { DeadLetterExporter, SourceRecord } from './dead-letter-exporter.ts';
import { buildRows } from './rows/index.ts';
import type { RecordProcessor } from './record-processor.ts';
import type { PartitionRows, RecordRows } from './clickhouse-writer.ts';

export interface OtlpDecodeStageConfig {
  /** Which signal each consumed topic carries. */
  signalByTopic: ReadonlyMap<string, Signal>;
  /** Backoff when the processing stage reports a retryable failure. */
  retryMs: number;
}

export class OtlpDecodeStage extends BaseComponent implements Downstream<FetchedBatch> {
  readonly name = 'otlp_decode_stage';

  constructor(
    private readonly config: OtlpDecodeStageConfig,
    private readonly processor: RecordProcessor,
    private readonly deadLetters: DeadLetterExporter,
    private readonly next: Downstream<PartitionRows>,
    private readonly log: Logger,
  ) {
    super();
  }

  protected onStart(): Promise<void> {
    return Promise.resolve();
  }

  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }

  async consume(batch: FetchedBatch): Promise<void> {
    const signal = this.config.signalByTopic.get(batch.topic);
    if (!signal) throw new Error(`no signal configured for topic ${batch.topic}`);
    const records: RecordRows[] = [];
    const rejected: { source: SourceRecord; error: unknown }[] = [];
    for (const record of batch.records) {
      const source: SourceRecord = { ...record, topic: batch.topic, partition: batch.partition };
      const receivedMs = receivedAt(record.headers);
      try {
        const rows = await this.rowsOf(signal, source);
        records.push({ source, rows, receivedMs });
      } catch (error) {
        rejected.push({ source, error });
        records.push({ source, rows: {}, receivedMs });
      }
    }
    await this.deadLetters.send(rejected);
    this.counters.received += batch.records.length;
    this.counters.dropped += rejected.length;
    this.counters.sent += batch.records.length - rejected.length;
    await this.next.consume({ topic: batch.topic, partition: batch.partition, records });
  }

  private async rowsOf(signal: Signal, source: SourceRecord): Promise<RecordRows['rows']> {
    const { request, tenant } = decodeRecord(signal, source);
    for (;;) {
      const result = await this.processor.process(signal, request);
      if (result.ok) return buildRows(signal, result.request, { tenantId: tenant });
      const error = asTelepipeError(result.error);
      if (!error.retryable) throw error;
      this.log.warn(
        { err: error, offset: source.offset },
        'processing stage unavailable; retrying',
      );
      await sleep(this.config.retryMs);
    }
  }
}
