// The two ClickHouse engines the processor's and the worker's integration tests run
// against, through the product's own client and writer: the 18.16 server of the local
// stack (old dialect) and a current engine, chDB behind the HTTP adapter (modern dialect,
// see docs/storage.md, "The chDB adapter"). A test file runs its body once per engine:
//
//   describe.each(ENGINES)('processor → $name', (engine) => {
//     const config = processorTestConfig();
//     const clickhouse = useEngine(engine, config); // first: its beforeAll points config at it
//     ...
//   });
import { afterAll, beforeAll } from 'vitest';
import type { DialectName } from '../../lib/clickhouse/dialect.ts';
import type { Config } from '../../lib/config/index.ts';
import { startChdbServer, type ChdbServer, type ChdbServerOptions } from './chdb-server.ts';
import { withServerStopped } from './stack.ts';

export interface Engine {
  name: string;
  /** The dialect `telepipe migrate` picks on it. */
  dialect: DialectName;
  /** True where repeated insert tokens are dropped: replays are stored once. */
  exactlyOnce: boolean;
}

export const ENGINES: readonly Engine[] = [
  { name: 'ClickHouse 18.16 (old dialect)', dialect: 'old', exactlyOnce: false },
  { name: 'chDB, current engine (modern dialect)', dialect: 'modern', exactlyOnce: true },
];

export interface EngineFixture {
  /** Points `config` at the engine too (in a test, once the block's hooks ran); returns it. */
  pointAt(config: Config): Config;
  /** Stops the engine, runs `body` while it is down, and starts it again on the same data. */
  whileStopped<T>(body: () => Promise<T>): Promise<T>;
}

/**
 * Registers the hooks that start the engine for the enclosing describe block (chDB: one
 * adapter per block, over a fresh directory, with `chdbOptions`; 18.16: the running local
 * stack) and point `config` at it (others: `pointAt`). Call it before the block's other hooks.
 */
export function useEngine(
  engine: Engine,
  config?: Config,
  chdbOptions: Pick<ChdbServerOptions, 'insertDelayMs'> = {},
): EngineFixture {
  let chdb: ChdbServer | undefined;
  if (engine.dialect === 'modern') {
    beforeAll(async () => {
      chdb = await startChdbServer(chdbOptions);
      if (config) fixture.pointAt(config);
    });
    afterAll(() => chdb?.stop());
  }
  const fixture: EngineFixture = {
    pointAt(other: Config): Config {
      if (chdb) other.clickhouse = { ...other.clickhouse, url: chdb.url };
      return other;
    },
    async whileStopped<T>(body: () => Promise<T>): Promise<T> {
      if (!chdb) return withServerStopped('clickhouse', body);
      let result: T | undefined;
      await chdb.restart({ whileDown: async () => void (result = await body()) });
      return result as T;
    },
  };
  return fixture;
}
