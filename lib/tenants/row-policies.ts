// Tenant users on servers with SQL access control (the modern dialect): CREATE USER, a row
// policy per telepipe table restricting SELECT to the tenant's TenantId, and GRANT SELECT on
// those tables only. Once a table has any row policy, users no policy names read nothing, so a
// permissive `USING 1` policy for everyone but the tenant users keeps telepipe's own reads (the
// worker, Grafana admins) whole; it is rewritten whenever a tenant user comes or goes.
import { TelepipeError } from '../errors.ts';
import {
  clickhouseErrorCode,
  runStatement,
  selectRows,
  type ClickHouseClient,
} from '../clickhouse/client.ts';
import type { TenantAccess, TenantEntry } from './access.ts';
import { sqlString, TENANT_TABLES, tenantFilter, type TenantNames } from './names.ts';

export interface RowPolicyTarget {
  database: string;
  /** Cluster name; empty for a single server. */
  cluster: string;
  /** Addresses the users may connect from. */
  networks: readonly string[];
  userPrefix: string;
  /** The user telepipe connects as, for messages. */
  username: string;
}

/** ClickHouse's error code for a missing privilege. */
const ACCESS_DENIED = 497;

/** The policy that lets every other user read every row. */
export const ALL_ROWS_POLICY = 'telepipe_all_rows';

const onCluster = (t: RowPolicyTarget): string =>
  t.cluster ? ` ON CLUSTER ${sqlString(t.cluster)}` : '';

/** On a cluster both the Distributed table and its `_local` storage are read, so both get policies. */
export function restrictedTables(t: RowPolicyTarget): string[] {
  return TENANT_TABLES.flatMap((spec) =>
    t.cluster ? [spec.name, `${spec.name}_local`] : [spec.name],
  ).map((name) => `${t.database}.${name}`);
}

const hosts = (t: RowPolicyTarget): string =>
  t.networks.length === 0
    ? 'HOST NONE'
    : `HOST ${t.networks.map((n) => `IP ${sqlString(n)}`).join(', ')}`;

const identified = (sha: string): string =>
  `IDENTIFIED WITH sha256_hash BY ${sqlString(sha.toLowerCase())}`;

/** The user: created when new, its password and hosts updated when a hash is given. */
export function userStatements(
  names: TenantNames,
  t: RowPolicyTarget,
  passwordSha256: string | undefined,
  exists: boolean,
): string[] {
  if (!exists) {
    if (!passwordSha256) {
      throw new TelepipeError(
        'config',
        `tenant user ${names.user} does not exist yet and needs a password: give its sha256 in clickhouse.tenants.readers[].passwordSha256, or let telepipe generate one`,
      );
    }
    return [
      `CREATE USER IF NOT EXISTS ${names.user}${onCluster(t)} ${identified(passwordSha256)} ${hosts(t)}`,
    ];
  }
  return passwordSha256
    ? [`ALTER USER ${names.user}${onCluster(t)} ${identified(passwordSha256)} ${hosts(t)}`]
    : [`ALTER USER ${names.user}${onCluster(t)} ${hosts(t)}`];
}

/** The tenant's row policy on every table; policies are named after the user. */
export function policyStatements(names: TenantNames, t: RowPolicyTarget): string[] {
  return restrictedTables(t).map(
    (table) =>
      `CREATE ROW POLICY OR REPLACE ${names.user}${onCluster(t)} ON ${table} ` +
      `FOR SELECT USING ${tenantFilter(names.tenant)} AS PERMISSIVE TO ${names.user}`,
  );
}

/** SELECT on the telepipe tables and nothing else: no writes, no DDL, no table functions. */
export function grantStatements(names: TenantNames, t: RowPolicyTarget): string[] {
  return restrictedTables(t).map(
    (table) => `GRANT${onCluster(t)} SELECT ON ${table} TO ${names.user}`,
  );
}

/** The everyone-else policy for the tenant users there are now; none left: no policy at all. */
export function allRowsStatements(tenantUsers: readonly string[], t: RowPolicyTarget): string[] {
  return restrictedTables(t).map((table) =>
    tenantUsers.length === 0
      ? `DROP ROW POLICY IF EXISTS ${ALL_ROWS_POLICY} ON ${table}${onCluster(t)}`
      : `CREATE ROW POLICY OR REPLACE ${ALL_ROWS_POLICY}${onCluster(t)} ON ${table} ` +
        `FOR SELECT USING 1 AS PERMISSIVE TO ALL EXCEPT ${[...tenantUsers].sort().join(', ')}`,
  );
}

export function dropStatements(names: TenantNames, t: RowPolicyTarget): string[] {
  return [
    ...restrictedTables(t).map(
      (table) => `DROP ROW POLICY IF EXISTS ${names.user} ON ${table}${onCluster(t)}`,
    ),
    `DROP USER IF EXISTS ${names.user}${onCluster(t)}`,
  ];
}

