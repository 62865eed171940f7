// The statements lib/tenants generates, checked as text: the modern engine this repo can run
// (chDB) has no access control at all (docs/tenants.md "chDB"), so row policies, users and grants
// are tested here and against a real server only on 18.16's users-file path
// (test/integration/tenants/tenants-old.test.ts).
import { describe, expect, it } from 'vitest';
import { Dialect } from '../../../lib/clickhouse/dialect.ts';
import { parseConfig } from '../../../lib/config/index.ts';
import { sqlString, tenantFilter, tenantIdent, tenantNames } from '../../../lib/tenants/names.ts';
import {
  allRowsStatements,
  dropStatements,
  grantStatements,
  policyStatements,
  restrictedTables,
  tenantOfFilter,
  userStatements,
  type RowPolicyTarget,
} from '../../../lib/tenants/row-policies.ts';
import {
  backfillStatement,
  copyStatements,
  parseUsersFile,
  renderUsersFile,
} from '../../../lib/tenants/users-file.ts';

const single: RowPolicyTarget = {
  database: 'telepipe',
  cluster: '',
  networks: ['10.0.0.0/8'],
  userPrefix: 'telepipe_tenant_',
  username: 'default',
};
const cluster: RowPolicyTarget = { ...single, cluster: 'main' };
const acme = tenantNames('acme', {
  database: 'telepipe',
  tenants: { userPrefix: 'telepipe_tenant_' },
});
const SHA = 'a'.repeat(64);

describe('tenant names', () => {
  it('keeps identifier tenants and hashes the others apart', () => {
    expect(tenantIdent('acme_1')).toBe('acme_1');
    expect(tenantIdent('acme-1')).toMatch(/^acme_1_[0-9a-f]{8}$/);
    expect(tenantIdent('acme-1')).not.toBe(tenantIdent('acme.1'));
    expect(acme).toEqual({
      tenant: 'acme',
      user: 'telepipe_tenant_acme',
      database: 'telepipe_tenant_acme',
    });
  });

  it('quotes the tenant in the filter, so a tenant cannot widen it', () => {
    expect(tenantFilter("x' OR 1 OR '")).toBe("TenantId = 'x\\' OR 1 OR \\''");
    expect(sqlString('a\\b')).toBe("'a\\\\b'");
    expect(tenantOfFilter(tenantFilter("o'neil"))).toBe("o'neil");
    expect(tenantOfFilter("equals(TenantId, 'acme')")).toBe('');
  });
});

describe('row policies (modern servers)', () => {
  it('covers every otel_* table and anomaly_scores; on a cluster the _local tables too', () => {
    expect(restrictedTables(single)).toEqual([
      'telepipe.otel_logs',
      'telepipe.otel_traces',
      'telepipe.otel_metrics_gauge',
      'telepipe.otel_metrics_sum',
      'telepipe.otel_metrics_histogram',
      'telepipe.otel_metrics_exponential_histogram',
      'telepipe.otel_metrics_summary',
      'telepipe.anomaly_scores',
    ]);
    expect(restrictedTables(cluster)).toHaveLength(16);
    expect(restrictedTables(cluster)).toContain('telepipe.otel_logs_local');
  });

  it('creates the user with a sha256 password and its hosts; ON CLUSTER when a cluster is set', () => {
    expect(userStatements(acme, single, SHA, false)).toEqual([
      `CREATE USER IF NOT EXISTS telepipe_tenant_acme IDENTIFIED WITH sha256_hash BY '${SHA}' HOST IP '10.0.0.0/8'`,
    ]);
    expect(userStatements(acme, cluster, SHA, true)).toEqual([
      `ALTER USER telepipe_tenant_acme ON CLUSTER 'main' IDENTIFIED WITH sha256_hash BY '${SHA}' HOST IP '10.0.0.0/8'`,
    ]);
    // An existing user keeps its password when none is given.
    expect(userStatements(acme, single, undefined, true)).toEqual([
      "ALTER USER telepipe_tenant_acme HOST IP '10.0.0.0/8'",
    ]);
    expect(() => userStatements(acme, single, undefined, false)).toThrow(/passwordSha256/);
  });

  it('restricts SELECT to the tenant on every table and grants SELECT only', () => {
    expect(policyStatements(acme, single)[0]).toBe(
      "CREATE ROW POLICY OR REPLACE telepipe_tenant_acme ON telepipe.otel_logs FOR SELECT USING TenantId = 'acme' AS PERMISSIVE TO telepipe_tenant_acme",
    );
    expect(policyStatements(acme, cluster)[1]).toBe(
      "CREATE ROW POLICY OR REPLACE telepipe_tenant_acme ON CLUSTER 'main' ON telepipe.otel_logs_local FOR SELECT USING TenantId = 'acme' AS PERMISSIVE TO telepipe_tenant_acme",
    );
    expect(grantStatements(acme, cluster)[0]).toBe(
      "GRANT ON CLUSTER 'main' SELECT ON telepipe.otel_logs TO telepipe_tenant_acme",
    );
    expect(
      grantStatements(acme, single).every((g) => /^GRANT SELECT ON telepipe\.\w+ TO /.test(g)),
    ).toBe(true);
  });

  it('lets every other user read every row, and drops that policy with the last tenant user', () => {
    expect(allRowsStatements(['telepipe_tenant_b', 'telepipe_tenant_a'], single)[0]).toBe(
      'CREATE ROW POLICY OR REPLACE telepipe_all_rows ON telepipe.otel_logs FOR SELECT USING 1 AS PERMISSIVE TO ALL EXCEPT telepipe_tenant_a, telepipe_tenant_b',
    );
    expect(allRowsStatements([], cluster)[0]).toBe(
      "DROP ROW POLICY IF EXISTS telepipe_all_rows ON telepipe.otel_logs ON CLUSTER 'main'",
    );
  });

  it('removes the policies, then the user', () => {
    const drops = dropStatements(acme, cluster);
    expect(drops[0]).toBe(
      "DROP ROW POLICY IF EXISTS telepipe_tenant_acme ON telepipe.otel_logs ON CLUSTER 'main'",
    );
    expect(drops.at(-1)).toBe("DROP USER IF EXISTS telepipe_tenant_acme ON CLUSTER 'main'");
  });
});

