// Redaction is part of the processor, not an option to remember: the processor built from a
// config without any redaction section redacts, and storing personal data in the clear takes
// `redaction.enabled: false`, which the processor announces at error level when it starts.
// On both engines (test/support/engines.ts): what is stored is what the writer wrote.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { selectRows } from '../../../lib/clickhouse/client.ts';
import type { Config } from '../../../lib/config/index.ts';
import { createProcessorService } from '../../../services/processor/main.ts';
import {
  deleteTopics,
  dropTestDatabase,
  otlpRecord,
  produce,
  testClickHouse,
  waitForCount,
} from '../../support/clickhouse.ts';
import { baseTimeNs, logsRequest } from '../../support/clickhouseFixtures.ts';
import { ENGINES, useEngine } from '../../support/engines.ts';
import { prepare, processorTestConfig } from './processorHarness.ts';

const EMAIL = 'alice.liddell@example.com';

/** Runs the processor on one log line holding an email; returns the stored body and the log. */
async function storeOneLogLine(config: Config): Promise<{ body: string; log: string[] }> {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  const ch = testClickHouse(config);
  await prepare(config);
  const { service } = await createProcessorService(config, { logger });
  try {
    const request = logsRequest({
      service: 'redaction-default',
      t0: baseTimeNs(),
      count: 1,
      body: () => `password reset requested by ${EMAIL}`,
    });
    await produce(config, [otlpRecord(config, 'logs', request)]);
    const db = config.clickhouse.database;
    await waitForCount(ch, `SELECT count() AS n FROM ${db}.otel_logs`, 1);
    const [row] = await selectRows<{ Body: string }>(ch, `SELECT Body FROM ${db}.otel_logs`);
    return { body: row?.Body ?? '', log: lines };
  } finally {
    await service.shutdown();
    await dropTestDatabase(ch, config);
    await ch.close();
    await deleteTopics(config);
  }
}

describe.each(ENGINES)('redaction in the processor → $name', (engine) => {
  const clickhouse = useEngine(engine);
  it('redacts when the config has no redaction section at all', async () => {
    const config = clickhouse.pointAt(processorTestConfig());
    expect(config.redaction.enabled).toBe(true); // the default, not a test setting
    const { body, log } = await storeOneLogLine(config);
    expect(body).toMatch(/^password reset requested by /);
    expect(body).not.toContain(EMAIL);
    expect(log.join('')).not.toContain('redaction is OFF');
  });

  it('stores the data unredacted only with redaction.enabled: false, and says so loudly', async () => {
    const config = clickhouse.pointAt(processorTestConfig());
    config.redaction = { ...config.redaction, enabled: false };
    const { body, log } = await storeOneLogLine(config);
    expect(body).toBe(`password reset requested by ${EMAIL}`);
    const off = log.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(off.some((l) => l.level >= 50 && l.msg.includes('redaction is OFF'))).toBe(true);
  });
});