/** The select filter as the server prints it, compared without spaces and quotes around names. */
const normalized = (filter: string): string => filter.replace(/[\s`"]/g, '');

export class RowPolicyAccess implements TenantAccess {
  readonly mechanism = 'row policies';

  constructor(
    private readonly client: ClickHouseClient,
    private readonly target: RowPolicyTarget,
  ) {}

  async exists(names: TenantNames): Promise<boolean> {
    return (await this.tenantUsers()).includes(names.user);
  }

  async apply(names: TenantNames, passwordSha256: string | undefined): Promise<void> {
    const t = this.target;
    const others = (await this.tenantUsers()).filter((u) => u !== names.user);
    const exists = await this.exists(names);
    // The user may read nothing until its policy exists: policies first, the grant last.
    await this.run([
      ...userStatements(names, t, passwordSha256, exists),
      ...policyStatements(names, t),
      ...allRowsStatements([...others, names.user], t),
      ...grantStatements(names, t),
    ]);
  }

  async remove(names: TenantNames): Promise<boolean> {
    const users = await this.tenantUsers();
    if (!users.includes(names.user)) return false;
    await this.run([
      ...dropStatements(names, this.target),
      ...allRowsStatements(
        users.filter((u) => u !== names.user),
        this.target,
      ),
    ]);
    return true;
  }

  async list(): Promise<TenantEntry[]> {
    const policies = await this.policies();
    const users = await this.tenantUsers();
    return users.map((user) => ({
      user,
      tenant: tenantOfFilter(policies.find((p) => p.short_name === user)?.select_filter ?? ''),
      database: this.target.database,
    }));
  }

  async problems(names: TenantNames): Promise<string[]> {
    if (!(await this.exists(names))) return [`user ${names.user} does not exist`];
    const policies = (await this.policies()).filter((p) => p.short_name === names.user);
    const grants = await this.select<{ database: string; table: string }>(
      `SELECT database, table FROM system.grants WHERE user_name = ${sqlString(names.user)} AND access_type = 'SELECT'`,
    );
    const want = normalized(tenantFilter(names.tenant));
    return restrictedTables(this.target).flatMap((table) => {
      const [database, name] = table.split('.') as [string, string];
      const policy = policies.find((p) => p.database === database && p.table === name);
      const found: string[] = [];
      if (!policy) found.push(`no row policy ${names.user} on ${table}`);
      else if (normalized(policy.select_filter) !== want)
        found.push(
          `row policy on ${table} filters ${policy.select_filter}, expected ${tenantFilter(names.tenant)}`,
        );
      if (!grants.some((g) => g.database === database && g.table === name))
        found.push(`no SELECT grant on ${table}`);
      return found;
    });
  }

  private async policies(): Promise<PolicyRow[]> {
    return this.select<PolicyRow>(
      `SELECT short_name, database, table, select_filter FROM system.row_policies WHERE database = ${sqlString(this.target.database)}`,
    );
  }

  private async tenantUsers(): Promise<string[]> {
    const rows = await this.select<{ name: string }>(
      `SELECT name FROM system.users WHERE startsWith(name, ${sqlString(this.target.userPrefix)}) ORDER BY name`,
    );
    return rows.map((r) => r.name);
  }

  private async run(statements: readonly string[]): Promise<void> {
    for (const statement of statements) {
      await runStatement(this.client, statement).catch((err: unknown) => {
        throw this.explain(err);
      });
    }
  }

  private async select<T>(query: string): Promise<T[]> {
    return selectRows<T>(this.client, query).catch((err: unknown) => {
      throw this.explain(err);
    });
  }

  /** ACCESS_DENIED (497): the connecting user may not manage users; say how to allow it. */
  private explain(err: unknown): unknown {
    const text = err instanceof Error ? err.message : String(err);
    const code = clickhouseErrorCode(err);
    if (code !== ACCESS_DENIED) return err;
    return new TelepipeError(
      'config',
      `ClickHouse user ${this.target.username} (clickhouse.username) may not manage users, row policies and grants: ` +
        `give it access_management in the server's users config, or GRANT ACCESS MANAGEMENT, SELECT ON ${this.target.database}.* TO it WITH GRANT OPTION (code ${code}: ${text})`,
      { cause: err },
    );
  }
}

interface PolicyRow {
  short_name: string;
  database: string;
  table: string;
  select_filter: string;
}

/** The tenant a policy filter names (`TenantId = 'acme'`), or '' when it names none. */
export function tenantOfFilter(filter: string): string {
  const match = /TenantId`?\s*=\s*'((?:[^'\\]|\\.)*)'/.exec(filter);
  return match ? match[1]!.replace(/\\(.)/g, '$1') : '';
}
