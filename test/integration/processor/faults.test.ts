// Dependency faults mid-stream, on both engines. ClickHouse restarted (18.16: the stack's
// server; modern: the chDB adapter on the same data): consumption waits (no busy loop, no
// growing buffer), readiness says so, and everything arrives once it is back. Kafka
// restarted: the consumer rejoins and goes on. Each fault comes right after a store, while
// other partitions' batches are in flight; the rows stored are held to the engine's
// delivery guarantee (delivery.ts). Servers are always restored.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '../../../lib/clickhouse/client.ts';
import type { Service } from '../../../lib/service.ts';
import { waitUntil } from '../../../infra/stack/processes.ts';
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
import { withServerStopped } from '../../support/stack.ts';
import {
  batchPerPartitionRows,
  expectDelivery,
  uniqueLogRowsSql,
  waitForMore,
} from './delivery.ts';
import {
  admin,
  metricValue,
  prepare,
  processorTestConfig,
  startProcessor,
} from './processorHarness.ts';

const ROWS_PER_RECORD = 20;
/** Records produced at once before a fault: 3000 rows, 15 batches of 200. */
const BACKLOG = 150;

describe.each(ENGINES)('processor under dependency faults → $name', (engine) => {
  const config = processorTestConfig({
    batch: { maxRows: 200, maxBytes: 16 * 1024 * 1024, maxAgeMs: 300 },
    retry: { initialMs: 200, maxMs: 2000 },
  });
  const clickhouse = useEngine(engine, config);
  const unique = uniqueLogRowsSql(engine, config);
  let ch: ClickHouseClient;
  let service: Service;
  let produced = 0;
  let faults = 0;

  async function produceLogs(records: number, marker: string): Promise<void> {
    const t0 = baseTimeNs();
    await produce(
      config,
      Array.from({ length: records }, (_, k) =>
        otlpRecord(
          config,
          'logs',
          logsRequest({
            service: `svc-${k % 5}`,
            t0,
            count: ROWS_PER_RECORD,
            marker: `${marker}${k}`,
          }),
        ),
      ),
    );
    produced += records * ROWS_PER_RECORD;
  }

  /** A backlog, and the moment its first batch is stored: the fault comes mid-stream. */
  async function midStream(marker: string): Promise<void> {
    const before = await count(ch, unique);
    await produceLogs(BACKLOG, marker);
    expect(await waitForMore(ch, unique, before)).toBeGreaterThan(before);
    faults += 1;
  }

  async function expectAllDelivered(label: string): Promise<void> {
    expect(await waitForCount(ch, unique, produced, 150_000)).toBe(produced);
    await expectDelivery(ch, engine, config, {
      label,
      sent: produced,
      rowsPerRecord: ROWS_PER_RECORD,
      faults,
    });
  }

  const metrics = async (): Promise<string> => (await admin(service, '/metrics')).body;
  const readiness = async (): Promise<{ kafka: boolean; clickhouse: boolean }> =>
    (
      JSON.parse((await admin(service, '/readyz')).body) as {
        checks: { kafka: boolean; clickhouse: boolean };
      }
    ).checks;

  beforeAll(async () => {
    await prepare(config);
    ch = testClickHouse(config);
    service = await startProcessor(config);
  });
  afterAll(async () => {
    await service?.shutdown();
    await dropTestDatabase(ch, config);
    await ch.close();
    await deleteTopics(config);
  });

  it('waits while ClickHouse restarts, without busy looping or buffering more, and delivers', async () => {
    await midStream('before');
    await clickhouse.whileStopped(async () => {
      await produceLogs(5, 'during');
      expect(
        await waitUntil(async () => (await admin(service, '/readyz')).status === 503, 30_000),
      ).toBe(true);
      expect(await readiness()).toMatchObject({ kafka: true, clickhouse: false });
      await sleep(3000);
      const before = await metrics();
      await sleep(4000);
      const after = await metrics();
      const retries = (text: string) =>
        metricValue(text, 'telepipe_processor_inserts_total', { outcome: 'retried' });
      // Backoff doubles to 2 s: over 4 s at most a few attempts per partition (3 here).
      expect(retries(after) - retries(before)).toBeLessThanOrEqual(3 * 4);
      expect(retries(after)).toBeGreaterThan(0);
      // Each partition waits with its one batch: nothing more is fetched or built.
      const buffered = metricValue(after, 'telepipe_processor_buffered_rows');
      expect(buffered).toBe(metricValue(before, 'telepipe_processor_buffered_rows'));
      expect(buffered).toBeLessThanOrEqual(batchPerPartitionRows(config, ROWS_PER_RECORD));
    });

    await expectAllDelivered('ClickHouse restart');
    expect(
      await waitUntil(async () => (await admin(service, '/readyz')).status === 200, 30_000),
    ).toBe(true);
  });

  it('rejoins after a Kafka restart and delivers', async () => {
    await midStream('k1-');
    await withServerStopped('kafka', async () => {
      expect(await waitUntil(async () => !(await readiness()).kafka, 30_000)).toBe(true);
    });

    await produceLogs(5, 'k2-');
    await expectAllDelivered('Kafka restart');
    expect((await readiness()).kafka).toBe(true);
  });
});
