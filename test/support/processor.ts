// The processor as the tests start it: through its one builder, logging only with TEST_LOG,
// on a config of its own (topics, database, consumer group) whose topics and database exist.
import { pino } from 'pino';
import type { Config } from '../../lib/config/index.ts';
import type { Service } from '../../lib/service.ts';
import { createProcessorService } from '../../services/processor/main.ts';
import { createTopics, migrateTestDatabase } from './clickhouse.ts';
import { testConfig, uniqueSuffix } from './stack.ts';

export function processorTestConfig(overrides: Partial<Config['processor']> = {}): Config {
  const config = testConfig();
  config.processor = {
    ...config.processor,
    adminAddress: '127.0.0.1:0',
    groupId: `test_processor_${uniqueSuffix()}`,
    batch: { maxRows: 50_000, maxBytes: 16 * 1024 * 1024, maxAgeMs: 300 },
    retry: { initialMs: 200, maxMs: 2000 },
    ...overrides,
  };
  return config;
}

/** Creates the config's topics and migrates its database. */
export async function prepare(config: Config): Promise<void> {
  await createTopics(config);
  await migrateTestDatabase(config);
}

export async function startProcessor(config: Config): Promise<Service> {
  const processor = await createProcessorService(config, {
    logger: pino({ level: process.env.TEST_LOG ?? 'silent' }),
  });
  return processor.service;
}
