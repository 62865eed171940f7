// `telepipe doctor` against the real stack: everything up, then each server stopped in
// turn; each time the failing check names the server and says how to start it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor, type CheckResult } from '../../../cli/doctor.ts';
import { createClickHouseClient, runStatement } from '../../../lib/clickhouse/client.ts';
import { runMigrations } from '../../../lib/clickhouse/migrate.ts';
import { testConfig, withServerStopped } from '../../support/stack.ts';

const config = testConfig();
const configFile = join(mkdtempSync(join(tmpdir(), 'telepipe-doctor-')), 'telepipe.yaml');

const byCheck = (results: CheckResult[], prefix: string): CheckResult[] =>
  results.filter((r) => r.check.startsWith(prefix));

describe('telepipe doctor', () => {
  beforeAll(async () => {
    writeFileSync(
      configFile,
      stringify({
        kafka: { topics: config.kafka.topics },
        clickhouse: { database: config.clickhouse.database },
      }),
    );
    await runMigrations(config);
  });
  afterAll(async () => {
    const client = createClickHouseClient(config.clickhouse);
    await runStatement(client, `DROP DATABASE IF EXISTS ${config.clickhouse.database}`);
    await client.close();
  });

  it('passes every check with the stack up and the schema migrated', async () => {
    const results = await runDoctor(configFile);
    expect(results.filter((r) => r.status === 'fail')).toEqual([]);
    expect(byCheck(results, 'kafka')[0]).toMatchObject({ status: 'ok' });
    expect(byCheck(results, 'clickhouse schema')[0]).toMatchObject({ status: 'ok' });
    expect(byCheck(results, 'clickhouse')[0]?.detail).toMatch(/version 18\.16.*old dialect/);
    expect(byCheck(results, 'alertmanager')[0]).toMatchObject({ status: 'ok' });
    expect(byCheck(results, 'tensorflow.js backend')[0]?.detail).toMatch(/wasm|tensorflow/);
    // The test topics do not exist yet: reported, with what to do.
    expect(byCheck(results, `kafka topic ${config.kafka.topics.logs}`)[0]).toMatchObject({
      status: 'warn',
    });
  });

  it('reports a bad config file by key', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'telepipe-doctor-')), 'bad.yaml');
    writeFileSync(bad, 'kafka:\n  brokers: 9092\n');
    const results = await runDoctor(bad);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ check: 'config', status: 'fail' });
    expect(results[0]!.detail).toMatch(/kafka\.brokers/);
  });

  for (const server of ['clickhouse', 'alertmanager', 'kafka'] as const) {
    it(`says exactly that ${server} is down, and how to start it`, async () => {
      const results = await withServerStopped(server, () => runDoctor(configFile));
      const failed = results.filter((r) => r.status === 'fail');
      expect(failed.map((r) => r.check.split(' ')[0])).toEqual([server]);
      expect(failed[0]!.fix).toContain('telepipe stack up');
    });
  }
});
