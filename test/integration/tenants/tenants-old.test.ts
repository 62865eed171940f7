// Per-tenant read users against the stack's real ClickHouse 18.16 (no SQL access control): a
// users.d file and a database of tenant copies fed by materialized views (lib/tenants). Each
// tenant's user, logging in over HTTP as Grafana would, reads only its own rows from every
// telepipe table, cannot write, alter or drop, and cannot reach the other tenant or the main
// database; `telepipe doctor` names missing and mismatched users; removing drops them again.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runDoctor } from '../../../cli/doctor.ts';
import { createClickHouseClient, runStatement } from '../../../lib/clickhouse/client.ts';
import { runMigrations } from '../../../lib/clickhouse/migrate.ts';
import type { Config } from '../../../lib/config/index.ts';
import { Tenants, usersDir } from '../../../lib/tenants/manage.ts';
import { sha256Hex, TENANT_TABLES } from '../../../lib/tenants/names.ts';
import { testConfig, uniqueSuffix } from '../../support/stack.ts';

const suffix = uniqueSuffix();
const A = `acme_${suffix}`;
const B = `globex-${suffix}`; // not an identifier: its names get a hash
const B_PASSWORD = `b-password-${suffix}`;

const config: Config = testConfig();
config.clickhouse.tenants = { ...config.clickhouse.tenants, networks: ['127.0.0.1', '::1'] };
const admin = createClickHouseClient(config.clickhouse);
let tenants: Tenants;
let aPassword = '';

interface Answer {
  status: number;
  text: string;
}

/** One query as a tenant user, over HTTP with its database as the default one (as Grafana does). */
async function asUser(
  user: string,
  password: string,
  database: string,
  sql: string,
): Promise<Answer> {
  const res = await fetch(`${config.clickhouse.url}/?database=${database}`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
    body: sql,
  });
  return { status: res.status, text: await res.text() };
}

async function insertRows(tenantIds: string[]): Promise<void> {
  const values = tenantIds.map((t) => `('${t}')`).join(', ');
  for (const spec of TENANT_TABLES) {
    await runStatement(
      admin,
      `INSERT INTO ${config.clickhouse.database}.${spec.name} (TenantId) VALUES ${values}`,
    );
  }
}

function writeConfigFile(readers: Config['clickhouse']['tenants']['readers']): string {
  const file = join(mkdtempSync(join(tmpdir(), 'telepipe-tenants-')), 'telepipe.yaml');
  writeFileSync(
    file,
    stringify({
      kafka: { topics: config.kafka.topics },
      clickhouse: {
        database: config.clickhouse.database,
        tenants: { networks: config.clickhouse.tenants.networks, readers },
      },
    }),
  );
  return file;
}

beforeAll(async () => {
  await runMigrations(config);
  // Stored before the tenants exist: copied when their users are created.
  await insertRows([A, B]);
  tenants = await Tenants.open(config);
  const added = await tenants.add(A);
  aPassword = added.generatedPassword ?? '';
  await tenants.add(B, sha256Hex(B_PASSWORD));
  // Stored afterwards: fed to the copies as they are inserted.
  await insertRows([A, B, A, 'someone-else']);
});

afterAll(async () => {
  await tenants?.remove(A).catch(() => undefined);
  await tenants?.remove(B).catch(() => undefined);
  await tenants?.close();
  await runStatement(admin, `DROP DATABASE IF EXISTS ${config.clickhouse.database}`);
  await admin.close();
});

