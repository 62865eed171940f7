// The one place that builds @clickhouse/client instances and classifies their errors, shared
// by the processor, the migrations and the anomaly worker. Errors are classified here,
// where they arise: bad rows are permanent (`invalid_argument`, dead-lettered by the
// caller), a missing table or database is `schema` (run `telepipe migrate`), everything
// else (network, overload, auth, unknown) is retryable so no data is dropped by mistake.
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import {
  createClient,
  type ClickHouseClient,
  type ClickHouseSettings,
  ClickHouseError,
  ClickHouseLogLevel,
} from '@clickhouse/client';
import type { Config } from '../config/index.ts';
import { TelepipeError, type ErrorReason } from '../errors.ts';
import { Dialect, dialectForVersion, quoteIdentifier } from './dialect.ts';
import type { InsertFormat } from './formats.ts';

export type { ClickHouseClient, ClickHouseSettings };
export type ClickHouseConfig = Config['clickhouse'];

export function createClickHouseClient(
  config: ClickHouseConfig,
  options: { maxOpenConnections?: number } = {},
): ClickHouseClient {
  return createClient({
    url: config.url,
    username: config.username,
    password: config.password,
    request_timeout: config.requestTimeoutMs,
    max_open_connections: options.maxOpenConnections ?? 16,
    // Statements name their database explicitly; the connection default must exist on any server.
    database: 'default',
    // Failures are classified and logged by the callers, once, with context.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

export async function serverVersion(client: ClickHouseClient): Promise<string> {
  try {
    const result = await client.query({ query: 'SELECT version()', format: 'TabSeparated' });
    return (await result.text()).trim();
  } catch (err) {
    throw classifyClickHouseError(err, 'SELECT version()');
  }
}

/** The dialect of the server, from `SELECT version()`. */
export async function detectDialect(client: ClickHouseClient): Promise<Dialect> {
  return new Dialect(dialectForVersion(await serverVersion(client)));
}

/** True when the server answers a query; for readiness checks. */
export async function clickhouseReachable(client: ClickHouseClient): Promise<boolean> {
  try {
    const result = await client.ping();
    return result.success;
  } catch {
    return false;
  }
}

/** Runs a statement; errors come back classified. */
export async function runStatement(client: ClickHouseClient, query: string): Promise<void> {
  try {
    await client.command({ query });
  } catch (err) {
    throw classifyClickHouseError(err, firstLine(query));
  }
}

/** Rows of a SELECT as objects (JSONEachRow). */
export async function selectRows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  try {
    const result = await client.query({ query, format: 'JSONEachRow' });
    return await result.json<T>();
  } catch (err) {
    throw classifyClickHouseError(err, firstLine(query));
  }
}

export interface EncodedInsert {
  database: string;
  table: string;
  /** Physical column names in the order the body encodes them. */
  columns: string[];
  format: InsertFormat;
  body: Uint8Array;
  settings?: ClickHouseSettings;
}

/** One INSERT of an already encoded body; resolves when the server has stored it. */
export async function insertEncoded(
  client: ClickHouseClient,
  insert: EncodedInsert,
): Promise<void> {
  const columns = insert.columns.map(quoteIdentifier).join(', ');
  const query = `INSERT INTO ${insert.database}.${insert.table} (${columns}) FORMAT ${insert.format}`;
  try {
    const result = await client.exec({
      query,
      values: Readable.from([
        Buffer.from(insert.body.buffer, insert.body.byteOffset, insert.body.byteLength),
      ]),
      clickhouse_settings: insert.settings ?? {},
    });
    await text(result.stream); // the response is empty; reading it frees the socket
  } catch (err) {
    throw classifyClickHouseError(err, `INSERT INTO ${insert.database}.${insert.table}`);
  }
}

// ---- error classification ----

/** Server error codes caused by the rows themselves (parse, type, range, constraint). */
const DATA_ERROR_CODES = new Set([
  6, 25, 26, 27, 32, 33, 36, 38, 41, 43, 53, 69, 70, 72, 117, 128, 131, 190, 321, 395, 469,
]);
/** Codes that mean the schema is missing or differs from what telepipe writes. */
const SCHEMA_ERROR_CODES = new Set([10, 16, 47, 60, 81]);

export function classifyClickHouseError(err: unknown, what: string): TelepipeError {
  if (err instanceof TelepipeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const reason = errorReason(err, message);
  const hint = reason === 'schema' ? ' (run `telepipe migrate`)' : '';
  return new TelepipeError(reason, `ClickHouse ${what}: ${message}${hint}`, { cause: err });
}

function errorReason(err: unknown, message: string): ErrorReason {
  const code = serverErrorCode(err, message);
  if (code === undefined) return 'unavailable'; // network, timeout, socket
  if (SCHEMA_ERROR_CODES.has(code)) return 'schema';
  if (DATA_ERROR_CODES.has(code)) return 'invalid_argument';
  if (/too many partitions for single insert block/i.test(message)) return 'invalid_argument';
  return 'unavailable';
}

/**
 * The server's error code. The client parses only the current error format; 18.16 says
 * `Code: 395, e.displayText() = ...`, which arrives as a plain Error, so read the text too.
 */
function serverErrorCode(err: unknown, message: string): number | undefined {
  if (err instanceof ClickHouseError && /^\d+$/.test(err.code)) return Number(err.code);
  const match = /^Code: (\d+)[.,]/.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** The server's error code of a (classified) ClickHouse error; undefined for network errors. */
export function clickhouseErrorCode(err: unknown): number | undefined {
  const original = err instanceof TelepipeError ? err.cause : err;
  const message = original instanceof Error ? original.message : String(original);
  return serverErrorCode(original, message);
}

function firstLine(query: string): string {
  const line = query.trim().split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
