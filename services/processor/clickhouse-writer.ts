// ClickHouseWriter: the sink. Rows are encoded as they arrive into one batch per stream
// (row-batch.ts); a batch is stored when a table reaches maxRows, the batch maxBytes, or its
// oldest row maxAgeMs. Storing is one INSERT per table, all tables in parallel (insert.ts),
// with rejected rows narrowed down to their records (bisect.ts); only then the batch is
// reported delivered to the stream's Finalizer, so a crash never loses rows. On servers
// with insert deduplication the batch's range is handed to the finalizer before inserting
// (`writing`), and a replay cuts the same batches (`replayEnd`) under the same tokens.
// Unavailable ClickHouse: retry with backoff while the stream waits (no fetching, no
// memory growth). The writer never learns where records came from or where rejected
// ones go: that is the source's business (acknowledgements.ts).
import type { Logger } from 'pino';
import type { ClickHouseConfig } from '../../lib/clickhouse/client.ts';
import type { InsertFormat } from '../../lib/clickhouse/formats.ts';
import type { OtelTableName } from '../../lib/clickhouse/tables.ts';
import { BaseComponent, type Downstream } from '../../lib/component.ts';
import type { Finalizer, RecordRows, RowsBatch } from './acknowledgements.ts';
import { insertBisecting } from './bisect.ts';
import { TableInserter, type InsertTarget } from './insert.ts';
import type { ProcessorMetrics } from './metrics.ts';
import { RowBatch, type BatchLimits, type TableBuffer } from './row-batch.ts';
import { SerialQueue } from './serial.ts';

export interface ClickHouseWriterConfig {
  database: ClickHouseConfig['database'];
  format: InsertFormat;
  batch: BatchLimits;
  retry: { initialMs: number; maxMs: number };
}

/** One stream's state: its serial queue, open batch and what to skip after a failed store. */
class StreamState {
  readonly queue = new SerialQueue();
  batch: RowBatch | undefined;
  /** After a failed store (the stream is read again): skip records fetched past this position. */
  staleAfter: number | undefined;

  constructor(public finalizer: Finalizer) {}
}

export class ClickHouseWriter extends BaseComponent implements Downstream<RowsBatch> {
  readonly name = 'clickhouse_writer';
  private readonly streams = new Map<string, StreamState>();
  private stopping = false;
  private connection: { target: InsertTarget; inserter: TableInserter } | undefined;

  constructor(
    private readonly config: ClickHouseWriterConfig,
    private readonly connect: () => Promise<InsertTarget>,
    private readonly metrics: ProcessorMetrics,
    private readonly log: Logger,
  ) {
    super();
  }

  protected async onStart(): Promise<void> {
    const target = await this.connect();
    this.connection = {
      target,
      inserter: new TableInserter(this.config, target, this.metrics, this.log),
    };
    this.stopping = false;
    this.log.info(
      { dialect: target.dialect.name, format: this.config.format },
      'ClickHouse schema is current',
    );
  }

  /** For readiness: false until started and while ClickHouse does not answer. */
  reachable(): Promise<boolean> {
    return this.connection ? this.connection.target.reachable() : Promise.resolve(false);
  }

  private get inserter(): TableInserter {
    if (!this.connection) throw new Error('ClickHouseWriter used before start');
    return this.connection.inserter;
  }

  /** Stores every pending batch; the source must have stopped handing over new ones. */
  async flushAll(): Promise<void> {
    await Promise.all(
      [...this.streams.values()].map((state) =>
        state.queue.run(() => (state.batch ? this.store(state) : Promise.resolve())),
      ),
    );
  }

  protected async onShutdown(): Promise<void> {
    await this.flushAll();
    this.stopping = true;
    await this.connection?.target.close();
    this.connection = undefined;
  }

  consume(item: RowsBatch): Promise<void> {
    const state = this.stream(item.finalizer);
    return state.queue.run(() => this.append(state, item.records));
  }

  /** After a rebalance: drop what is not delivered; the source hands it over again. */
  resetStreams(): void {
    for (const state of this.streams.values()) {
      void state.queue.run(() => {
        this.discard(state);
        state.staleAfter = undefined;
        return Promise.resolve();
      });
    }
  }

  private stream(finalizer: Finalizer): StreamState {
    let state = this.streams.get(finalizer.stream);
    if (!state) {
      state = new StreamState(finalizer);
      this.streams.set(finalizer.stream, state);
    }
    state.finalizer = finalizer;
    return state;
  }

