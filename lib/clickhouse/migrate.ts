// `telepipe migrate`: applies the versioned migrations that are not yet recorded in
// `<database>.telepipe_schema_migrations`, in order. Running it again is a no-op. The
// dialect is detected once, from the server version, and recorded with each migration:
// the processor writes in the dialect the tables were created in, even if the server
// was upgraded since.
import type { Config } from '../config/index.ts';
import {
  createClickHouseClient,
  detectDialect,
  runStatement,
  selectRows,
  type ClickHouseClient,
} from './client.ts';
import { Dialect, type DialectName } from './dialect.ts';
import { TelepipeError } from '../errors.ts';
import { createDatabase, onCluster, type SchemaTarget } from './ddl.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations/index.ts';

export const MIGRATIONS_TABLE = 'telepipe_schema_migrations';

export interface MigrationResult {
  dialect: DialectName;
  /** Versions applied by this run (empty when the schema was already current). */
  applied: number[];
  version: number;
}

export interface SchemaState {
  version: number;
  dialect: DialectName;
}

export async function runMigrations(config: Config): Promise<MigrationResult> {
  const client = createClickHouseClient(config.clickhouse);
  try {
    return await migrate(client, config.clickhouse);
  } finally {
    await client.close();
  }
}

export async function migrate(
  client: ClickHouseClient,
  ch: Config['clickhouse'],
): Promise<MigrationResult> {
  const detected = await detectDialect(client);
  const bootstrap = target(ch, detected);
  await runStatement(client, createDatabase(bootstrap));
  await runStatement(client, createMigrationsTable(bootstrap));
  const state = await readSchemaState(client, ch.database);
  const t = target(ch, new Dialect(state?.dialect ?? detected.name));
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (state && migration.version <= state.version) continue;
    for (const statement of migration.statements(t)) await runStatement(client, statement);
    await runStatement(client, recordMigration(t, migration.version, migration.name));
    applied.push(migration.version);
  }
  return { dialect: t.dialect.name, applied, version: LATEST_SCHEMA_VERSION };
}

function target(ch: Config['clickhouse'], dialect: Dialect): SchemaTarget {
  return { database: ch.database, cluster: ch.cluster, retentionDays: ch.retentionDays, dialect };
}

export function createMigrationsTable(t: SchemaTarget): string {
  const engine = t.cluster
    ? `ReplicatedMergeTree('/clickhouse/tables/{shard}/${t.database}/${MIGRATIONS_TABLE}', '{replica}')`
    : 'MergeTree';
  return (
    `CREATE TABLE IF NOT EXISTS ${t.database}.${MIGRATIONS_TABLE}${onCluster(t)} (\n` +
    '    Version UInt32,\n    Name String,\n    Dialect String,\n    AppliedAt DateTime\n' +
    `) ENGINE = ${engine} ORDER BY Version`
  );
}

function recordMigration(t: SchemaTarget, version: number, name: string): string {
  const quoted = name.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  // Replicated tables replicate the row itself; no ON CLUSTER for the INSERT.
  return (
    `INSERT INTO ${t.database}.${MIGRATIONS_TABLE} (Version, Name, Dialect, AppliedAt) ` +
    `VALUES (${version}, '${quoted}', '${t.dialect.name}', now())`
  );
}

/** The recorded schema version and dialect, or undefined when nothing was migrated yet. */
export async function readSchemaState(
  client: ClickHouseClient,
  database: string,
): Promise<SchemaState | undefined> {
  const exists = await selectRows<{ n: number | string }>(
    client,
    `SELECT count() AS n FROM system.tables WHERE database = '${database}' AND name = '${MIGRATIONS_TABLE}'`,
  );
  if (Number(exists[0]?.n ?? 0) === 0) return undefined;
  const rows = await selectRows<{ Version: number; Dialect: string }>(
    client,
    `SELECT Version, Dialect FROM ${database}.${MIGRATIONS_TABLE} ORDER BY Version DESC LIMIT 1`,
  );
  const last = rows[0];
  if (!last) return undefined;
  return { version: Number(last.Version), dialect: last.Dialect === 'old' ? 'old' : 'modern' };
}

/**
 * The processor's start check: the schema must be exactly the version this build knows.
 * Returns the dialect the tables were created in.
 */
export async function requireCurrentSchema(
  client: ClickHouseClient,
  database: string,
): Promise<Dialect> {
  const state = await readSchemaState(client, database);
  if (!state) {
    throw new TelepipeError(
      'schema',
      `ClickHouse database ${database} has no telepipe schema; run \`telepipe migrate\` first`,
    );
  }
  if (state.version < LATEST_SCHEMA_VERSION) {
    throw new TelepipeError(
      'schema',
      `ClickHouse schema of ${database} is at version ${state.version}, this telepipe needs ${LATEST_SCHEMA_VERSION}; run \`telepipe migrate\``,
    );
  }
  if (state.version > LATEST_SCHEMA_VERSION) {
    throw new TelepipeError(
      'schema',
      `ClickHouse schema of ${database} is at version ${state.version}, newer than this telepipe knows (${LATEST_SCHEMA_VERSION}); upgrade telepipe or run the matching \`telepipe migrate\``,
    );
  }
  return new Dialect(state.dialect);
}
