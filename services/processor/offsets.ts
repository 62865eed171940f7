// Kafka offsets for the receiver's finalizers, on top of the group consumer: commits (with
// the next batch's end as commit metadata), the recorded batch end to replay after a crash,
// seeks after a batch that could not be stored, and heartbeats during long retries.
import type { CommittedOffset, KafkaGroupConsumer } from '../../lib/kafka/group-consumer.ts';

/** Offset bookkeeping the partition finalizers need from the Kafka side. */
export interface OffsetCommitter {
  /** Commits `offset` (the next to read); `batchEnd` records the batch about to be inserted. */
  commit(topic: string, partition: number, offset: number, batchEnd?: number): Promise<void>;
  /** The batch end recorded with committed offset `offset`, after a crash mid-batch. */
  recordedBatchEnd(topic: string, partition: number, offset: number): Promise<number | undefined>;
  /** Restarts fetching the partition at `offset` (after a batch could not be stored). */
  seek(topic: string, partition: number, offset: number): void;
  /** Keeps the group membership alive during long retries; throws once a rebalance started. */
  heartbeat(): Promise<void>;
}

const BATCH_END_PREFIX = 'telepipe-batch-end:';

export const batchEndMetadata = (end: number): string => `${BATCH_END_PREFIX}${end}`;

export function parseBatchEnd(metadata: string | null): number | undefined {
  if (!metadata?.startsWith(BATCH_END_PREFIX)) return undefined;
  const end = Number(metadata.slice(BATCH_END_PREFIX.length));
  return Number.isSafeInteger(end) ? end : undefined;
}

export class KafkaOffsetCommitter implements OffsetCommitter {
  /** Committed offsets as of the last (re)assignment, fetched once per topic. */
  private committed = new Map<string, Promise<CommittedOffset[]>>();
  /** Partitions whose first batch since the assignment was already planned. */
  private planned = new Set<string>();

  constructor(private readonly consumer: KafkaGroupConsumer) {}

  /** A new assignment starts from the committed offsets again. */
  reset(): void {
    this.committed.clear();
    this.planned.clear();
  }

  async commit(topic: string, partition: number, offset: number, batchEnd?: number): Promise<void> {
    const metadata = batchEnd === undefined ? null : batchEndMetadata(batchEnd);
    await this.consumer.commit([{ topic, partition, offset, metadata }]);
  }

  async recordedBatchEnd(
    topic: string,
    partition: number,
    offset: number,
  ): Promise<number | undefined> {
    const key = `${topic}:${partition}`;
    // Only the first batch after (re)reading from the committed offset can be a replay.
    if (this.planned.has(key)) return undefined;
    this.planned.add(key);
    const offsets = await this.committedOffsets(topic);
    const entry = offsets.find((c) => c.partition === partition);
    return entry && entry.offset === offset ? parseBatchEnd(entry.metadata) : undefined;
  }

  seek(topic: string, partition: number, offset: number): void {
    this.committed.delete(topic);
    this.planned.delete(`${topic}:${partition}`);
    this.consumer.seek(topic, partition, offset);
  }

  heartbeat(): Promise<void> {
    return this.consumer.heartbeat();
  }

  private committedOffsets(topic: string): Promise<CommittedOffset[]> {
    let offsets = this.committed.get(topic);
    if (!offsets) {
      offsets = this.consumer.committed(topic);
      this.committed.set(topic, offsets);
      void offsets.catch(() => this.committed.delete(topic));
    }
    return offsets;
  }
}
