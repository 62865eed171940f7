// One worker of a multi-process processor (ProcessorWorkers, workers.ts): the whole
// one-process processor, built by createProcessorService from the config the parent sends.
import type { Config } from '../../lib/config/index.ts';
import { joinPool } from '../../lib/workers/pool.ts';
import { createProcessorService } from './main.ts';

joinPool(async (config: Config) => {
  const { service } = await createProcessorService(config);
  return { service, info: undefined };
});
