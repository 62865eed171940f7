// kill -9 at any moment loses nothing: the processor runs as a child process, is killed
// with SIGKILL several times while records stream in (each time right after its first
// insert landed, when other partitions' inserts are in flight), and is started again. On
// the modern engine every row is stored exactly once (insert tokens); on 18.16 the batches
// in flight at a kill may be stored twice, at most one per partition per kill
// (delivery.ts, docs/storage.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '../../../lib/clickhouse/client.ts';
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
import { ENGINES, useEngine } from '../../support/engines.ts';
import { expectDelivery, uniqueLogRowsSql, waitForMore } from './delivery.ts';
import { prepare, processorTestConfig } from './processorHarness.ts';

const RECORDS = 400;
/** More kills for measuring duplicates on the old server: TELEPIPE_TEST_KILLS=10. */
const KILLS = Number(process.env.TELEPIPE_TEST_KILLS ?? 3);
const ROWS_PER_RECORD = 25;
const TOTAL = RECORDS * ROWS_PER_RECORD;

function childEnv(c: Config): NodeJS.ProcessEnv {
  const { topics } = c.kafka;
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TELEPIPE_LOG__LEVEL: 'warn',
    TELEPIPE_CLICKHOUSE__URL: c.clickhouse.url,
    TELEPIPE_CLICKHOUSE__DATABASE: c.clickhouse.database,
    TELEPIPE_KAFKA__TOPICS__METRICS: topics.metrics,
    TELEPIPE_KAFKA__TOPICS__LOGS: topics.logs,
    TELEPIPE_KAFKA__TOPICS__TRACES: topics.traces,
    TELEPIPE_KAFKA__TOPICS__DEAD_LETTER: topics.deadLetter,
    TELEPIPE_PROCESSOR__GROUP_ID: c.processor.groupId,
    TELEPIPE_PROCESSOR__ADMIN_ADDRESS: '127.0.0.1:0',
    TELEPIPE_PROCESSOR__SESSION_TIMEOUT_MS: String(c.processor.sessionTimeoutMs),
    TELEPIPE_PROCESSOR__BATCH__MAX_ROWS: String(c.processor.batch.maxRows),
    TELEPIPE_PROCESSOR__BATCH__MAX_AGE_MS: String(c.processor.batch.maxAgeMs),
  };
}

/** The processor as child processes, one at a time, each killed or stopped by the test. */
class ProcessorChildren {
  private readonly all: ChildProcess[] = [];
  private readonly readiness = new Map<ChildProcess, Promise<void>>();

  constructor(private readonly config: Config) {}

  start(): ChildProcess {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'processorChild.ts')],
      { env: childEnv(this.config), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    this.all.push(child);
    this.readiness.set(child, whenReady(child));
    return child;
  }

  ready(child: ChildProcess): Promise<void> | undefined {
    return this.readiness.get(child);
  }

  killAll(): void {
    for (const child of this.all)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
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

describe.each(ENGINES)('processor crash (SIGKILL) and restart → $name', (engine) => {
  const config = processorTestConfig({
    // Small batches: many inserts, so a kill finds some in flight.
    batch: { maxRows: 500, maxBytes: 16 * 1024 * 1024, maxAgeMs: 200 },
    // The killed member holds its partitions until its session times out (the broker's minimum).
    sessionTimeoutMs: 6000,
  });
  // A chDB insert takes milliseconds: held 150 ms, as on a slower server, more INSERTs are
  // in flight at each kill (18.16 is slow enough by itself).
  useEngine(engine, config, { insertDelayMs: 150 });
  let ch: ClickHouseClient;
  const children = new ProcessorChildren(config);

  beforeAll(async () => {
    await prepare(config);
    ch = testClickHouse(config);
  });
  afterAll(async () => {
    children.killAll();
    await dropTestDatabase(ch, config);
    await ch.close();
    await deleteTopics(config);
  });

  it(`loses no row when killed ${KILLS} times mid-stream${engine.exactlyOnce ? ', stores none twice' : ''}, and shuts down cleanly on SIGTERM`, async () => {
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

    const unique = uniqueLogRowsSql(engine, config);
    let child = children.start();
    let atKill = 0;
    for (let kill = 1; kill <= KILLS; kill++) {
      // Right after this member's first insert landed: its other partitions' are in flight.
      expect(await waitForMore(ch, unique, atKill)).toBeGreaterThan(atKill);
      child.kill('SIGKILL');
      await exited(child);
      atKill = await count(ch, unique);
      expect(atKill, `kill ${kill} came after the last row`).toBeLessThan(TOTAL);
      child = children.start();
    }

    await producing;
    expect(await waitForCount(ch, unique, TOTAL, 150_000)).toBe(TOTAL);
    // Replays come first in each partition, so once every row is there the copies are too.
    await expectDelivery(ch, engine, config, {
      label: 'crash test',
      sent: TOTAL,
      rowsPerRecord: ROWS_PER_RECORD,
      faults: KILLS,
    });

    await children.ready(child);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });
});