describe('tenant users on ClickHouse 18.16', () => {
  it('a generated password is returned once; 18.16 restricts through users file and copies', () => {
    expect(aPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(tenants.access.mechanism).toMatch(/users file/);
  });

  it('reads only its own rows from every table, with no WHERE at all', async () => {
    const a = tenants.names(A);
    const b = tenants.names(B);
    for (const spec of TENANT_TABLES) {
      const ofA = await asUser(a.user, aPassword, a.database, `SELECT TenantId FROM ${spec.name}`);
      expect(ofA, spec.name).toEqual({ status: 200, text: `${A}\n${A}\n${A}\n` });
      const ofB = await asUser(b.user, B_PASSWORD, b.database, `SELECT TenantId FROM ${spec.name}`);
      expect(ofB, spec.name).toEqual({ status: 200, text: `${B}\n${B}\n` });
    }
  });

  it("cannot read the other tenant's rows or the main database", async () => {
    const a = tenants.names(A);
    const b = tenants.names(B);
    for (const database of [b.database, config.clickhouse.database]) {
      const answer = await asUser(
        a.user,
        aPassword,
        a.database,
        `SELECT count() FROM ${database}.otel_logs`,
      );
      expect(answer.status).not.toBe(200);
      expect(answer.text).toMatch(/Access denied to database/);
    }
    const wrong = await asUser(a.user, B_PASSWORD, a.database, 'SELECT 1');
    expect(wrong.text).toMatch(/Wrong password/);
  });

  it('cannot insert, alter or drop, nor lift read-only or use table functions', async () => {
    const a = tenants.names(A);
    const main = config.clickhouse.database;
    for (const sql of [
      `INSERT INTO otel_logs (TenantId) VALUES ('${A}')`,
      `INSERT INTO ${main}.otel_logs (TenantId) VALUES ('${A}')`,
      'ALTER TABLE anomaly_scores DELETE WHERE 1',
      'ALTER TABLE otel_logs ADD COLUMN x UInt8',
      'DROP TABLE otel_metrics_sum',
      `DROP DATABASE ${a.database}`,
      'SET readonly = 0',
      `SELECT * FROM remote('127.0.0.1', ${main}.otel_logs)`,
    ]) {
      const answer = await asUser(a.user, aPassword, a.database, sql);
      expect(answer.status, sql).not.toBe(200);
      expect(answer.text, sql).toMatch(/readonly mode|Access denied/);
    }
    const stillThere = await asUser(a.user, aPassword, a.database, 'SELECT count() FROM otel_logs');
    expect(stillThere.text).toBe('3\n');
  });

  it('why not a users-config row filter: 18.16 ignores <databases><db><table><filter>', async () => {
    const user = `t19_filter_probe_${suffix}`;
    const file = join(usersDir(config), `${user}.xml`);
    const main = config.clickhouse.database;
    writeFileSync(
      file,
      `<?xml version="1.0"?><yandex><users><${user}>` +
        `<password_sha256_hex>${sha256Hex('probe')}</password_sha256_hex>` +
        '<networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota>' +
        `<databases><${main}><otel_logs><filter>TenantId = '${A}'</filter></otel_logs></${main}></databases>` +
        `</${user}></users></yandex>`,
    );
    try {
      let answer: Answer = { status: 0, text: '' };
      for (let i = 0; i < 40 && answer.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        answer = await asUser(
          user,
          'probe',
          main,
          'SELECT DISTINCT TenantId FROM otel_logs ORDER BY TenantId',
        );
      }
      // The filter would leave A's rows only; 18.16 returns every tenant's.
      expect(answer.status).toBe(200);
      expect(answer.text.trim().split('\n').sort()).toEqual([A, B, 'someone-else'].sort());
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('lists both tenants', async () => {
    const listed = await tenants.list();
    expect(listed.map((e) => e.tenant).sort()).toEqual([A, B].sort());
  });

  it('doctor: ok for matching users, fail for a missing one and for a password that differs', async () => {
    const missing = `missing_${suffix}`;
    const results = await runDoctor(
      writeConfigFile([
        { tenant: A, passwordSha256: sha256Hex(aPassword) },
        { tenant: B, passwordSha256: sha256Hex('not-the-password') },
        { tenant: missing },
      ]),
    );
    const tenant = (t: string) => results.find((r) => r.check === `clickhouse tenant ${t}`);
    expect(tenant(A)).toMatchObject({ status: 'ok' });
    expect(tenant(B)).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/password sha256 differs/),
    });
    expect(tenant(missing)).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/no users file/),
      fix: expect.stringMatching(/telepipe migrate/),
    });
  });

  it('doctor: a user the config does not name is flagged', async () => {
    const results = await runDoctor(writeConfigFile([{ tenant: A }]));
    expect(results.find((r) => r.check === `clickhouse tenant ${B}`)).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/does not name the tenant/),
    });
  });

  it('telepipe migrate applies clickhouse.tenants.readers, and never prints a password into a log', async () => {
    const C = `initech_${suffix}`;
    const migrate = (readers: Config['clickhouse']['tenants']['readers']) =>
      spawnSync(
        process.execPath,
        ['bin/telepipe.js', '--config', writeConfigFile(readers), 'migrate'],
        {
          encoding: 'utf8',
        },
      );
    // Not a terminal: a new user without a hash would need a generated password printed here.
    const refused = migrate([{ tenant: C }]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /clickhouse\.tenants\.readers\.0 \(tenant "initech_.*"\) has no passwordSha256 .* never into logs/,
    );
    const applied = migrate([{ tenant: C, passwordSha256: sha256Hex('c-password') }]);
    expect(applied.stderr).not.toMatch(/telepipe:/);
    expect(applied.status).toBe(0);
    expect(applied.stdout).toMatch(new RegExp(`created tenant "${C}": user telepipe_tenant_${C}`));
    expect(applied.stdout).not.toMatch(/password for/);
    try {
      const answer = await asUser(
        `telepipe_tenant_${C}`,
        'c-password',
        tenants.names(C).database,
        'SELECT count() FROM otel_logs',
      );
      expect(answer).toEqual({ status: 200, text: '0\n' });
    } finally {
      await tenants.remove(C);
    }
  });

  it('remove drops the user and its copies', async () => {
    const a = tenants.names(A);
    expect(await tenants.remove(A)).toBe(true);
    const gone = await asUser(a.user, aPassword, a.database, 'SELECT 1');
    expect(gone.text).toMatch(/Unknown user/);
    expect(await tenants.remove(A)).toBe(false);
    expect((await tenants.list()).map((e) => e.tenant)).toEqual([B]);
  });
});
