// Bad-row bisection: when ClickHouse rejects a table's rows as invalid, the batch is halved
// until the records at fault are found; those are reported rejected, the rest is stored.
import { asTelepipeError } from '../../lib/errors.ts';
import type { OtelTableName } from '../../lib/clickhouse/tables.ts';
import type { TableInsert } from './insert.ts';
import type { TableBuffer } from './row-batch.ts';

export interface BisectionSteps {
  /** Inserts (with retries); rejects with an `invalid_argument` error when the rows are bad. */
  insert(insert: TableInsert): Promise<void>;
  /** Called once per rejected INSERT, for the metrics. */
  onRejectedInsert(table: OtelTableName): void;
  /** The record at `position` holds rows ClickHouse will never take. */
  reject(position: number, error: unknown): Promise<void>;
}

/**
 * Inserts segments `from`..`to` of a table's buffer under `token`; a rejected part gets
 * its own token (`…:part`), so a replay repeats exactly the same inserts.
 */
export async function insertBisecting(
  table: OtelTableName,
  buffer: TableBuffer,
  range: { from: number; to: number; token: string; stream: string },
  steps: BisectionSteps,
): Promise<void> {
  const { from, to, token, stream } = range;
  try {
    await steps.insert({
      table,
      body: buffer.body(from, to),
      rows: buffer.rowsOf(from, to),
      token,
    });
  } catch (err) {
    const error = asTelepipeError(err);
    if (error.reason !== 'invalid_argument') throw error;
    steps.onRejectedInsert(table);
    if (from === to) {
      await steps.reject(buffer.segments[from]!.position, error);
      return;
    }
    const mid = Math.floor((from + to) / 2);
    const part = (a: number, b: number) => ({
      from: a,
      to: b,
      stream,
      token: `${stream}:${buffer.segments[a]!.position}-${buffer.segments[b]!.position}:part`,
    });
    await insertBisecting(table, buffer, part(from, mid), steps);
    await insertBisecting(table, buffer, part(mid + 1, to), steps);
  }
}
