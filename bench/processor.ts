// Processor benchmark (`npx tsx bench/processor.ts`), against the local stack:
//   1. insert formats: the same rows as JSONEachRow and RowBinary through @clickhouse/client;
//   2. Kafka → ClickHouse rows/s per signal, redaction off and on, with `processor.workers`
//      processes (BENCH_WORKERS, default: the machine's cores), from a backlog of
//      BENCH_BACKLOGS (3) copies of the workload, and per CPU-second of the processor and
//      its workers ("per core"). "of ceiling" is the rate from the start call (starting the
//      workers and joining the consumer group included) over the clickhouse-client rate;
//      "after start" leaves out the start, until every worker consumes;
//   3. freshness p50/p99 at a steady load: produced to Kafka → visible in a SELECT;
//   4. the ClickHouse ceiling: the same rows from a RowBinary file via clickhouse-client.
// Prints JSON, then a short table. BENCH_SCALE=0.2 makes a quick run.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { detectDialect, insertEncoded, type ClickHouseClient } from '../lib/clickhouse/client.ts';
import type { Dialect } from '../lib/clickhouse/dialect.ts';
import {
  encodeRows,
  INSERT_FORMATS,
  rowEncoder,
  type InsertFormat,
} from '../lib/clickhouse/formats.ts';
import { RowBinaryWriter } from '../lib/clickhouse/rowbinary.ts';
import type { Row } from '../lib/clickhouse/schema.ts';
import type { Config } from '../lib/config/index.ts';
import type { OutgoingRecord } from '../lib/kafka/client.ts';
import { decodeRequest } from '../lib/otlp/codec.ts';
import type { ExportRequestBySignal, Signal } from '../lib/otlp/types.ts';
import { OTEL_TABLES, type OtelTableName } from '../lib/clickhouse/tables.ts';
import { createProcessorService } from '../services/processor/main.ts';
import { buildRows } from '../services/processor/rows/index.ts';
import {
  count,
  createTopics,
  deleteTopics,
  dropTestDatabase,
  migrateTestDatabase,
  otlpRecord,
  produce,
  testClickHouse,
} from '../test/support/clickhouse.ts';
import {
  baseTimeNs,
  kv,
  logsRequest,
  SEC,
  tracesRequest,
} from '../test/support/clickhouseFixtures.ts';
import { testConfig, uniqueSuffix } from '../test/support/stack.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const RECORDS = Math.round(3000 * SCALE);
const ROWS_PER_RECORD = 100;
const WORKERS = Number(process.env.BENCH_WORKERS ?? availableParallelism());
/** Copies of the workload in the backlog of a throughput run. */
const BACKLOGS = Number(process.env.BENCH_BACKLOGS ?? 3);
/** BENCH_SIGNALS=logs,traces measures some signals only (for profiling one). */
const SIGNALS = (process.env.BENCH_SIGNALS ?? 'metrics,logs,traces').split(',') as Signal[];

// ---- workload: records of 100 rows each, per signal ----

function metricsRecord(t0: bigint, k: number): ExportRequestBySignal['metrics'] {
  const points = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      attributes: [kv('http.route', `/r${i % 10}`), kv('http.method', 'GET')],
      startTimeUnixNano: t0.toString(),
      timeUnixNano: (t0 + BigInt(i) * SEC).toString(),
      asDouble: i * 1.5,
      exemplars: [],
    }));
  const hist = Array.from({ length: 20 }, (_, i) => ({
    attributes: [kv('http.route', `/r${i % 10}`)],
    startTimeUnixNano: t0.toString(),
    timeUnixNano: (t0 + BigInt(i) * SEC).toString(),
    count: 100,
    sum: 12.5,
    bucketCounts: [0, 10, 50, 30, 5, 3, 1, 1, 0],
    explicitBounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    exemplars: [],
  }));
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            kv('service.name', `svc-${k % 20}`),
            kv('service.instance.id', `i-${k % 50}`),
          ],
        },
        scopeMetrics: [
          {
            scope: { name: 'runtime', version: '1', attributes: [] },
            metrics: [
              {
                name: 'go.memory.used',
                unit: 'By',
                metadata: [],
                gauge: { dataPoints: points(40) },
              },
              {
                name: 'go.goroutine.count',
                unit: '1',
                metadata: [],
                sum: { aggregationTemporality: 2, isMonotonic: false, dataPoints: points(40) },
              },
              {
                name: 'http.server.request.duration',
                unit: 's',
                metadata: [],
                histogram: { aggregationTemporality: 2, dataPoints: hist },
              },
            ],
          },
        ],
      },
    ],
  };
}