  private async append(state: StreamState, records: RecordRows[]): Promise<void> {
    for (const record of records) {
      const position = record.position;
      if (state.staleAfter !== undefined) {
        if (position > state.staleAfter) continue; // fetched before the seek; comes again
        state.staleAfter = undefined;
      }
      if (state.batch && position <= state.batch.last) {
        this.log.warn(
          { stream: state.finalizer.stream, position },
          'stream re-read; dropping its unstored batch',
        );
        this.discard(state);
      }
      const batch = state.batch ?? (await this.open(state, position));
      const added = batch.add(record, (table) => this.inserter.encoder(table));
      this.metrics.bufferedRows.inc(added);
      if (batch.isFull(this.config.batch)) await this.store(state);
    }
    this.counters.received += records.length;
  }

  private async open(state: StreamState, first: number): Promise<RowBatch> {
    const recordedEnd = this.inserter.dialect.deduplicatesInserts
      ? await state.finalizer.replayEnd(first)
      : undefined;
    const batch = new RowBatch(
      first,
      recordedEnd !== undefined && recordedEnd >= first ? recordedEnd : undefined,
    );
    state.batch = batch;
    this.armTimer(state, batch);
    return batch;
  }

  private armTimer(state: StreamState, batch: RowBatch): void {
    batch.timer = setTimeout(() => {
      state.queue
        .run(() => this.storeIfDue(state, batch))
        .catch((err: unknown) => this.log.error({ err }, 'timed batch store failed'));
    }, this.config.batch.maxAgeMs);
    batch.timer.unref();
  }

  private async storeIfDue(state: StreamState, batch: RowBatch): Promise<void> {
    if (state.batch !== batch) return;
    if (batch.waitsForReplayEnd()) {
      this.armTimer(state, batch);
      return;
    }
    await this.store(state);
  }

  private discard(state: StreamState): void {
    const batch = state.batch;
    if (!batch) return;
    clearTimeout(batch.timer);
    this.metrics.bufferedRows.dec(batch.rows);
    state.batch = undefined;
  }

  /** Inserts the stream's batch, then reports it delivered. */
  private async store(state: StreamState): Promise<void> {
    const batch = state.batch;
    if (!batch) return;
    clearTimeout(batch.timer);
    const { finalizer } = state;
    const rejected = new Set<number>();
    try {
      if (this.inserter.dialect.deduplicatesInserts && batch.recordedEnd === undefined) {
        await finalizer.writing(batch.first, batch.last);
      }
      const reject = async (position: number, error: unknown): Promise<void> => {
        await finalizer.rejected(position, error);
        rejected.add(position); // a record with rows rejected in two tables counts once
      };
      await Promise.all(
        [...batch.tables].map(([table, buffer]) =>
          this.storeTable(state, batch, table, buffer, reject),
        ),
      );
      await finalizer.delivered(batch.last);
      this.observeFreshness(batch);
      this.counters.sent += batch.records - rejected.size;
      this.counters.dropped += rejected.size;
      this.metrics.batches.inc();
    } catch (err) {
      // Only shutdown or a rebalance get here; nothing past the last delivery is lost.
      this.log.warn(
        { err, stream: finalizer.stream, first: batch.first },
        'batch not stored; the stream will be read again',
      );
      state.staleAfter = batch.last;
      if (!this.stopping) finalizer.retry(batch.first);
    } finally {
      this.discard(state);
    }
  }

  private observeFreshness(batch: RowBatch): void {
    const now = Date.now();
    for (const received of batch.receivedMs) {
      this.metrics.freshnessSeconds.observe(Math.max(0, now - received) / 1000);
    }
  }

  /** Inserts one table's rows of a batch; rejected rows are narrowed down to their records. */
  private storeTable(
    state: StreamState,
    batch: RowBatch,
    table: OtelTableName,
    buffer: TableBuffer,
    reject: (position: number, error: unknown) => Promise<void>,
  ): Promise<void> {
    const { finalizer } = state;
    const range = {
      from: 0,
      to: buffer.segments.length - 1,
      stream: finalizer.stream,
      token: `${finalizer.stream}:${batch.first}-${batch.last}`,
    };
    return insertBisecting(table, buffer, range, {
      insert: (insert) =>
        this.inserter.insert(insert, {
          keepAlive: () => finalizer.keepAlive(),
          stopping: () => this.stopping,
        }),
      onRejectedInsert: (t) => this.metrics.inserts.inc({ table: t, outcome: 'rejected' }),
      reject,
    });
  }
}
