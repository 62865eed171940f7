// How a tenant (a TenantId value, any string) becomes ClickHouse names: its read-only user, the
// row policy per table (modern servers) and its own database (old servers). Names must be
// identifiers, so characters outside [A-Za-z0-9_] are replaced and a short hash of the tenant
// keeps two tenants that differ only in those characters apart.
import { createHash, randomBytes } from 'node:crypto';
import type { TenantsConfig } from '../config/sections/common.ts';
import { ANOMALY_SCORES, OTEL_TABLES } from '../clickhouse/tables.ts';
import type { TableSpec } from '../clickhouse/schema.ts';

export const sha256Hex = (text: string): string =>
  createHash('sha256').update(text, 'utf8').digest('hex');

/** A password for a generated user: 24 random bytes, URL-safe. */
export const generatePassword = (): string => randomBytes(24).toString('base64url');

/** `tenant` as an identifier part. */
export function tenantIdent(tenant: string): string {
  if (/^[A-Za-z0-9_]+$/.test(tenant)) return tenant;
  return `${tenant.replace(/[^A-Za-z0-9_]/g, '_')}_${sha256Hex(tenant).slice(0, 8)}`;
}

export interface TenantNames {
  tenant: string;
  /** The read-only ClickHouse user. */
  user: string;
  /** Old servers: the database holding the tenant's copy of every table. */
  database: string;
}

export function tenantNames(
  tenant: string,
  config: { database: string; tenants: Pick<TenantsConfig, 'userPrefix'> },
): TenantNames {
  const ident = tenantIdent(tenant);
  return {
    tenant,
    user: `${config.tenants.userPrefix}${ident}`,
    database: `${config.database}_tenant_${ident}`,
  };
}

/** Every table a tenant reads: the otel_* tables and anomaly_scores (all have TenantId). */
export const TENANT_TABLES: readonly TableSpec[] = [...Object.values(OTEL_TABLES), ANOMALY_SCORES];

/** A string literal for SQL. */
export const sqlString = (value: string): string =>
  `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The row filter of a tenant, the same text in row policies and copy views. */
export const tenantFilter = (tenant: string): string => `TenantId = ${sqlString(tenant)}`;