function tracesRecord(t0: bigint, k: number): ExportRequestBySignal['traces'] {
  const one = tracesRequest(`svc-${k % 20}`, t0, k.toString(16).padStart(32, '0'));
  const spans = one.resourceSpans[0]!.scopeSpans[0]!.spans;
  one.resourceSpans[0]!.scopeSpans[0]!.spans = Array.from({ length: ROWS_PER_RECORD }, (_, i) => ({
    ...spans[i % spans.length]!,
    spanId: Buffer.from((i + 1).toString(16).padStart(16, '0'), 'hex'),
  }));
  return one;
}

const WORKLOAD: Record<Signal, (t0: bigint, k: number) => ExportRequestBySignal[Signal]> = {
  metrics: metricsRecord,
  logs: (t0, k) =>
    logsRequest({ service: `svc-${k % 20}`, t0, count: ROWS_PER_RECORD, marker: `r${k}` }),
  traces: tracesRecord,
};

function records(config: Config, signal: Signal): OutgoingRecord[] {
  const t0 = baseTimeNs();
  return Array.from({ length: RECORDS }, (_, k) =>
    otlpRecord(config, signal, WORKLOAD[signal](t0, k)),
  );
}

function rowsOf(signal: Signal, recs: OutgoingRecord[]): Partial<Record<OtelTableName, Row[]>> {
  const all: Partial<Record<OtelTableName, Row[]>> = {};
  for (const r of recs) {
    const built = buildRows(signal, decodeRequest(signal, r.value), { tenantId: 'bench' });
    for (const [table, rows] of Object.entries(built) as [OtelTableName, Row[]][])
      (all[table] ??= []).push(...rows);
  }
  return all;
}

/** The processor's CPU path alone, in this process: decode → rows → RowBinary, rows/s. */
function cpuPath(dialect: Dialect, signal: Signal, recs: OutgoingRecord[]): number {
  const encoders = new Map<string, (w: RowBinaryWriter, row: Row) => void>();
  const out = new RowBinaryWriter();
  let rows = 0;
  const started = performance.now();
  for (const r of recs) {
    const built = buildRows(signal, decodeRequest(signal, r.value), { tenantId: 'bench' });
    for (const [table, list] of Object.entries(built) as [OtelTableName, Row[]][]) {
      let encode = encoders.get(table);
      if (!encode)
        encoders.set(
          table,
          (encode = rowEncoder('RowBinary', dialect.columns(OTEL_TABLES[table]))),
        );
      for (const row of list) encode(out, row);
      rows += list.length;
    }
    if (out.length > 64 * 1024 * 1024) out.reset();
  }
  return Math.round(rows / ((performance.now() - started) / 1000));
}

const totalRows = (byTable: Partial<Record<OtelTableName, Row[]>>) =>
  Object.values(byTable).reduce((n, rows) => n + (rows?.length ?? 0), 0);

async function countAll(ch: ClickHouseClient, db: string): Promise<number> {
  const sql = Object.keys(OTEL_TABLES)
    .map((t) => `SELECT count() AS n FROM ${db}.${t}`)
    .join(' UNION ALL ');
  return count(ch, `SELECT sum(n) AS n FROM (${sql})`);
}

async function truncateAll(ch: ClickHouseClient, db: string): Promise<void> {
  for (const t of Object.keys(OTEL_TABLES))
    await ch.command({ query: `TRUNCATE TABLE ${db}.${t}` });
}

// ---- 1 + 4: formats and the clickhouse-client ceiling ----

async function formatComparison(ch: ClickHouseClient, dialect: Dialect, db: string, rows: Row[]) {
  const columns = dialect.columns(OTEL_TABLES.otel_logs);
  const result: Record<
    string,
    { encodeMs: number; insertMs: number; rowsPerSec: number; bytes: number }
  > = {};
  for (const format of INSERT_FORMATS) {
    await truncateAll(ch, db);
    const started = performance.now();
    const body = encodeRows(format, columns, rows);
    const encoded = performance.now();
    await insertEncoded(ch, {
      database: db,
      table: 'otel_logs',
      columns: columns.map((c) => c.name),
      format,
      body,
    });
    const done = performance.now();
    result[format] = {
      encodeMs: Math.round(encoded - started),
      insertMs: Math.round(done - encoded),
      rowsPerSec: Math.round(rows.length / ((done - started) / 1000)),
      bytes: body.length,
    };
  }
  return result;
}

