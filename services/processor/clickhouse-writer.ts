// ClickHouseWriter: the sink. Rows are encoded as they arrive into one batch per Kafka
// partition (one buffer per table); a batch is stored when a table reaches maxRows, the
// batch maxBytes, or its oldest row maxAgeMs. Storing is one INSERT per table, all
// tables in parallel, and only then the partition's offset is committed, so a crash
// never loses rows. On servers with insert deduplication each INSERT carries a token
// made of topic, partition and offset range, and the batch's end offset is recorded
// with the commit before inserting: a replay cuts the same batches and the server drops
// the copies. Unavailable ClickHouse: retry with backoff while the partition waits (no
// fetching, no memory growth). Rows ClickHouse rejects: bisect to the records at fault
// and dead-letter them.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import {
  clickhouseReachable,
  createClickHouseClient,
  insertEncoded,
  type ClickHouseConfig,
  type EncodedInsert,
} from '../../lib/clickhouse/client.ts';
import type { Dialect } from '../../lib/clickhouse/dialect.ts';
import { rowEncoder, type InsertFormat, type RowEncoder } from '../../lib/clickhouse/formats.ts';
import { RowBinaryWriter } from '../../lib/clickhouse/rowbinary.ts';
import { BaseComponent, type Downstream } from '../../lib/component.ts';
import { asTelepipeError } from '../../lib/errors.ts';
import { requireCurrentSchema } from '../../lib/clickhouse/migrate.ts';
import { OTEL_TABLES, type OtelTableName } from '../../lib/clickhouse/tables.ts';
import type { DeadLetterExporter, SourceRecord } from './dead-letter-exporter.ts';
import type { ProcessorMetrics } from './metrics.ts';
import type { RowsByTable } from './rows/index.ts';
import { SerialQueue } from './serial.ts';

/** The rows built from one Kafka record (none when it was dead-lettered upstream). */
export interface RecordRows {
  source: SourceRecord;
  rows: RowsByTable;
  /** When the ingest received it (unix ms), for the freshness metric. */
  receivedMs: number | undefined;
}

export interface PartitionRows {
  topic: string;
  partition: number;
  records: RecordRows[];
}

/** Offset bookkeeping the writer needs from the Kafka side. */
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

/** Where the writer inserts: a ClickHouse database whose schema version was checked. */
export interface InsertTarget {
  /** The dialect the tables were created in. */
  dialect: Dialect;
  insert(insert: EncodedInsert): Promise<void>;
  reachable(): Promise<boolean>;
  close(): Promise<void>;
}

/** Connects and checks the schema version; refuses to run against an unknown schema. */
export async function connectClickHouse(
  config: ClickHouseConfig,
  maxConnections: number,
): Promise<InsertTarget> {
  const client = createClickHouseClient(config, { maxOpenConnections: maxConnections });
  try {
    const dialect = await requireCurrentSchema(client, config.database);
    return {
      dialect,
      insert: (insert) => insertEncoded(client, insert),
      reachable: () => clickhouseReachable(client),
      close: () => client.close(),
    };
  } catch (err) {
    await client.close();
    throw err;
  }
}

export interface ClickHouseWriterConfig {
  database: string;
  format: InsertFormat;
  batch: { maxRows: number; maxBytes: number; maxAgeMs: number };
  retry: { initialMs: number; maxMs: number };
}

/** One table's encoded rows in a batch; each record's rows are one contiguous byte range. */
class TableBuffer {
  readonly out = new RowBinaryWriter();
  rows = 0;
  readonly segments: { offset: number; start: number; end: number; rows: number }[] = [];
}

class PartitionBatch {
  readonly tables = new Map<OtelTableName, TableBuffer>();
  readonly sources = new Map<number, SourceRecord>();
  readonly receivedMs: number[] = [];
  last: number;
  records = 0;
  deadLettered = 0;
  bytes = 0;
  rows = 0;
  largestTable = 0;
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly first: number,
    /** Set when replaying a batch whose end was recorded before a crash. */
    readonly recordedEnd: number | undefined,
  ) {
    this.last = first;
  }
}

