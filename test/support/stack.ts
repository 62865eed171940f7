// Helpers for tests against the real local stack: each test gets its own Kafka topics
// and ClickHouse database, so tests never see each other's data.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../lib/config/index.ts';

export const silentLogger = pino({ level: 'silent' });

/** A port nothing listens on right now (for servers that must know their port up front). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A short unique suffix for topic and database names. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/**
 * The default (local stack) config with topics and database unique to one test.
 * `overrides` are merged per section.
 */
export function testConfig(
  overrides: Partial<{ [K in keyof Config]: Partial<Config[K]> }> = {},
): Config {
  const base = loadConfig({ env: {} });
  const id = uniqueSuffix();
  const config: Config = {
    ...base,
    log: { level: 'silent' },
    kafka: {
      ...base.kafka,
      partitions: 3,
      topics: {
        metrics: `test_metrics_${id}`,
        logs: `test_logs_${id}`,
        traces: `test_spans_${id}`,
        deadLetter: `test_dlq_${id}`,
      },
    },
    clickhouse: { ...base.clickhouse, database: `test_${id}` },
  };
  for (const [section, values] of Object.entries(overrides)) {
    Object.assign(config[section as keyof Config], values);
  }
  return config;
}

/**
 * Stops one server of the local stack (it must have been started by this checkout's
 * `stack up`), runs `body`, and always brings the stack back up afterwards.
 */
export async function withServerStopped<T>(
  name: 'kafka' | 'clickhouse' | 'alertmanager',
  body: () => Promise<T>,
): Promise<T> {
  const { localServers } = await import('../../infra/stack/servers.ts');
  const { stopPid } = await import('../../infra/stack/processes.ts');
  const { stackUp } = await import('../../infra/stack/stack.ts');
  const config = loadConfig({ env: {} });
  const server = localServers(config.stack).find((s) => s.name === name)!;
  if (!(await stopPid(server.pidFile))) {
    throw new Error(
      `${name} was not started by this checkout's stack (no live pid in ${server.pidFile}); run \`npm run stack:down\` in the checkout that started it`,
    );
  }
  try {
    return await body();
  } finally {
    await stackUp(config, () => undefined);
  }
}