function clickhouseClientCeiling(
  dialect: Dialect,
  db: string,
  byTable: Partial<Record<OtelTableName, Row[]>>,
) {
  const dir = mkdtempSync(join(tmpdir(), 'telepipe-bench-'));
  try {
    let rows = 0;
    let ms = 0;
    for (const [table, list] of Object.entries(byTable) as [OtelTableName, Row[]][]) {
      const columns = dialect.columns(OTEL_TABLES[table]);
      const file = join(dir, `${table}.bin`);
      writeFileSync(file, encodeRows('RowBinary', columns, list));
      const names = columns.map((c) => `\`${c.name}\``).join(', ');
      const started = performance.now();
      const input = openSync(file, 'r');
      try {
        execFileSync(
          'clickhouse-client',
          ['--query', `INSERT INTO ${db}.${table} (${names}) FORMAT RowBinary`],
          {
            stdio: [input, 'ignore', 'pipe'],
          },
        );
      } finally {
        closeSync(input);
      }
      ms += performance.now() - started;
      rows += list.length;
    }
    return { rows, seconds: ms / 1000, rowsPerSec: Math.round(rows / (ms / 1000)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 2: Kafka → ClickHouse throughput per signal ----

function benchConfig(format: InsertFormat): Config {
  const config = testConfig();
  // Own names: test suites running beside the bench clean up `test_*` databases.
  const id = uniqueSuffix();
  config.clickhouse.database = `bench_${id}`;
  config.kafka.topics = {
    metrics: `bench_metrics_${id}`,
    logs: `bench_logs_${id}`,
    traces: `bench_spans_${id}`,
    deadLetter: `bench_dlq_${id}`,
  };
  config.kafka.partitions = 6;
  config.processor = {
    ...config.processor,
    adminAddress: '127.0.0.1:0',
    groupId: `bench_${uniqueSuffix()}`,
    insertFormat: format,
  };
  return config;
}

/** The processor redacts unless the config turns it off; the benchmark measures both. */
function withRedaction(config: Config, enabled: boolean): Config {
  return { ...config, redaction: { ...config.redaction, enabled } };
}

/**
 * CPU seconds of this process and of its children that have exited (the workers, once the
 * service is shut down): utime, stime, cutime and cstime of /proc/self/stat.
 */
function cpuSecondsWithChildren(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3, utime 14 … cstime 17 (man 5 proc).
  const ticks = [11, 12, 13, 14].reduce((n, i) => n + Number(fields[i]), 0);
  return ticks / 100; // USER_HZ
}

async function throughput(
  config: Config,
  ch: ClickHouseClient,
  signal: Signal,
  recs: OutgoingRecord[],
  rowsPerBacklog: number,
  redaction: boolean,
) {
  // Backlog first: measures the processor, not the producer. BACKLOGS copies of it, so
  // that starting (processes, connections, the broker's 3 s hold on a new consumer
  // group) weighs little beside the work.
  for (let i = 0; i < BACKLOGS; i++) await produce(config, recs);
  const expected = rowsPerBacklog * BACKLOGS;
  const db = config.clickhouse.database;
  const cpu0 = cpuSecondsWithChildren();
  const started = performance.now();
  const workers = { ...config, processor: { ...config.processor, workers: WORKERS } };
  const { service } = await createProcessorService(withRedaction(workers, redaction), {
    logger: pino({ level: 'warn' }),
  });
  const ready = performance.now();
  let stored = 0;
  while (stored < expected && performance.now() - started < 600_000) {
    await sleep(100);
    stored = await countAll(ch, db);
  }
  const done = performance.now();
  await service.shutdown();
  const cpuSeconds = cpuSecondsWithChildren() - cpu0;
  const seconds = (done - started) / 1000;
  return {
    signal,
    redaction: redaction ? 'on' : 'off',
    workers: WORKERS,
    rows: stored,
    seconds: round(seconds),
    rowsPerSec: Math.round(stored / seconds),
    // Until every worker is in the group and consuming; some may have stored rows by then.
    startSeconds: round((ready - started) / 1000),
    afterStartRowsPerSec: Math.round(stored / ((done - ready) / 1000)),
    cpuSeconds: round(cpuSeconds),
    rowsPerCpuSecond: Math.round(stored / cpuSeconds),
  };
}

// ---- 3: freshness at a steady load ----

async function freshness(
  config: Config,
  ch: ClickHouseClient,
  ratePerSec: number,
  seconds: number,
) {
  // Redaction off, as in the backlog runs without it: this measures batching and inserts.
  const { service } = await createProcessorService(withRedaction(config, false), {
    logger: pino({ level: 'warn' }),
  });
  await sleep(5000); // let the consumer join its group before the clock starts
  const db = config.clickhouse.database;
  const pending = new Map<string, number>(); // marker of a record's first row → produced at (ms)
  const latencies: number[] = [];
  let producing = true;
  const poller = (async () => {
    const deadline = () => !producing && pending.size === 0;
    while (!deadline()) {
      const rows = await (
        await ch.query({
          query: `SELECT DISTINCT LogAttributes.values[indexOf(LogAttributes.keys, 'seq')] AS seq FROM ${db}.otel_logs WHERE Body = 'log line 0'`,
          format: 'JSONEachRow',
        })
      ).json<{ seq: string }>();
      const now = Date.now();
      for (const { seq } of rows) {
        const sent = pending.get(seq);
        if (sent === undefined) continue;
        latencies.push(now - sent);
        pending.delete(seq);
      }
      await sleep(50);
    }
  })();
  const t0 = baseTimeNs();
  for (let k = 0; k < ratePerSec * seconds; k++) {
    const marker = `f${k}`;
    const record = otlpRecord(
      config,
      'logs',
      logsRequest({ service: `svc-${k % 20}`, t0, count: ROWS_PER_RECORD, marker }),
    );
    pending.set(`${marker}-0`, Date.now());
    await produce(config, [record]);
    await sleep(1000 / ratePerSec);
  }
  producing = false;
  await Promise.race([poller, sleep(60_000)]);
  await service.shutdown();
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return {
    rowsPerSec: ratePerSec * ROWS_PER_RECORD,
    records: latencies.length,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: latencies[latencies.length - 1],
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  const config = benchConfig('RowBinary');
  await createTopics(config);
  await migrateTestDatabase(config);
  const ch = testClickHouse(config);
  const db = config.clickhouse.database;
  const dialect = await detectDialect(ch);
  const version = (
    await (
      await ch.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })
    ).json<{ v: string }>()
  )[0]!.v;
  try {
    const workloads = Object.fromEntries(
      SIGNALS.map((signal) => {
        const recs = records(config, signal);
        return [signal, { recs, rows: rowsOf(signal, recs) }];
      }),
    ) as Record<Signal, { recs: OutgoingRecord[]; rows: Partial<Record<OtelTableName, Row[]>> }>;

    const formats = await formatComparison(ch, dialect, db, workloads.logs.rows.otel_logs!);

    const processor = [];
    const ceiling: Record<string, unknown> = {};
    const cpu = Object.fromEntries(
      SIGNALS.map((signal) => [signal, cpuPath(dialect, signal, workloads[signal].recs)]),
    );
    for (const signal of SIGNALS) {
      const { recs, rows } = workloads[signal];
      await truncateAll(ch, db);
      ceiling[signal] = clickhouseClientCeiling(dialect, db, rows);
      for (const redaction of [false, true]) {
        await truncateAll(ch, db);
        const own = {
          ...config.processor,
          groupId: `bench_${signal}_${uniqueSuffix()}`,
          signals: [signal],
        };
        processor.push(
          await throughput(
            { ...config, processor: own },
            ch,
            signal,
            recs,
            totalRows(rows),
            redaction,
          ),
        );
      }
    }

    await truncateAll(ch, db);
    const steady = await freshness(
      {
        ...config,
        processor: {
          ...config.processor,
          groupId: `bench_fresh_${uniqueSuffix()}`,
          signals: ['logs'],
        },
      },
      ch,
      Math.max(1, Math.round(20 * SCALE)),
      20,
    );

    const result = {
      date: new Date().toISOString().slice(0, 10),
      cores: (await import('node:os')).availableParallelism(),
      clickhouse: version,
      dialect: dialect.name,
      rowsPerRecord: ROWS_PER_RECORD,
      formats,
      cpuPathRowsPerSec: cpu,
      processor,
      ceiling,
      freshness: steady,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      '\nsignal   redaction  workers  rows/s from start  rows/s after start  rows/CPU-s  decode+rows+encode rows/s  clickhouse-client rows/s  of ceiling',
    );
    for (const p of processor) {
      const c = ceiling[p.signal] as { rowsPerSec: number };
      const columns = [
        p.workers,
        p.rowsPerSec,
        p.afterStartRowsPerSec,
        p.rowsPerCpuSecond,
        cpu[p.signal],
        c.rowsPerSec,
        round(p.rowsPerSec / c.rowsPerSec),
      ];
      console.log(
        `${p.signal.padEnd(8)} ${p.redaction.padEnd(9)} ${columns.map((v, i) => String(v).padStart([7, 18, 19, 11, 26, 25, 11][i]!)).join(' ')}`,
      );
    }
    console.log('\nformat       encode ms  insert ms  rows/s    bytes');
    for (const [name, f] of Object.entries(formats)) {
      console.log(
        `${name.padEnd(12)} ${String(f.encodeMs).padStart(9)} ${String(f.insertMs).padStart(10)} ${String(f.rowsPerSec).padStart(7)} ${String(f.bytes).padStart(8)}`,
      );
    }
    console.log(
      `\nfreshness at ${steady.rowsPerSec} rows/s: p50 ${steady.p50Ms} ms, p99 ${steady.p99Ms} ms (${steady.records} records)`,
    );
  } finally {
    await dropTestDatabase(ch, config);
    await ch.close();
    await deleteTopics(config);
  }
}

await main();
