// KafkaOtlpReceiver: the consumer-group member that reads the OTLP topics and hands each
// partition batch downstream. Offsets are committed by the writer once rows are stored;
// on shutdown the receiver stops fetching, lets the writer store and commit what it
// holds, then leaves the group.
import type { Logger } from 'pino';
import { BaseComponent, type Downstream } from '../../lib/component.ts';
import type { KafkaGroupConsumer, FetchedBatch } from '../../lib/kafka/group-consumer.ts';
import type { ProcessorMetrics } from './metrics.ts';

export interface KafkaOtlpReceiverHooks {
  /** Stores and commits everything received so far (called with fetching paused). */
  flush(): Promise<void>;
}

export class KafkaOtlpReceiver extends BaseComponent {
  readonly name = 'kafka_otlp_receiver';

  constructor(
    private readonly consumer: KafkaGroupConsumer,
    private readonly next: Downstream<FetchedBatch>,
    private readonly hooks: KafkaOtlpReceiverHooks,
    private readonly metrics: ProcessorMetrics,
    private readonly log: Logger,
  ) {
    super();
  }

  protected async onStart(): Promise<void> {
    await this.consumer.start((batch) => this.receive(batch));
  }

  private async receive(batch: FetchedBatch): Promise<void> {
    this.counters.received += batch.records.length;
    const last = batch.records[batch.records.length - 1]?.offset ?? -1;
    this.metrics.consumerLag.set(
      { topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, batch.highWatermark - last - 1),
    );
    await this.next.consume(batch);
    this.counters.sent += batch.records.length;
  }

  protected async onShutdown(): Promise<void> {
    await this.consumer.pauseAndDrain();
    try {
      await this.hooks.flush();
    } catch (err) {
      this.log.warn({ err }, 'final flush failed; uncommitted records will be re-read');
    }
    await this.consumer.stop();
  }
}
