// The chDB HTTP adapter (test/support/chdb-http) as the product sees it: the repo's
// @clickhouse/client, the migrations and the processor's ClickHouseWriter against a
// current ClickHouse engine. RowBinary batches with dedup tokens, reads in JSON,
// JSONEachRow, TabSeparated and RowBinary, the X-ClickHouse-* headers, and server errors
// that come out as ClickHouseError with the engine's code.
import { arrayBuffer } from 'node:stream/consumers';
import {
  ClickHouseError,
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClient,
} from '@clickhouse/client';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyClickHouseError,
  clickhouseReachable,
  createClickHouseClient,
  detectDialect,
  insertEncoded,
  selectRows,
  serverVersion,
  type ClickHouseConfig,
} from '../../../lib/clickhouse/client.ts';
import { Dialect } from '../../../lib/clickhouse/dialect.ts';
import { encodeRows } from '../../../lib/clickhouse/formats.ts';
import { loadConfig } from '../../../lib/config/index.ts';
import { TelepipeError } from '../../../lib/errors.ts';
import { migrate, requireCurrentSchema } from '../../../lib/clickhouse/migrate.ts';
import { LATEST_SCHEMA_VERSION } from '../../../lib/clickhouse/migrations/index.ts';
import { OTEL_TABLES } from '../../../lib/clickhouse/tables.ts';
import type { RecordRows, RowsBatch } from '../../../services/processor/acknowledgements.ts';
import { ClickHouseWriter } from '../../../services/processor/clickhouse-writer.ts';
import { connectClickHouse } from '../../../services/processor/insert.ts';
import { PartitionFinalizer } from '../../../services/processor/kafka-finalizer.ts';
import { createProcessorMetrics } from '../../../services/processor/metrics.ts';
import type { OffsetCommitter } from '../../../services/processor/offsets.ts';
import { buildRows } from '../../../services/processor/rows/index.ts';
import { startChdbServer, type ChdbServer } from '../../support/chdb-server.ts';
import { baseTimeNs, logsRequest, metricsRequest } from '../../support/clickhouseFixtures.ts';

// Recent: rows past the tables' retention TTL would be dropped.
const T0 = baseTimeNs();
const TOPIC = 'telepipe.logs';

let server: ChdbServer;
let config: ClickHouseConfig;
let client: ClickHouseClient;

