// What the receiver makes of the acknowledgements for one Kafka partition (Finalizer in
// acknowledgements.ts): delivered → commit past the records; rejected → the record, kept
// since it was fetched, goes to the dead-letter topic before any commit passes it;
// retry → seek back so Kafka delivers the records again. Only this file and offsets.ts
// turn acknowledgements into Kafka operations.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { asTelepipeError } from '../../lib/errors.ts';
import type { IncomingRecord } from '../../lib/kafka/group-consumer.ts';
import type { Finalizer } from './acknowledgements.ts';
import type { DeadLetterExporter } from './dead-letter-exporter.ts';
import type { OffsetCommitter } from './offsets.ts';

export interface PartitionFinalizerDeps {
  offsets: OffsetCommitter;
  deadLetters: Pick<DeadLetterExporter, 'send'>;
  /** Backoff while the dead-letter topic cannot be written. */
  retry: { initialMs: number; maxMs: number };
  /** True once the receiver is stopping: retries give up, the records are read again later. */
  stopping: () => boolean;
  log: Logger;
}

export class PartitionFinalizer implements Finalizer {
  readonly stream: string;
  /** Fetched records not yet delivered, by offset: what a rejection dead-letters. */
  private readonly pending = new Map<number, IncomingRecord>();

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly deps: PartitionFinalizerDeps,
  ) {
    this.stream = `${topic}:${partition}`;
  }

  /**
   * Called by the receiver for every fetched batch, before it goes downstream; a record
   * fetched again (after a retry or a rebalance) replaces itself.
   */
  track(records: readonly IncomingRecord[]): void {
    for (const record of records) this.pending.set(record.offset, record);
  }

  /**
   * Commits past the stored batch, retrying while this member still owns the partition.
   * Throws once it does not (or is stopping): the writer then stores nothing more of the
   * stream until it is read again, so at most this one batch is stored but uncommitted,
   * and replayed, per partition and fault (docs/storage.md, Delivery).
   */
  async delivered(last: number): Promise<void> {
    for (const offset of this.pending.keys()) if (offset <= last) this.pending.delete(offset);
    await this.retrying('offset commit', () =>
      this.deps.offsets.commit(this.topic, this.partition, last + 1),
    );
  }

  async rejected(position: number, error: unknown): Promise<void> {
    const record = this.pending.get(position);
    if (!record) return; // a record with rows rejected in two tables goes once
    this.pending.delete(position);
    const source = { ...record, topic: this.topic, partition: this.partition };
    await this.retrying('dead-letter', () => this.deps.deadLetters.send([{ source, error }]));
  }

  retry(first: number): void {
    try {
      this.deps.offsets.seek(this.topic, this.partition, first);
    } catch (err) {
      this.deps.log.debug({ err }, 'seek after failed batch not possible (partition revoked)');
    }
  }

  replayEnd(first: number): Promise<number | undefined> {
    return this.deps.offsets.recordedBatchEnd(this.topic, this.partition, first);
  }

  writing(first: number, last: number): Promise<void> {
    return this.retrying('record batch end', () =>
      this.deps.offsets.commit(this.topic, this.partition, first, last),
    );
  }

  keepAlive(): Promise<void> {
    return this.deps.offsets.heartbeat();
  }

  /** Retries until Kafka takes it, keeping the partition; gives up only when stopping. */
  private async retrying(what: string, attempt: () => Promise<void>): Promise<void> {
    const { initialMs, maxMs } = this.deps.retry;
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        // The data's fault is not retried: the batch fails and is read again.
        if (asTelepipeError(err).reason === 'invalid_argument' || this.deps.stopping()) throw err;
        const delay = Math.min(maxMs, initialMs * 2 ** Math.min(n, 20));
        if (n % 10 === 0) {
          this.deps.log.warn({ err, attempt: n + 1, retryInMs: delay }, `${what} failed; retrying`);
        }
        await sleep(delay);
        await this.keepAlive();
      }
    }
  }
}
