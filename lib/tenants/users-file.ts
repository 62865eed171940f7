// Tenant users on ClickHouse 18.16, which has no SQL access control and no row filters: its
// users config knows `allow_databases` (which databases a user may touch) and profiles with
// `readonly`, nothing finer. (A `<databases><db><table><filter>` section, the row filter of
// 19.x and later, is silently ignored by 18.16: the user reads every row.) So each tenant gets
//   - a database `<database>_tenant_<tenant>` with a copy of every telepipe table, fed by a
//     materialized view per table that keeps only the tenant's rows (existing rows are copied
//     once when the view is created), and
//   - a users file in the server's users.d folder: the user, its password's sha256, the networks
//     it may come from, `allow_databases` = that database only, and a `readonly = 1` profile.
// The server notices the file within seconds; apply/remove wait until it has.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runStatement, selectRows, type ClickHouseClient } from '../clickhouse/client.ts';
import { createDatabase, createTable, onCluster, type SchemaTarget } from '../clickhouse/ddl.ts';
import { TelepipeError } from '../errors.ts';
import type { TenantAccess, TenantEntry } from './access.ts';
import { sqlString, TENANT_TABLES, tenantFilter, type TenantNames } from './names.ts';

/** The profile every tenant user gets: reads only (no INSERT, DDL, SET or table functions). */
export const READONLY_PROFILE = 'telepipe_tenant_readonly';

export const FEED_SUFFIX = '_feed';

export interface UsersFileTarget {
  /** The telepipe schema (main database, cluster, dialect) the copies mirror. */
  schema: SchemaTarget;
  /** The server's users.d folder. */
  usersDir: string;
  networks: readonly string[];
  userPrefix: string;
  /** The server's HTTP URL: whether it has loaded a user is asked by logging in. */
  url: string;
  /** How long to wait for the server to load or drop a users file. */
  reloadTimeoutMs: number;
}

/** Where a table's rows are stored: `<name>_local` on a cluster. */
const storage = (t: SchemaTarget, name: string): string => (t.cluster ? `${name}_local` : name);

/** The tenant's database, its tables and the views feeding them. */
export function copyStatements(names: TenantNames, schema: SchemaTarget): string[] {
  const copy: SchemaTarget = { ...schema, database: names.database };
  return [
    createDatabase(copy),
    ...TENANT_TABLES.flatMap((spec) => createTable(spec, copy)),
    ...TENANT_TABLES.map(
      (spec) =>
        `CREATE MATERIALIZED VIEW IF NOT EXISTS ${names.database}.${spec.name}${FEED_SUFFIX}${onCluster(copy)} ` +
        `TO ${names.database}.${storage(copy, spec.name)} ` +
        `AS SELECT * FROM ${schema.database}.${storage(schema, spec.name)} WHERE ${tenantFilter(names.tenant)}`,
    ),
  ];
}

/** Copies the rows stored before the view existed (through the Distributed tables on a cluster). */
export function backfillStatement(names: TenantNames, schema: SchemaTarget, table: string): string {
  return `INSERT INTO ${names.database}.${table} SELECT * FROM ${schema.database}.${table} WHERE ${tenantFilter(names.tenant)}`;
}

export const usersFileName = (user: string): string => `${user}.xml`;

const xmlText = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The tenant, in a comment `list` reads back: JSON, with `-` escaped so `--` cannot end it. */
const TENANT_MARK = /<!-- telepipe tenant: (".*") -->/;

export interface UsersFile {
  tenant: string;
  user: string;
  database: string;
  passwordSha256: string;
  networks: readonly string[];
}

export function renderUsersFile(f: UsersFile): string {
  const tenant = JSON.stringify(f.tenant).replace(/-/g, '\\u002d');
  const ips = f.networks.map((n) => `<ip>${xmlText(n)}</ip>`).join('');
  return `<?xml version="1.0"?>
<!-- Written by \`telepipe tenants\`; edit the config and run it again instead of this file. -->
<!-- telepipe tenant: ${tenant} -->
<yandex>
    <profiles>
        <${READONLY_PROFILE}>
            <readonly>1</readonly>
        </${READONLY_PROFILE}>
    </profiles>
    <users>
        <${f.user}>
            <password_sha256_hex>${f.passwordSha256.toLowerCase()}</password_sha256_hex>
            <networks>${ips}</networks>
            <profile>${READONLY_PROFILE}</profile>
            <quota>default</quota>
            <allow_databases>
                <database>${f.database}</database>
            </allow_databases>
        </${f.user}>
    </users>
</yandex>
`;
}

/** Reads back a file renderUsersFile wrote; undefined for anything else. */
export function parseUsersFile(text: string): UsersFile | undefined {
  const tenant = TENANT_MARK.exec(text)?.[1];
  const user = /<users>\s*<([A-Za-z_][A-Za-z0-9_]*)>/.exec(text)?.[1];
  const sha = /<password_sha256_hex>([0-9a-f]{64})<\/password_sha256_hex>/.exec(text)?.[1];
  const database = /<database>([A-Za-z0-9_]+)<\/database>/.exec(text)?.[1];
  if (tenant === undefined || !user || !sha || !database) return undefined;
  const networks = [...text.matchAll(/<ip>([^<]*)<\/ip>/g)].map((m) =>
    m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'),
  );
  return { tenant: JSON.parse(tenant) as string, user, database, passwordSha256: sha, networks };
}

export class UsersFileAccess implements TenantAccess {
  readonly mechanism = 'users file and tenant database (ClickHouse 18.16 has no row policies)';

  constructor(
    private readonly client: ClickHouseClient,
    private readonly target: UsersFileTarget,
  ) {}