class PartitionState {
  readonly queue = new SerialQueue();
  batch: PartitionBatch | undefined;
  /** After a failed store (the partition seeks back): skip records fetched past this offset. */
  staleAfter: number | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

export class ClickHouseWriter extends BaseComponent implements Downstream<PartitionRows> {
  readonly name = 'clickhouse_writer';
  private readonly partitions = new Map<string, PartitionState>();
  private readonly encoders = new Map<OtelTableName, { columns: string[]; encode: RowEncoder }>();
  private stopping = false;
  private connection: InsertTarget | undefined;

  constructor(
    private readonly config: ClickHouseWriterConfig,
    private readonly connect: () => Promise<InsertTarget>,
    private readonly committer: OffsetCommitter,
    private readonly deadLetters: DeadLetterExporter,
    private readonly metrics: ProcessorMetrics,
    private readonly log: Logger,
  ) {
    super();
  }

  protected async onStart(): Promise<void> {
    this.connection = await this.connect();
    this.encoders.clear();
    this.stopping = false;
    this.log.info(
      { dialect: this.dialect.name, format: this.config.format },
      'ClickHouse schema is current',
    );
  }

  /** For readiness: false until started and while ClickHouse does not answer. */
  reachable(): Promise<boolean> {
    return this.connection ? this.connection.reachable() : Promise.resolve(false);
  }

  private get target(): InsertTarget {
    if (!this.connection) throw new Error('ClickHouseWriter used before start');
    return this.connection;
  }

  private get dialect(): Dialect {
    return this.target.dialect;
  }

  /** Stores every pending batch and commits; consumption must be paused first. */
  async flushAll(): Promise<void> {
    await Promise.all(
      [...this.partitions.values()].map((state) =>
        state.queue.run(() => (state.batch ? this.store(state) : Promise.resolve())),
      ),
    );
  }

  protected async onShutdown(): Promise<void> {
    await this.flushAll();
    this.stopping = true;
    await this.connection?.close();
    this.connection = undefined;
  }

  consume(item: PartitionRows): Promise<void> {
    const state = this.partition(item.topic, item.partition);
    return state.queue.run(() => this.append(state, item.records));
  }

  /** After a rebalance: drop what is not committed; Kafka re-delivers it from the commit. */
  resetPartitions(): void {
    for (const state of this.partitions.values()) {
      void state.queue.run(() => {
        this.discard(state);
        state.staleAfter = undefined;
        return Promise.resolve();
      });
    }
  }

  private partition(topic: string, partition: number): PartitionState {
    const key = `${topic}\u0000${partition}`;
    let state = this.partitions.get(key);
    if (!state) {
      state = new PartitionState(topic, partition);
      this.partitions.set(key, state);
    }
    return state;
  }

  private async append(state: PartitionState, records: RecordRows[]): Promise<void> {
    for (const record of records) {
      const offset = record.source.offset;
      if (state.staleAfter !== undefined) {
        if (offset > state.staleAfter) continue; // fetched before the seek; comes again
        state.staleAfter = undefined;
      }
      if (state.batch && offset <= state.batch.last) {
        this.log.warn(
          { topic: state.topic, partition: state.partition, offset },
          'partition re-read; dropping its unstored batch',
        );
        this.discard(state);
      }
      const batch = state.batch ?? (await this.open(state, offset));
      this.add(batch, record);
      if (this.isFull(batch)) await this.store(state);
    }
    this.counters.received += records.length;
  }

  private async open(state: PartitionState, first: number): Promise<PartitionBatch> {
    const recordedEnd = this.dialect.deduplicatesInserts
      ? await this.committer.recordedBatchEnd(state.topic, state.partition, first)
      : undefined;
    const batch = new PartitionBatch(
      first,
      recordedEnd !== undefined && recordedEnd >= first ? recordedEnd : undefined,
    );
    state.batch = batch;
    this.armTimer(state, batch);
    return batch;
  }

  private armTimer(state: PartitionState, batch: PartitionBatch): void {
    batch.timer = setTimeout(() => {
      state.queue
        .run(() => this.storeIfDue(state, batch))
        .catch((err: unknown) => this.log.error({ err }, 'timed batch store failed'));
    }, this.config.batch.maxAgeMs);
    batch.timer.unref();
  }

