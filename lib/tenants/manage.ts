// `telepipe tenants add|list|remove` and the tenants of `clickhouse.tenants.readers` at
// `telepipe migrate`: one read-only ClickHouse user per tenant whose reads of every telepipe
// table are restricted to its TenantId (docs/tenants.md). Servers with SQL access control get
// row policies (row-policies.ts); 18.16 gets a users file and a tenant database (users-file.ts).
// Passwords are generated here or given as sha256; a generated one is returned to the caller
// (the CLI prints it once) and never logged.
import { resolve } from 'node:path';
import type { Config } from '../config/index.ts';
import {
  createClickHouseClient,
  detectDialect,
  type ClickHouseClient,
} from '../clickhouse/client.ts';
import { readSchemaState } from '../clickhouse/migrate.ts';
import { Dialect } from '../clickhouse/dialect.ts';
import { TelepipeError } from '../errors.ts';
import type { TenantAccess, TenantEntry } from './access.ts';
import { generatePassword, sha256Hex, tenantNames, type TenantNames } from './names.ts';
import { RowPolicyAccess } from './row-policies.ts';
import { UsersFileAccess } from './users-file.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** How long `tenants add` waits for an 18.16 server to load a users file. */
const RELOAD_TIMEOUT_MS = 30_000;

export interface TenantAdded {
  names: TenantNames;
  created: boolean;
  /** Set only when telepipe generated the password: shown once, stored nowhere. */
  generatedPassword?: string;
}

/** The users.d folder for 18.16: configured, else the local stack's (as infra/stack lays it out). */
export function usersDir(config: Config): string {
  const dir = config.clickhouse.tenants.usersDir;
  return dir ? resolve(dir) : resolve(REPO_ROOT, config.stack.dir, 'clickhouse', 'users.d');
}

export class Tenants {
  private constructor(
    private readonly config: Config,
    private readonly client: ClickHouseClient,
    readonly access: TenantAccess,
    private readonly ownsClient: boolean,
  ) {}

  /** Row policies when the server has SQL access control (the modern dialect), else users files. */
  static async open(config: Config, client?: ClickHouseClient): Promise<Tenants> {
    const ch = config.clickhouse;
    const own = client ?? createClickHouseClient(ch);
    try {
      const server = await detectDialect(own);
      const state = await readSchemaState(own, ch.database);
      if (!state) {
        throw new TelepipeError(
          'schema',
          `ClickHouse database ${ch.database} has no telepipe schema; run \`telepipe migrate\` before adding tenants`,
        );
      }
      const { tenants } = ch;
      const access: TenantAccess =
        server.name === 'modern'
          ? new RowPolicyAccess(own, {
              database: ch.database,
              cluster: ch.cluster,
              networks: tenants.networks,
              userPrefix: tenants.userPrefix,
              username: ch.username,
            })
          : new UsersFileAccess(own, {
              schema: {
                database: ch.database,
                cluster: ch.cluster,
                retentionDays: ch.retentionDays,
                // The copies are created like the tables they copy.
                dialect: new Dialect(state.dialect),
              },
              usersDir: usersDir(config),
              networks: tenants.networks,
              userPrefix: tenants.userPrefix,
              url: ch.url,
              reloadTimeoutMs: RELOAD_TIMEOUT_MS,
            });
      return new Tenants(config, own, access, client === undefined);
    } catch (err) {
      if (!client) await own.close();
      throw err;
    }
  }

  names(tenant: string): TenantNames {
    return tenantNames(tenant, this.config.clickhouse);
  }

  /**
   * Creates the tenant's user, or brings it back in line. Without a hash a new user gets a
   * generated password; an existing one keeps its password.
   */
  async add(tenant: string, passwordSha256?: string): Promise<TenantAdded> {
    const names = this.names(tenant);
    const exists = await this.access.exists(names);
    const generatedPassword = !exists && !passwordSha256 ? generatePassword() : undefined;
    const sha = passwordSha256 ?? (generatedPassword ? sha256Hex(generatedPassword) : undefined);
    await this.access.apply(names, sha);
    return { names, created: !exists, ...(generatedPassword ? { generatedPassword } : {}) };
  }

  async remove(tenant: string): Promise<boolean> {
    return this.access.remove(this.names(tenant));
  }

  async list(): Promise<TenantEntry[]> {
    return this.access.list();
  }

  /**
   * `telepipe migrate`: every tenant of clickhouse.tenants.readers. Unless `mayGenerate` (the
   * output is a terminal), a new user without passwordSha256 is an error: a generated password
   * would end up in a Job's or CI's log.
   */
  async applyConfigured(options: { mayGenerate: boolean }): Promise<TenantAdded[]> {
    const readers = this.config.clickhouse.tenants.readers;
    if (!options.mayGenerate) {
      for (const [i, reader] of readers.entries()) {
        if (reader.passwordSha256 || (await this.access.exists(this.names(reader.tenant))))
          continue;
        throw new TelepipeError(
          'config',
          `clickhouse.tenants.readers.${i} (tenant ${JSON.stringify(reader.tenant)}) has no passwordSha256 and its user does not exist yet; ` +
            'a generated password is printed only to a terminal, never into logs: set passwordSha256, or run `telepipe tenants add` in a terminal',
        );
      }
    }
    const added: TenantAdded[] = [];
    for (const reader of readers) added.push(await this.add(reader.tenant, reader.passwordSha256));
    return added;
  }

  /** `telepipe doctor`: per configured tenant, what differs from the config. */
  async problems(): Promise<Array<{ tenant: string; user: string; problems: string[] }>> {
    const out = [];
    for (const reader of this.config.clickhouse.tenants.readers) {
      const names = this.names(reader.tenant);
      out.push({
        tenant: reader.tenant,
        user: names.user,
        problems: await this.access.problems(names, reader.passwordSha256),
      });
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }
}
