// KafkaOtlpReceiver: the source. A consumer-group member that reads the OTLP topics and
// hands each fetched batch downstream with its partition's Finalizer (kafka-finalizer.ts):
// what downstream reports delivered is committed, what it reports rejected goes to the
// dead-letter topic, what it asks to retry is fetched again. On shutdown the receiver stops
// fetching, lets downstream store and finalize what it holds, then leaves the group.
import type { Logger } from 'pino';
import { BaseComponent, type Downstream } from '../../lib/component.ts';
import type { FetchedBatch, KafkaGroupConsumer } from '../../lib/kafka/group-consumer.ts';
import type { SourceBatch } from './acknowledgements.ts';
import type { DeadLetterExporter } from './dead-letter-exporter.ts';
import { PartitionFinalizer } from './kafka-finalizer.ts';
import type { ProcessorMetrics } from './metrics.ts';
import { KafkaOffsetCommitter } from './offsets.ts';

export interface KafkaOtlpReceiverDeps {
  consumer: KafkaGroupConsumer;
  deadLetters: DeadLetterExporter;
  next: Downstream<SourceBatch>;
  /** Stores everything handed downstream so far (called with fetching paused). */
  flushDownstream(): Promise<void>;
  /** Backoff while the dead-letter topic or a commit cannot be written. */
  retry: { initialMs: number; maxMs: number };
  metrics: ProcessorMetrics;
  log: Logger;
}

export class KafkaOtlpReceiver extends BaseComponent {
  readonly name = 'kafka_otlp_receiver';
  private readonly offsets: KafkaOffsetCommitter;
  private readonly finalizers = new Map<string, PartitionFinalizer>();
  private closing = false;

  constructor(private readonly deps: KafkaOtlpReceiverDeps) {
    super();
    this.offsets = new KafkaOffsetCommitter(deps.consumer);
    deps.consumer.onAssignment((assignment) => {
      // A new assignment starts from the committed offsets again. Finalizers of partitions
      // this member lost are dropped here, but a store still running holds on to its own, so
      // a record it rejects is still dead-lettered.
      this.offsets.reset();
      const owned = new Set(assignment.flatMap((a) => a.partitions.map((p) => `${a.topic}:${p}`)));
      for (const key of this.finalizers.keys()) if (!owned.has(key)) this.finalizers.delete(key);
    });
  }

  protected async onStart(): Promise<void> {
    this.closing = false;
    await this.deps.consumer.start((batch) => this.receive(batch));
  }

  private async receive(batch: FetchedBatch): Promise<void> {
    this.counters.received += batch.records.length;
    const last = batch.records[batch.records.length - 1]?.offset ?? -1;
    this.deps.metrics.consumerLag.set(
      { topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, batch.highWatermark - last - 1),
    );
    const finalizer = this.finalizer(batch.topic, batch.partition);
    finalizer.track(batch.records);
    await this.deps.next.consume({ topic: batch.topic, records: batch.records, finalizer });
    this.counters.sent += batch.records.length;
  }

  private finalizer(topic: string, partition: number): PartitionFinalizer {
    const key = `${topic}:${partition}`;
    let finalizer = this.finalizers.get(key);
    if (!finalizer) {
      finalizer = new PartitionFinalizer(topic, partition, {
        offsets: this.offsets,
        deadLetters: this.deps.deadLetters,
        retry: this.deps.retry,
        stopping: () => this.closing,
        log: this.deps.log,
      });
      this.finalizers.set(key, finalizer);
    }
    return finalizer;
  }

  protected async onShutdown(): Promise<void> {
    await this.deps.consumer.pauseAndDrain();
    try {
      await this.deps.flushDownstream();
    } catch (err) {
      this.deps.log.warn({ err }, 'final flush failed; uncommitted records will be re-read');
    }
    this.closing = true;
    await this.deps.consumer.stop();
  }
}