beforeAll(async () => {
  server = await startChdbServer();
  config = { ...loadConfig({ env: {} }).clickhouse, url: server.url, database: 'telepipe' };
  client = createClickHouseClient(config);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

/** Rows per table in the test database. */
async function counts(): Promise<Record<string, number>> {
  const rows = await selectRows<{ t: string; n: number }>(
    client,
    Object.keys(OTEL_TABLES)
      .map((t) => `SELECT '${t}' AS t, count() AS n FROM telepipe.${t}`)
      .join(' UNION ALL '),
  );
  return Object.fromEntries(rows.filter((r) => Number(r.n) > 0).map((r) => [r.t, Number(r.n)]));
}

function logRecord(offset: number): RecordRows {
  const request = logsRequest({
    service: 'checkout',
    t0: T0,
    count: 3,
    marker: `m${offset}`,
    body: (i) => `body ${offset}.${i}`,
  });
  return {
    position: offset,
    rows: buildRows('logs', request, { tenantId: 'acme' }),
    receivedMs: Date.now(),
  };
}

function metricRecord(offset: number): RecordRows {
  return {
    position: offset,
    rows: buildRows('metrics', metricsRequest({ service: 'checkout', t0: T0, goroutines: 7 }), {
      tenantId: 'acme',
    }),
    receivedMs: undefined,
  };
}

/**
 * The processor's writer with RowBinary batches into the adapter, acknowledging to the
 * Kafka receiver's partition finalizers. `recordedEnd` is what the offset committer returns
 * for a batch starting at an offset: the end recorded before a crash.
 */
function writer(recordedEnd: Map<string, number>): {
  writer: ClickHouseWriter;
  batch: (partition: number, records: RecordRows[]) => RowsBatch;
} {
  const committer: OffsetCommitter = {
    commit: (_topic, partition, offset, batchEnd) => {
      if (batchEnd !== undefined) recordedEnd.set(`${partition}@${offset}`, batchEnd);
      return Promise.resolve();
    },
    recordedBatchEnd: (_topic, partition, offset) =>
      Promise.resolve(recordedEnd.get(`${partition}@${offset}`)),
    seek: () => undefined,
    heartbeat: () => Promise.resolve(),
  };
  const log = pino({ level: 'silent' });
  const finalizers = [0, 1].map(
    (partition) =>
      new PartitionFinalizer(TOPIC, partition, {
        offsets: committer,
        deadLetters: { send: () => Promise.reject(new Error('no row may be dead-lettered here')) },
        retry: { initialMs: 10, maxMs: 50 },
        stopping: () => false,
        log,
      }),
  );
  const batch = (partition: number, records: RecordRows[]): RowsBatch => {
    const finalizer = finalizers[partition]!;
    finalizer.track(
      records.map((r) => ({ offset: r.position, key: null, value: Buffer.alloc(0), headers: {} })),
    );
    return { records, finalizer };
  };
  const clickhouseWriter = new ClickHouseWriter(
    {
      database: config.database,
      format: 'RowBinary',
      batch: { maxRows: 100_000, maxBytes: 1 << 26, maxAgeMs: 60_000 },
      retry: { initialMs: 10, maxMs: 50 },
    },
    () => connectClickHouse(config, 4),
    createProcessorMetrics(new Registry()),
    log,
  );
  return { writer: clickhouseWriter, batch };
}

describe('@clickhouse/client against the chDB HTTP adapter', () => {
  it('answers ping, version and dialect as a current server', async () => {
    expect(await clickhouseReachable(client)).toBe(true);
    expect(await serverVersion(client)).toBe(server.version); // TabSeparated
    expect(Number(server.version.split('.')[0])).toBeGreaterThanOrEqual(25);
    expect((await detectDialect(client)).name).toBe('modern');
  });

  it('creates the schema with the modern migrations, and a second run applies nothing', async () => {
    const first = await migrate(client, config);
    expect(first).toMatchObject({ dialect: 'modern', version: LATEST_SCHEMA_VERSION });
    expect(first.applied.length).toBeGreaterThan(0);
    expect((await migrate(client, config)).applied).toEqual([]);
    expect((await requireCurrentSchema(client, config.database)).name).toBe('modern');
    const tables = await selectRows<{ name: string }>(
      client,
      "SELECT name FROM system.tables WHERE database = 'telepipe'",
    );
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(Object.keys(OTEL_TABLES)));
  });

  it('stores RowBinary batches through the ClickHouseWriter, one row per row built', async () => {
    const { writer: w, batch } = writer(new Map());
    await w.start();
    await w.consume(batch(0, [logRecord(0), logRecord(1)]));
    await w.consume(batch(1, [metricRecord(0)]));
    await w.shutdown(); // stores what is pending
    expect(await counts()).toEqual({
      otel_logs: 6,
      otel_metrics_gauge: 1,
      otel_metrics_sum: 2,
      otel_metrics_histogram: 4,
      otel_metrics_exponential_histogram: 1,
      otel_metrics_summary: 1,
    });
    const [log] = await selectRows<Record<string, unknown>>(
      client,
      "SELECT * FROM telepipe.otel_logs WHERE Body = 'body 1.2'",
    );
    expect(log).toMatchObject({
      ServiceName: 'checkout',
      TenantId: 'acme',
      Body: 'body 1.2',
      Timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}$/),
    });
  });

  it('drops a replayed batch: the writer repeats the recorded batch and its token', async () => {
    const before = await counts();
    const recorded = new Map<string, number>();
    const first = writer(recorded);
    await first.writer.start();
    await first.writer.consume(first.batch(0, [logRecord(10), logRecord(11)]));
    await first.writer.shutdown();
    expect(recorded.get('0@10')).toBe(11);
    // A new writer after a crash re-reads from offset 10 and cuts the same batch.
    const replay = writer(recorded);
    await replay.writer.start();
    await replay.writer.consume(replay.batch(0, [logRecord(10), logRecord(11)]));
    await replay.writer.shutdown();
    expect((await counts()).otel_logs).toBe(before.otel_logs! + 6);
  });

  it('deduplicates by insert_deduplication_token where the table engine does, and only there', async () => {
    const columns = [{ name: 'n', type: 'UInt32' }];
    const body = Buffer.from([1, 0, 0, 0, 2, 0, 0, 0]); // two UInt32 rows in RowBinary
    await client.command({
      query:
        'CREATE TABLE telepipe.windowed (n UInt32) ENGINE = MergeTree ORDER BY n ' +
        'SETTINGS non_replicated_deduplication_window = 100',
    });
    // A plain MergeTree keeps no insert hashes: a server stores every copy.
    await client.command({
      query: 'CREATE TABLE telepipe.plain (n UInt32) ENGINE = MergeTree ORDER BY n',
    });
    const insert = (table: string, token: string) =>
      insertEncoded(client, {
        database: 'telepipe',
        table,
        columns: columns.map((c) => c.name),
        format: 'RowBinary',
        body,
        settings: {
          insert_deduplicate: 1,
          insert_deduplication_token: token,
          // Accepted as a server accepts them (see docs/storage.md for async_insert).
          async_insert: 1,
          wait_for_async_insert: 1,
          wait_end_of_query: 1,
        },
      });
    for (const table of ['windowed', 'plain']) {
      await insert(table, 'a');
      await insert(table, 'a');
      await insert(table, 'b');
    }
    const rows = await selectRows<{ w: number; p: number }>(
      client,
      'SELECT (SELECT count() FROM telepipe.windowed) AS w, (SELECT count() FROM telepipe.plain) AS p',
    );
    expect(rows).toEqual([{ w: 4, p: 6 }]);
    // Settings apply to their request only, as on a server without sessions.
    const [after] = await selectRows<{ token: string }>(
      client,
      "SELECT getSetting('insert_deduplication_token') AS token",
    );
    expect(after!.token).toBe('');
  });

  it('reads back in JSON, JSONEachRow, TabSeparated and RowBinary', async () => {
    const query = 'SELECT toUInt32(7) AS n, toString(n) AS s';
    const json = await client.query({ query, format: 'JSON' });
    expect(await json.json()).toMatchObject({
      meta: [
        { name: 'n', type: 'UInt32' },
        { name: 's', type: 'String' },
      ],
      data: [{ n: 7, s: '7' }],
      rows: 1,
    });
    expect(await (await client.query({ query, format: 'JSONEachRow' })).json()).toEqual([
      { n: 7, s: '7' },
    ]);
    expect(await (await client.query({ query, format: 'TabSeparated' })).text()).toBe('7\t7\n');
    const binary = await client.exec({ query: `${query} FORMAT RowBinary` });
    const bytes = Buffer.from(await arrayBuffer(binary.stream));
    expect([...bytes]).toEqual([7, 0, 0, 0, 1, 0x37]);
  });

  it('takes JSONEachRow inserts as encoded by the product', async () => {
    const spec = OTEL_TABLES.otel_logs;
    const columns = new Dialect('modern').columns(spec);
    const rows = logRecord(50).rows.otel_logs!;
    await insertEncoded(client, {
      database: 'telepipe',
      table: spec.name,
      columns: columns.map((c) => c.name),
      format: 'JSONEachRow',
      body: encodeRows('JSONEachRow', columns, rows),
    });
    const found = await selectRows<{ n: number }>(
      client,
      "SELECT count() AS n FROM telepipe.otel_logs WHERE startsWith(Body, 'body 50.')",
    );
    expect(found).toEqual([{ n: 3 }]);
  });

  it('takes gzip-compressed requests, compresses answers on request, a default database and query parameters', async () => {
    const gzipClient = createClient({
      url: server.url,
      database: 'telepipe',
      compression: { request: true, response: true },
      log: { level: ClickHouseLogLevel.OFF },
    });
    try {
      await gzipClient.insert({
        table: 'plain',
        values: [{ n: 77 }],
        format: 'JSONEachRow',
      });
      const result = await gzipClient.query({
        query: 'SELECT count() AS c FROM plain WHERE n = {n:UInt32}',
        query_params: { n: 77 },
        format: 'JSONEachRow',
      });
      expect(result.response_headers['content-encoding']).toBe('gzip');
      expect(await result.json()).toEqual([{ c: 1 }]);
    } finally {
      await gzipClient.close();
    }
  });

  it('sends the X-ClickHouse headers the client reads', async () => {
    const result = await client.query({
      query: 'SELECT number FROM system.numbers LIMIT 3',
      format: 'JSONEachRow',
      query_id: 'telepipe-test-query',
    });
    expect(result.query_id).toBe('telepipe-test-query');
    expect(result.response_headers).toMatchObject({
      'x-clickhouse-query-id': 'telepipe-test-query',
      'x-clickhouse-format': 'JSONEachRow',
      'x-clickhouse-timezone': expect.any(String),
    });
    await result.text();
    const inserted = await client.insert({
      table: 'telepipe.plain',
      values: [{ n: 9 }, { n: 10 }],
      format: 'JSONEachRow',
    });
    expect(inserted.summary).toMatchObject({ written_rows: '2' });
  });

  it('reports server errors with the engine code, so the client raises ClickHouseError', async () => {
    const error = async (run: () => Promise<unknown>): Promise<ClickHouseError> => {
      const err: unknown = await run().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ClickHouseError);
      return err as ClickHouseError;
    };
    expect(await error(() => client.command({ query: 'selec 1' }))).toMatchObject({
      code: '62',
      type: 'SYNTAX_ERROR',
    });
    const missing = await error(() => client.query({ query: 'SELECT * FROM telepipe.nope' }));
    expect(missing).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
    expect(classifyClickHouseError(missing, 'select').reason).toBe('schema');
    expect(
      await error(() =>
        client.query({
          query: 'SELECT 1',
          clickhouse_settings: { no_such_setting: 1 },
        }),
      ),
    ).toMatchObject({ code: '115', type: 'UNKNOWN_SETTING' });
    // Rows the server cannot read are the data's fault: the writer dead-letters them.
    const truncated: unknown = await insertEncoded(client, {
      database: 'telepipe',
      table: 'plain',
      columns: ['n'],
      format: 'RowBinary',
      body: Buffer.from([1, 0, 0]),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(truncated).toBeInstanceOf(TelepipeError);
    expect((truncated as TelepipeError).reason).toBe('invalid_argument');
    expect(((truncated as TelepipeError).cause as ClickHouseError).code).toBe('33');
    // A block the engine fails on after parsing it (a DEFAULT that throws) is an error and
    // stores nothing, as on a server; chDB's streaming insert reported it as written.
    await client.command({
      query:
        'CREATE TABLE telepipe.guarded (n UInt32, g UInt8 DEFAULT throwIf(n = 2)) ' +
        'ENGINE = MergeTree ORDER BY n',
    });
    const thrown: unknown = await insertEncoded(client, {
      database: 'telepipe',
      table: 'guarded',
      columns: ['n'],
      format: 'RowBinary',
      body: Buffer.from([1, 0, 0, 0, 2, 0, 0, 0]),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((thrown as TelepipeError).reason).toBe('invalid_argument');
    expect(((thrown as TelepipeError).cause as ClickHouseError).code).toBe('395');
    expect(await selectRows(client, 'SELECT count() AS n FROM telepipe.guarded')).toEqual([
      { n: 0 },
    ]);
  });

  it('keeps the data on disk across a restart and a crash of the adapter, on the same port', async () => {
    const before = await counts();
    await server.restart();
    expect(await counts()).toEqual(before); // the client reconnects to the same URL
    await server.restart({ kill: true });
    expect(await counts()).toEqual(before);
  });
});