  private async storeIfDue(state: PartitionState, batch: PartitionBatch): Promise<void> {
    if (state.batch !== batch) return;
    // A replayed batch must end where the crashed one did, or its token would not match.
    if (batch.recordedEnd !== undefined && batch.last < batch.recordedEnd) {
      this.armTimer(state, batch);
      return;
    }
    await this.store(state);
  }

  private add(batch: PartitionBatch, record: RecordRows): void {
    batch.last = record.source.offset;
    batch.records += 1;
    batch.sources.set(record.source.offset, record.source);
    if (record.receivedMs !== undefined) batch.receivedMs.push(record.receivedMs);
    for (const [table, rows] of Object.entries(record.rows) as [
      OtelTableName,
      typeof record.rows.otel_logs,
    ][]) {
      if (!rows || rows.length === 0) continue;
      const { encode } = this.encoder(table);
      let buffer = batch.tables.get(table);
      if (!buffer) batch.tables.set(table, (buffer = new TableBuffer()));
      const start = buffer.out.length;
      for (const row of rows) encode(buffer.out, row);
      buffer.segments.push({
        offset: record.source.offset,
        start,
        end: buffer.out.length,
        rows: rows.length,
      });
      buffer.rows += rows.length;
      batch.bytes += buffer.out.length - start;
      batch.rows += rows.length;
      batch.largestTable = Math.max(batch.largestTable, buffer.rows);
      this.metrics.bufferedRows.inc(rows.length);
    }
  }

  private isFull(batch: PartitionBatch): boolean {
    if (batch.recordedEnd !== undefined) return batch.last >= batch.recordedEnd;
    const { maxRows, maxBytes } = this.config.batch;
    return batch.largestTable >= maxRows || batch.bytes >= maxBytes;
  }

  private encoder(table: OtelTableName): { columns: string[]; encode: RowEncoder } {
    let entry = this.encoders.get(table);
    if (!entry) {
      const columns = this.dialect.columns(OTEL_TABLES[table]);
      entry = {
        columns: columns.map((c) => c.name),
        encode: rowEncoder(this.config.format, columns),
      };
      this.encoders.set(table, entry);
    }
    return entry;
  }

  private discard(state: PartitionState): void {
    const batch = state.batch;
    if (!batch) return;
    clearTimeout(batch.timer);
    this.metrics.bufferedRows.dec(batch.rows);
    state.batch = undefined;
  }

  /** Inserts the partition's batch, then commits past it. */
  private async store(state: PartitionState): Promise<void> {
    const batch = state.batch;
    if (!batch) return;
    clearTimeout(batch.timer);
    const { topic, partition } = state;
    try {
      if (this.dialect.deduplicatesInserts && batch.recordedEnd === undefined) {
        await this.retrying('record batch end', () =>
          this.committer.commit(topic, partition, batch.first, batch.last),
        );
      }
      await Promise.all(
        [...batch.tables].map(([table, buffer]) => this.storeTable(state, batch, table, buffer)),
      );
      await this.commitPast(state, batch);
      this.counters.sent += batch.records - batch.deadLettered;
      this.metrics.batches.inc();
    } catch (err) {
      // Only shutdown or a rebalance get here; nothing past the last commit is lost.
      this.log.warn(
        { err, topic, partition, first: batch.first },
        'batch not stored; partition will be re-read',
      );
      state.staleAfter = batch.last;
      if (!this.stopping) this.seekQuietly(state, batch.first);
    } finally {
      this.discard(state);
    }
  }

  private async commitPast(state: PartitionState, batch: PartitionBatch): Promise<void> {
    try {
      await this.committer.commit(state.topic, state.partition, batch.last + 1);
    } catch (err) {
      // The rows are stored; the next commit covers them, or a new owner replays them.
      this.log.warn(
        { err, topic: state.topic, partition: state.partition },
        'offset commit failed',
      );
    }
    const now = Date.now();
    for (const received of batch.receivedMs) {
      this.metrics.freshnessSeconds.observe(Math.max(0, now - received) / 1000);
    }
  }

