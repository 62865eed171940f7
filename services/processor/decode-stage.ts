// OtlpDecodeStage: Kafka record → OTLP request (the record contract, lib/otlp/kafka-records.ts)
// → processing stage (redaction) → neutral rows. A record that does not decode or that the
// stage refuses is reported rejected to its finalizer (the source dead-letters it) and goes
// on without rows, so the writer's delivery of the batch still covers its position.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { BaseComponent, type Downstream } from '../../lib/component.ts';
import { asTelepipeError } from '../../lib/errors.ts';
import { decodeRecord, receivedAt } from '../../lib/otlp/kafka-records.ts';
import type { IncomingRecord } from '../../lib/kafka/group-consumer.ts';
import type { Signal } from '../../lib/otlp/types.ts';
import type { RecordRows, RowsBatch, SourceBatch } from './acknowledgements.ts';
import type { RecordProcessor } from './record-processor.ts';
import { buildRows } from './rows/index.ts';

export interface OtlpDecodeStageConfig {
  /** Which signal each consumed topic carries. */
  signalByTopic: ReadonlyMap<string, Signal>;
  /** Backoff when the processing stage reports a retryable failure. */
  retryMs: number;
}

export class OtlpDecodeStage extends BaseComponent implements Downstream<SourceBatch> {
  readonly name = 'otlp_decode_stage';

  constructor(
    private readonly config: OtlpDecodeStageConfig,
    private readonly processor: RecordProcessor,
    private readonly next: Downstream<RowsBatch>,
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

  async consume(batch: SourceBatch): Promise<void> {
    const signal = this.config.signalByTopic.get(batch.topic);
    if (!signal) throw new Error(`no signal configured for topic ${batch.topic}`);
    const records: RecordRows[] = [];
    let rejected = 0;
    for (const record of batch.records) {
      const position = record.offset;
      try {
        const { rows, receivedMs } = await this.rowsOf(signal, record);
        records.push({ position, rows, receivedMs });
      } catch (error) {
        await batch.finalizer.rejected(position, error);
        rejected += 1;
        records.push({ position, rows: {}, receivedMs: receivedAt(record.headers) });
      }
    }
    this.counters.received += batch.records.length;
    this.counters.dropped += rejected;
    this.counters.sent += batch.records.length - rejected;
    await this.next.consume({ records, finalizer: batch.finalizer });
  }

  private async rowsOf(
    signal: Signal,
    record: IncomingRecord,
  ): Promise<Omit<RecordRows, 'position'>> {
    const { request, tenant, receivedMs } = decodeRecord(signal, record);
    for (;;) {
      const result = await this.processor.process(signal, request);
      if (result.ok) {
        return { rows: buildRows(signal, result.request, { tenantId: tenant }), receivedMs };
      }
      const error = asTelepipeError(result.error);
      if (!error.retryable) throw error;
      this.log.warn(
        { err: error, offset: record.offset },
        'processing stage unavailable; retrying',
      );
      await sleep(this.config.retryMs);
    }
  }
}
