// Batching for the ClickHouse writer: the rows of consecutive records of one stream,
// encoded as they arrive into one buffer per table. Each record's rows are one contiguous
// byte range (a segment) of its table's buffer, so a rejected insert can be narrowed down
// to records (bisect.ts) without encoding again.
import type { RowEncoder } from '../../lib/clickhouse/formats.ts';
import { RowBinaryWriter } from '../../lib/clickhouse/rowbinary.ts';
import type { OtelTableName } from '../../lib/clickhouse/tables.ts';
import type { RecordRows } from './acknowledgements.ts';

export interface BatchLimits {
  maxRows: number;
  maxBytes: number;
  maxAgeMs: number;
}

/** One record's rows in a table buffer. */
export interface Segment {
  position: number;
  start: number;
  end: number;
  rows: number;
}

export class TableBuffer {
  readonly out = new RowBinaryWriter();
  rows = 0;
  readonly segments: Segment[] = [];

  /** The encoded rows of segments `from`..`to` (indexes), for one INSERT body. */
  body(from: number, to: number): Uint8Array {
    return this.out.bytes(this.segments[from]!.start, this.segments[to]!.end);
  }

  rowsOf(from: number, to: number): number {
    return this.segments.slice(from, to + 1).reduce((n, s) => n + s.rows, 0);
  }
}

export class RowBatch {
  readonly tables = new Map<OtelTableName, TableBuffer>();
  readonly receivedMs: number[] = [];
  last: number;
  records = 0;
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

  /** Encodes the record's rows; returns how many rows it added. */
  add(record: RecordRows, encoderFor: (table: OtelTableName) => RowEncoder): number {
    this.last = record.position;
    this.records += 1;
    if (record.receivedMs !== undefined) this.receivedMs.push(record.receivedMs);
    let added = 0;
    for (const [table, rows] of Object.entries(record.rows) as [
      OtelTableName,
      typeof record.rows.otel_logs,
    ][]) {
      if (!rows || rows.length === 0) continue;
      const encode = encoderFor(table);
      let buffer = this.tables.get(table);
      if (!buffer) this.tables.set(table, (buffer = new TableBuffer()));
      const start = buffer.out.length;
      for (const row of rows) encode(buffer.out, row);
      const end = buffer.out.length;
      buffer.segments.push({ position: record.position, start, end, rows: rows.length });
      buffer.rows += rows.length;
      this.bytes += end - start;
      this.rows += rows.length;
      this.largestTable = Math.max(this.largestTable, buffer.rows);
      added += rows.length;
    }
    return added;
  }

  /** A replayed batch is full where the crashed one ended; a new one at the limits. */
  isFull(limits: BatchLimits): boolean {
    if (this.recordedEnd !== undefined) return this.last >= this.recordedEnd;
    return this.largestTable >= limits.maxRows || this.bytes >= limits.maxBytes;
  }

  /** A replayed batch must end where the crashed one did, or its token would not match. */
  waitsForReplayEnd(): boolean {
    return this.recordedEnd !== undefined && this.last < this.recordedEnd;
  }
}