  private seekQuietly(state: PartitionState, offset: number): void {
    try {
      this.committer.seek(state.topic, state.partition, offset);
    } catch (err) {
      this.log.debug({ err }, 'seek after failed batch not possible (partition revoked)');
    }
  }

  /** Inserts one table's rows of a batch; rejected rows are narrowed down to their records. */
  private storeTable(
    state: PartitionState,
    batch: PartitionBatch,
    table: OtelTableName,
    buffer: TableBuffer,
  ): Promise<void> {
    const token = `${state.topic}:${state.partition}:${batch.first}-${batch.last}`;
    const part = { state, batch, table, buffer };
    return this.insertSegments(part, 0, buffer.segments.length - 1, token);
  }

  private async insertSegments(
    part: {
      state: PartitionState;
      batch: PartitionBatch;
      table: OtelTableName;
      buffer: TableBuffer;
    },
    from: number,
    to: number,
    token: string,
  ): Promise<void> {
    const { state, batch, table, buffer } = part;
    const segments = buffer.segments.slice(from, to + 1);
    const rows = segments.reduce((n, s) => n + s.rows, 0);
    const body = buffer.out.bytes(segments[0]!.start, segments[segments.length - 1]!.end);
    try {
      await this.retrying(
        `insert into ${table}`,
        () => this.insert(table, body, rows, token),
        table,
      );
    } catch (err) {
      const error = asTelepipeError(err);
      if (error.reason !== 'invalid_argument') throw error;
      this.metrics.inserts.inc({ table, outcome: 'rejected' });
      if (from === to) {
        await this.deadLetter(batch, segments[0]!.offset, error);
        return;
      }
      // Halve until the records at fault are found; the rest is stored.
      const mid = Math.floor((from + to) / 2);
      const partToken = (a: number, b: number): string =>
        `${state.topic}:${state.partition}:${buffer.segments[a]!.offset}-${buffer.segments[b]!.offset}:part`;
      await this.insertSegments(part, from, mid, partToken(from, mid));
      await this.insertSegments(part, mid + 1, to, partToken(mid + 1, to));
    }
  }

  private async insert(
    table: OtelTableName,
    body: Uint8Array,
    rows: number,
    token: string,
  ): Promise<void> {
    const started = performance.now();
    await this.target.insert({
      database: this.config.database,
      table,
      columns: this.encoder(table).columns,
      format: this.config.format,
      body,
      settings: this.dialect.insertSettings(token),
    });
    this.metrics.insertSeconds.observe({ table }, (performance.now() - started) / 1000);
    this.metrics.inserts.inc({ table, outcome: 'ok' });
    this.metrics.rowsInserted.inc({ table }, rows);
  }

  private async deadLetter(batch: PartitionBatch, offset: number, error: unknown): Promise<void> {
    const source = batch.sources.get(offset);
    if (!source) return;
    batch.sources.delete(offset); // a record with rows rejected in two tables goes once
    await this.retrying('dead-letter', () => this.deadLetters.send([{ source, error }]));
    batch.deadLettered += 1;
    this.counters.dropped += 1;
  }

  /** Retries while the failure is not the data's fault; waits with a capped doubling backoff. */
  private async retrying<T>(
    what: string,
    attempt: () => Promise<T>,
    table?: OtelTableName,
  ): Promise<T> {
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        const error = asTelepipeError(err);
        if (error.reason === 'invalid_argument' || this.stopping) throw error;
        const delay = Math.min(
          this.config.retry.maxMs,
          this.config.retry.initialMs * 2 ** Math.min(n, 20),
        );
        if (n % 10 === 0) {
          const level = error.reason === 'schema' ? 'error' : 'warn';
          this.log[level](
            { err: error, attempt: n + 1, retryInMs: delay },
            `${what} failed; retrying`,
          );
        }
        if (table) this.metrics.inserts.inc({ table, outcome: 'retried' });
        await sleep(delay);
        await this.committer.heartbeat();
      }
    }
  }
}
