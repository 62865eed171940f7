// The processor as the tests start it: through its one builder, logging only with TEST_LOG.
import { pino } from 'pino';
import type { Config } from '../../lib/config/index.ts';
import type { Service } from '../../lib/service.ts';
import { createProcessorService } from '../../services/processor/main.ts';

export async function startProcessor(config: Config): Promise<Service> {
  const processor = await createProcessorService(config, {
    logger: pino({ level: process.env.TEST_LOG ?? 'silent' }),
  });
  return processor.service;
}
