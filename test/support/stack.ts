// Helpers for tests against the real local stack: each test gets its own Kafka topics
// and ClickHouse database, so tests never see each other's data.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../lib/config/index.ts';

export const silentLogger = pino({ level: 'silent' });

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
