// Insert with deduplication: one INSERT of encoded rows into one table, retried with a
// capped doubling backoff while the failure is not the data's fault. On servers that
// deduplicate inserts (dialect.insertSettings) each INSERT carries a token naming the
// stream and record range, so a replay of the same batch is dropped by the server.
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
import { requireCurrentSchema } from '../../lib/clickhouse/migrate.ts';
import { OTEL_TABLES, type OtelTableName } from '../../lib/clickhouse/tables.ts';
import { asTelepipeError } from '../../lib/errors.ts';
import type { ProcessorMetrics } from './metrics.ts';

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

export interface TableInserterConfig {
  database: string;
  format: InsertFormat;
  retry: { initialMs: number; maxMs: number };
}

/** One table's INSERT: rows, their body and the deduplication token. */
export interface TableInsert {
  table: OtelTableName;
  body: Uint8Array;
  rows: number;
  token: string;
}

export class TableInserter {
  private readonly encoders = new Map<OtelTableName, { columns: string[]; encode: RowEncoder }>();

  constructor(
    private readonly config: TableInserterConfig,
    private readonly target: InsertTarget,
    private readonly metrics: ProcessorMetrics,
    private readonly log: Logger,
  ) {}

  get dialect(): Dialect {
    return this.target.dialect;
  }

  encoder(table: OtelTableName): RowEncoder {
    return this.encoderEntry(table).encode;
  }

  /**
   * Inserts, retrying while the failure is not the data's fault; `keepAlive` runs between
   * attempts (it throws once the records are no longer ours), `stopping` ends the retries.
   */
  async insert(
    insert: TableInsert,
    hooks: { keepAlive: () => Promise<void>; stopping: () => boolean },
  ): Promise<void> {
    const { table } = insert;
    for (let n = 0; ; n++) {
      try {
        return await this.insertOnce(insert);
      } catch (err) {
        const error = asTelepipeError(err);
        if (error.reason === 'invalid_argument' || hooks.stopping()) throw error;
        const delay = Math.min(
          this.config.retry.maxMs,
          this.config.retry.initialMs * 2 ** Math.min(n, 20),
        );
        if (n % 10 === 0) {
          const level = error.reason === 'schema' ? 'error' : 'warn';
          this.log[level](
            { err: error, attempt: n + 1, retryInMs: delay },
            `insert into ${table} failed; retrying`,
          );
        }
        this.metrics.inserts.inc({ table, outcome: 'retried' });
        await sleep(delay);
        await hooks.keepAlive();
      }
    }
  }

  private async insertOnce({ table, body, rows, token }: TableInsert): Promise<void> {
    const started = performance.now();
    await this.target.insert({
      database: this.config.database,
      table,
      columns: this.encoderEntry(table).columns,
      format: this.config.format,
      body,
      settings: this.dialect.insertSettings(token),
    });
    this.metrics.insertSeconds.observe({ table }, (performance.now() - started) / 1000);
    this.metrics.inserts.inc({ table, outcome: 'ok' });
    this.metrics.rowsInserted.inc({ table }, rows);
  }

  private encoderEntry(table: OtelTableName): { columns: string[]; encode: RowEncoder } {
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
}
