// The modern engine as far as it can run here: chDB (26.x) behind the HTTP adapter. chDB has no
// access control — every query runs as its built-in `default` user, with no access storage and
// no login — so `telepipe tenants add` on it must stop with a message that says what the
// connecting user lacks, and leave nothing behind. The row-policy SQL itself is checked in
// test/unit/tenants/sql.test.ts (docs/tenants.md "chDB").
// Needs `python3 -m pip install chdb`; fails (never skips) without it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouseClient, selectRows } from '../../../lib/clickhouse/client.ts';
import { migrate } from '../../../lib/clickhouse/migrate.ts';
import type { Config } from '../../../lib/config/index.ts';
import { Tenants } from '../../../lib/tenants/manage.ts';
import { startChdbServer, type ChdbServer } from '../../support/chdb-server.ts';
import { testConfig } from '../../support/stack.ts';

let chdb: ChdbServer;
let config: Config;

beforeAll(async () => {
  chdb = await startChdbServer();
  config = testConfig();
  config.clickhouse = { ...config.clickhouse, url: chdb.url };
  const client = createClickHouseClient(config.clickhouse);
  try {
    await migrate(client, config.clickhouse);
  } finally {
    await client.close();
  }
});

afterAll(async () => {
  await chdb?.stop();
});

describe('tenant users on chDB', () => {
  it('picks row policies for the modern engine, and chDB refuses them: no access control', async () => {
    const tenants = await Tenants.open(config);
    try {
      expect(tenants.access.mechanism).toBe('row policies');
      await expect(tenants.add('acme')).rejects.toThrow(
        /ClickHouse user default \(clickhouse\.username\) may not manage users, row policies and grants: .*ACCESS MANAGEMENT.*code 497: .*Not enough privileges/s,
      );
    } finally {
      await tenants.close();
    }
  });

  it('cannot create a user or a row policy even by hand', async () => {
    const client = createClickHouseClient(config.clickhouse);
    try {
      for (const sql of [
        "CREATE USER t19_probe IDENTIFIED WITH sha256_hash BY '" + 'a'.repeat(64) + "'",
        `CREATE ROW POLICY p ON ${config.clickhouse.database}.otel_logs USING TenantId = 'a' TO default`,
      ]) {
        // 497 = ACCESS_DENIED, as the adapter reports chDB's error code.
        await expect(client.command({ query: sql }), sql).rejects.toMatchObject({
          code: '497',
          message: expect.stringMatching(/Not enough privileges/),
        });
      }
      // The tables are there and readable: only access control is missing.
      const rows = await selectRows<{ n: string }>(
        client,
        `SELECT count() AS n FROM ${config.clickhouse.database}.otel_logs`,
      );
      expect(Number(rows[0]?.n)).toBe(0);
    } finally {
      await client.close();
    }
  });
});