  async exists(names: TenantNames): Promise<boolean> {
    return (await this.readFile(names.user)) !== undefined;
  }

  async apply(names: TenantNames, passwordSha256: string | undefined): Promise<void> {
    const sha = passwordSha256 ?? (await this.readFile(names.user))?.passwordSha256;
    if (!sha) {
      throw new TelepipeError(
        'config',
        `tenant user ${names.user} does not exist yet and needs a password: give its sha256 in clickhouse.tenants.readers[].passwordSha256, or let telepipe generate one`,
      );
    }
    const fed = await this.feeds(names.database);
    for (const statement of copyStatements(names, this.target.schema)) {
      await runStatement(this.client, statement);
    }
    // Rows stored before a view existed are copied once; the view feeds every later insert.
    for (const spec of TENANT_TABLES) {
      if (fed.has(`${spec.name}${FEED_SUFFIX}`)) continue;
      await runStatement(this.client, backfillStatement(names, this.target.schema, spec.name));
    }
    await this.writeFile({
      tenant: names.tenant,
      user: names.user,
      database: names.database,
      passwordSha256: sha,
      networks: this.target.networks,
    });
    await this.waitForServer(names.user, true);
  }

  async remove(names: TenantNames): Promise<boolean> {
    const had = await this.exists(names);
    await rm(join(this.target.usersDir, usersFileName(names.user)), { force: true });
    if (had) await this.waitForServer(names.user, false);
    const copy = { ...this.target.schema, database: names.database };
    await runStatement(this.client, `DROP DATABASE IF EXISTS ${names.database}${onCluster(copy)}`);
    return had;
  }

  async list(): Promise<TenantEntry[]> {
    const files = await readdir(this.target.usersDir).catch(() => [] as string[]);
    const entries: TenantEntry[] = [];
    for (const file of files.filter(
      (f) => f.startsWith(this.target.userPrefix) && f.endsWith('.xml'),
    )) {
      const parsed = await this.readFile(file.slice(0, -'.xml'.length));
      if (parsed?.database.startsWith(`${this.target.schema.database}_tenant_`)) {
        entries.push({ tenant: parsed.tenant, user: parsed.user, database: parsed.database });
      }
    }
    return entries;
  }

  async problems(names: TenantNames, passwordSha256: string | undefined): Promise<string[]> {
    const file = await this.readFile(names.user);
    if (!file) {
      return [`no users file ${join(this.target.usersDir, usersFileName(names.user))}`];
    }
    const found: string[] = [];
    if (file.tenant !== names.tenant) found.push(`users file is for tenant "${file.tenant}"`);
    if (file.database !== names.database)
      found.push(`users file allows database ${file.database}, expected ${names.database}`);
    if (passwordSha256 && file.passwordSha256 !== passwordSha256.toLowerCase()) {
      found.push('password sha256 differs from clickhouse.tenants.readers[].passwordSha256');
    }
    if (!(await this.serverKnows(names.user)))
      found.push(`the server has not loaded user ${names.user}`);
    const views = await selectRows<{ name: string; create_table_query: string }>(
      this.client,
      `SELECT name, create_table_query FROM system.tables WHERE database = ${sqlString(names.database)}`,
    );
    for (const spec of TENANT_TABLES) {
      const view = views.find((v) => v.name === `${spec.name}${FEED_SUFFIX}`);
      if (!view)
        found.push(
          `no copy of ${spec.name} (view ${names.database}.${spec.name}${FEED_SUFFIX} missing)`,
        );
      else if (!view.create_table_query.includes(tenantFilter(names.tenant))) {
        found.push(
          `view ${names.database}.${view.name} does not filter ${tenantFilter(names.tenant)}`,
        );
      }
    }
    return found;
  }

  private async feeds(database: string): Promise<Set<string>> {
    const rows = await selectRows<{ name: string }>(
      this.client,
      `SELECT name FROM system.tables WHERE database = ${sqlString(database)} AND engine = 'MaterializedView'`,
    );
    return new Set(rows.map((r) => r.name));
  }

  private async readFile(user: string): Promise<UsersFile | undefined> {
    const text = await readFile(join(this.target.usersDir, usersFileName(user)), 'utf8').catch(
      () => undefined,
    );
    return text === undefined ? undefined : parseUsersFile(text);
  }

  /** Written whole and renamed into place, so the server never loads half a file. */
  private async writeFile(file: UsersFile): Promise<void> {
    await mkdir(this.target.usersDir, { recursive: true });
    const path = join(this.target.usersDir, usersFileName(file.user));
    const partial = `${path}.tmp`;
    await writeFile(partial, renderUsersFile(file), { mode: 0o640 });
    await rename(partial, path);
  }

  /**
   * Whether the server has loaded the user: a login with a wrong password says "Wrong password"
   * (193) for a user it knows and "Unknown user" (192) otherwise.
   */
  private async serverKnows(user: string): Promise<boolean> {
    const res = await fetch(`${this.target.url.replace(/\/+$/, '')}/?query=SELECT%201`, {
      headers: { authorization: `Basic ${Buffer.from(`${user}:-`).toString('base64')}` },
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    return !/Code: 192\b/.test(text);
  }

  private async waitForServer(user: string, loaded: boolean): Promise<void> {
    const deadline = Date.now() + this.target.reloadTimeoutMs;
    while ((await this.serverKnows(user)) !== loaded) {
      if (Date.now() > deadline) {
        throw new TelepipeError(
          'unavailable',
          `ClickHouse did not ${loaded ? 'load' : 'drop'} user ${user} within ${this.target.reloadTimeoutMs / 1000} s: ` +
            `is clickhouse.tenants.usersDir (${this.target.usersDir}) the users.d folder next to the server's users.xml?`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
