// The worker's ClickHouse connection and the dialect its tables were created in (recorded by
// `telepipe migrate`), shared by the series reader, the score writer and the alert page.
import {
  clickhouseReachable,
  createClickHouseClient,
  selectRows,
  type ClickHouseClient,
} from '../../lib/clickhouse/client.ts';
import type { Dialect, DialectName } from '../../lib/clickhouse/dialect.ts';
import { BaseComponent } from '../../lib/component.ts';
import type { Config } from '../../lib/config/index.ts';
import { requireCurrentSchema } from '../../lib/clickhouse/migrate.ts';

export interface Storage {
  client: ClickHouseClient;
  dialect: Dialect;
  database: string;
}

/** What the queries need: a dialect to write them in and something to run them. */
export interface SqlSource {
  dialect: DialectName;
  database: string;
  select: <T>(sql: string) => Promise<T[]>;
}

export function sqlSource(storage: Storage): SqlSource {
  return {
    dialect: storage.dialect.name,
    database: storage.database,
    select: <T>(sql: string) => selectRows<T>(storage.client, sql),
  };
}

/** Connects and checks the schema; the caller closes `client`. */
export async function openStorage(config: Config['clickhouse']): Promise<Storage> {
  const client = createClickHouseClient(config, { maxOpenConnections: 4 });
  try {
    const dialect = await requireCurrentSchema(client, config.database);
    return { client, dialect, database: config.database };
  } catch (err) {
    await client.close();
    throw err;
  }
}

export class ClickHouseStorage extends BaseComponent {
  readonly name = 'clickhouse';
  private opened: Storage | undefined;

  constructor(private readonly config: Config['clickhouse']) {
    super();
  }

  /** The connection; only while started. */
  get storage(): Storage {
    if (!this.opened) throw new Error('ClickHouse storage used before start');
    return this.opened;
  }

  async reachable(): Promise<boolean> {
    return this.opened ? clickhouseReachable(this.opened.client) : false;
  }

  protected async onStart(): Promise<void> {
    this.opened = await openStorage(this.config);
  }

  protected async onShutdown(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    await opened?.client.close();
  }
}
