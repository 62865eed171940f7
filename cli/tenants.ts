// `telepipe tenants add|list|remove` and the tenant users `telepipe migrate` applies: the text
// they print. A generated password is printed once, here, to stdout; it is never logged.
import type { Config } from '../lib/config/index.ts';
import { Tenants, type TenantAdded } from '../lib/tenants/manage.ts';

async function withTenants<T>(config: Config, body: (tenants: Tenants) => Promise<T>): Promise<T> {
  const tenants = await Tenants.open(config);
  try {
    return await body(tenants);
  } finally {
    await tenants.close();
  }
}

export function describeAdded(added: TenantAdded, mechanism: string): string {
  const { names } = added;
  const lines = [
    `${added.created ? 'created' : 'updated'} tenant ${JSON.stringify(names.tenant)}: user ${names.user} (${mechanism})`,
  ];
  if (added.generatedPassword) {
    lines.push(
      `password for ${names.user} (shown once; store it now, e.g. in the Grafana data source): ${added.generatedPassword}`,
    );
  }
  return lines.join('\n');
}

export async function tenantsAdd(
  config: Config,
  tenant: string,
  passwordSha256: string | undefined,
): Promise<string> {
  return withTenants(config, async (tenants) =>
    describeAdded(await tenants.add(tenant, passwordSha256), tenants.access.mechanism),
  );
}

export async function tenantsRemove(config: Config, tenant: string): Promise<string> {
  return withTenants(config, async (tenants) => {
    const user = tenants.names(tenant).user;
    return (await tenants.remove(tenant))
      ? `removed tenant ${JSON.stringify(tenant)}: user ${user}`
      : `no user for tenant ${JSON.stringify(tenant)} (${user}); nothing to remove`;
  });
}

export async function tenantsList(config: Config, json: boolean): Promise<string> {
  return withTenants(config, async (tenants) => {
    const entries = await tenants.list();
    if (json) return JSON.stringify(entries, null, 2);
    if (entries.length === 0) return `no tenant users (${tenants.access.mechanism})`;
    return entries
      .map((e) => `${JSON.stringify(e.tenant)}\tuser ${e.user}\treads ${e.database}`)
      .join('\n');
  });
}

/** `telepipe migrate`: the configured tenants, one line each (none configured: nothing). */
export async function applyConfiguredTenants(config: Config): Promise<string[]> {
  if (config.clickhouse.tenants.readers.length === 0) return [];
  return withTenants(config, async (tenants) =>
    (await tenants.applyConfigured({ mayGenerate: process.stdout.isTTY })).map((a) =>
      describeAdded(a, tenants.access.mechanism),
    ),
  );
}