describe('users file and copies (ClickHouse 18.16)', () => {
  const schema = {
    database: 'telepipe',
    cluster: '',
    retentionDays: 30,
    dialect: new Dialect('old'),
  };

  it('feeds each copy with the tenant rows only, from the storage tables', () => {
    const statements = copyStatements(acme, schema);
    expect(statements[0]).toBe('CREATE DATABASE IF NOT EXISTS telepipe_tenant_acme');
    expect(statements).toContain(
      "CREATE MATERIALIZED VIEW IF NOT EXISTS telepipe_tenant_acme.otel_logs_feed TO telepipe_tenant_acme.otel_logs AS SELECT * FROM telepipe.otel_logs WHERE TenantId = 'acme'",
    );
    const onCluster = copyStatements(acme, { ...schema, cluster: 'main' });
    expect(onCluster).toContain(
      "CREATE MATERIALIZED VIEW IF NOT EXISTS telepipe_tenant_acme.anomaly_scores_feed ON CLUSTER 'main' TO telepipe_tenant_acme.anomaly_scores_local AS SELECT * FROM telepipe.anomaly_scores_local WHERE TenantId = 'acme'",
    );
    expect(backfillStatement(acme, schema, 'otel_logs')).toBe(
      "INSERT INTO telepipe_tenant_acme.otel_logs SELECT * FROM telepipe.otel_logs WHERE TenantId = 'acme'",
    );
  });

  it('writes a read-only user limited to its database, and reads the file back', () => {
    const file = {
      tenant: 'a--b<c>',
      user: 'telepipe_tenant_x',
      database: 'telepipe_tenant_x',
      passwordSha256: SHA,
      networks: ['::1', '127.0.0.1'],
    };
    const xml = renderUsersFile(file);
    expect(xml).toContain(`<password_sha256_hex>${SHA}</password_sha256_hex>`);
    expect(xml).toMatch(/<readonly>1<\/readonly>/);
    expect(xml).toMatch(
      /<allow_databases>\s*<database>telepipe_tenant_x<\/database>\s*<\/allow_databases>/,
    );
    // `--` would end the comment the tenant is kept in.
    expect(xml.split('\n').filter((l) => l.includes('telepipe tenant:'))[0]).not.toMatch(/a--b/);
    expect(parseUsersFile(xml)).toEqual(file);
    expect(parseUsersFile('<yandex/>')).toBeUndefined();
  });
});

describe('config', () => {
  it('validates tenant readers: a sha256 only, each tenant once', () => {
    expect(() =>
      parseConfig({ clickhouse: { tenants: { readers: [{ tenant: 'a', password: 'secret' }] } } }),
    ).toThrow(/clickhouse\.tenants\.readers\.0: Unrecognized key: "password"/);
    expect(() =>
      parseConfig({
        clickhouse: { tenants: { readers: [{ tenant: 'a', passwordSha256: 'abc' }] } },
      }),
    ).toThrow(/passwordSha256: expected 64 hex digits/);
    expect(() =>
      parseConfig({ clickhouse: { tenants: { readers: [{ tenant: 'a' }, { tenant: 'a' }] } } }),
    ).toThrow(/each tenant may appear only once/);
  });
});
