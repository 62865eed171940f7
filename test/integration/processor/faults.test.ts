// Dependency faults against the real servers. ClickHouse down: consumption waits (no
// busy loop, no growing buffer), readiness says so, and everything arrives once it is
// back. Kafka restarted: the consumer rejoins and goes on. Servers are always restored.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config/index.ts';
import type { Service } from '../../../lib/service.ts';
import { stopPid, waitUntil } from '../../../infra/stack/processes.ts';
import { ClickHouseServer, KafkaServer, type LocalServer } from '../../../infra/stack/servers.ts';
import { stackUp } from '../../../infra/stack/stack.ts';
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
import {
  admin,
  metricValue,
  prepare,
  processorTestConfig,
  startProcessor,
} from './processorHarness.ts';

const ROWS_PER_RECORD = 20;
const config = processorTestConfig({ retry: { initialMs: 200, maxMs: 2000 } });
const db = config.clickhouse.database;
const ch = testClickHouse(config);
let service: Service;
let produced = 0;

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

const uniqueRows = `SELECT uniqExact(LogAttributes.values[indexOf(LogAttributes.keys, 'seq')]) AS n FROM ${db}.otel_logs`;

/** Stops a stack server, runs `body`, and always brings the stack back up. */
async function withServerStopped(server: LocalServer, body: () => Promise<void>): Promise<void> {
  try {
    expect(
      await stopPid(server.pidFile),
      `${server.name} must be started by \`telepipe stack up\``,
    ).toBe(true);
    await body();
  } finally {
    await stackUp(loadConfig(), () => undefined);
  }
}

async function metrics(): Promise<string> {
  return (await admin(service, '/metrics')).body;
}

describe('processor under dependency faults', () => {
  beforeAll(async () => {
    await prepare(config);
    service = await startProcessor(config);
  });
  afterAll(async () => {
    await service?.shutdown();
    await dropTestDatabase(ch, config);
    await ch.close();
    await deleteTopics(config);
  });

  it('waits while ClickHouse is down, without busy looping or buffering more, and loses nothing', async () => {
    await produceLogs(5, 'before');
    expect(await waitForCount(ch, uniqueRows, produced)).toBe(produced);

    await withServerStopped(new ClickHouseServer(loadConfig().stack), async () => {
      await produceLogs(5, 'during');
      expect(
        await waitUntil(async () => (await admin(service, '/readyz')).status === 503, 30_000),
      ).toBe(true);
      expect(JSON.parse((await admin(service, '/readyz')).body).checks).toMatchObject({
        kafka: true,
        clickhouse: false,
      });
      await sleep(3000);
      const before = await metrics();
      await sleep(4000);
      const after = await metrics();
      const retries = (text: string) =>
        metricValue(text, 'telepipe_processor_inserts_total', { outcome: 'retried' });
      // Backoff doubles to 2 s: over 4 s at most a few attempts per partition (3 here).
      expect(retries(after) - retries(before)).toBeLessThanOrEqual(3 * 4);
      expect(retries(after)).toBeGreaterThan(0);
      const buffered = metricValue(after, 'telepipe_processor_buffered_rows');
      expect(buffered).toBe(metricValue(before, 'telepipe_processor_buffered_rows'));
      expect(buffered).toBeLessThanOrEqual(5 * ROWS_PER_RECORD);
    });

    expect(await waitForCount(ch, uniqueRows, produced)).toBe(produced);
    expect(await count(ch, `SELECT count() AS n FROM ${db}.otel_logs`)).toBe(produced);
    expect(
      await waitUntil(async () => (await admin(service, '/readyz')).status === 200, 30_000),
    ).toBe(true);
  });

  it('rejoins after a Kafka restart and loses nothing', async () => {
    await produceLogs(5, 'k1-');
    expect(await waitForCount(ch, uniqueRows, produced)).toBe(produced);

    await withServerStopped(new KafkaServer(loadConfig().stack), async () => {
      expect(
        await waitUntil(
          async () => !JSON.parse((await admin(service, '/readyz')).body).checks.kafka,
          30_000,
        ),
      ).toBe(true);
    });

    await produceLogs(5, 'k2-');
    expect(await waitForCount(ch, uniqueRows, produced, 150_000)).toBe(produced);
    expect(JSON.parse((await admin(service, '/readyz')).body).checks.kafka).toBe(true);
  });
});
