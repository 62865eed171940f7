// kill -9 at any moment loses nothing: the processor runs as a child process, is killed
// with SIGKILL while records stream in, and is started again; every row arrives. On the
// 18.16 server (no insert tokens) the batches in flight at the kill may be stored twice;
// the test reports how many rows were duplicated (docs/storage.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../lib/config/index.ts';
import {
  count,
  deleteTopics,
  dropTestDatabase,
  otlpRecord,
  produce,
  testClickHouse,
  waitForCount,
} from '../../support/clickhouse.ts';
import { baseTimeNs, logsRequest } from '../../support/clickhouseFixtures.ts';
import { prepare, processorTestConfig } from './processorHarness.ts';

const RECORDS = 400;
/** More kills for measuring duplicates on the old server: TELEPIPE_TEST_KILLS=10. */
const KILLS = Number(process.env.TELEPIPE_TEST_KILLS ?? 1);
const ROWS_PER_RECORD = 25;
const TOTAL = RECORDS * ROWS_PER_RECORD;

const config = processorTestConfig({
  batch: { maxRows: 1500, maxBytes: 16 * 1024 * 1024, maxAgeMs: 200 },
});
const db = config.clickhouse.database;
const ch = testClickHouse(config);
const children: ChildProcess[] = [];
const readiness = new Map<ChildProcess, Promise<void>>();

function childEnv(c: Config): NodeJS.ProcessEnv {
  const { topics } = c.kafka;
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TELEPIPE_LOG__LEVEL: 'warn',
    TELEPIPE_CLICKHOUSE__DATABASE: c.clickhouse.database,
    TELEPIPE_KAFKA__TOPICS__METRICS: topics.metrics,
    TELEPIPE_KAFKA__TOPICS__LOGS: topics.logs,
    TELEPIPE_KAFKA__TOPICS__TRACES: topics.traces,
    TELEPIPE_KAFKA__TOPICS__DEAD_LETTER: topics.deadLetter,
    TELEPIPE_PROCESSOR__GROUP_ID: c.processor.groupId,
    TELEPIPE_PROCESSOR__ADMIN_ADDRESS: '127.0.0.1:0',
    TELEPIPE_PROCESSOR__BATCH__MAX_ROWS: String(c.processor.batch.maxRows),
    TELEPIPE_PROCESSOR__BATCH__MAX_AGE_MS: String(c.processor.batch.maxAgeMs),
  };
}

function startChild(): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'processorChild.ts')],
    {
      env: childEnv(config),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  readiness.set(child, whenReady(child));
  return child;
}

/** Resolves once the child printed `ready` (its SIGTERM handler is installed then). */
function whenReady(child: ChildProcess): Promise<void> {
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`processor exited (${code}) before it was ready`)),
    );
  });
  ready.catch(() => undefined); // killed children never get ready; only the last is awaited
  return ready;
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

const rowsSql = `SELECT count() AS n FROM ${db}.otel_logs`;
const uniqueSql = `SELECT uniqExact(LogAttributes.values[indexOf(LogAttributes.keys, 'seq')]) AS n FROM ${db}.otel_logs`;

describe('processor crash (SIGKILL) and restart', () => {
  beforeAll(() => prepare(config));
  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await dropTestDatabase(ch, config);
    await ch.close();
    await deleteTopics(config);
  });

  it('loses no row when killed mid-stream, and shuts down cleanly on SIGTERM', async () => {
    const t0 = baseTimeNs();
    // Keys spread the records over the topic's partitions, like many services would.
    const records = Array.from({ length: RECORDS }, (_, k) =>
      otlpRecord(
        config,
        'logs',
        logsRequest({ service: `svc-${k % 7}`, t0, count: ROWS_PER_RECORD, marker: `r${k}` }),
      ),
    );
    const producing = (async () => {
      for (let i = 0; i < RECORDS; i += 20) {
        await produce(config, records.slice(i, i + 20));
        await sleep(100);
      }
    })();

    let child = startChild();
    let atKill = 0;
    for (let kill = 1; kill <= KILLS; kill++) {
      // Kill once more rows are stored, but not all of them: mid-stream.
      const target = Math.min(TOTAL - 1, atKill + TOTAL / (KILLS + 4));
      expect(await waitForCount(ch, uniqueSql, target, 120_000)).toBeGreaterThanOrEqual(target);
      child.kill('SIGKILL');
      await exited(child);
      atKill = await count(ch, uniqueSql);
      child = startChild();
      if (kill === 1) expect(atKill).toBeLessThan(TOTAL);
      if (atKill >= TOTAL) break; // the stream ended before the planned kills
    }

    await producing;
    expect(await waitForCount(ch, uniqueSql, TOTAL, 150_000)).toBe(TOTAL);
    // Replays come first in each partition, so once every row is there the copies are too.
    const stored = await count(ch, rowsSql);
    const duplicated = stored - TOTAL;
    process.stderr.write(
      `[crash test] kills=${KILLS} rows=${TOTAL} stored=${stored} duplicated=${duplicated}\n`,
    );
    expect(duplicated).toBeGreaterThanOrEqual(0);
    // Only batches in flight at a kill can repeat: at most one per partition each time.
    expect(duplicated).toBeLessThanOrEqual(
      KILLS * config.kafka.partitions * config.processor.batch.maxRows,
    );

    await readiness.get(child);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });
});
