// One worker of a multi-process ingest (createIngestCluster, workers.ts): the whole ingest,
// built by createIngestService from the config the primary sends; it reports its ports.
import type { Config } from '../../lib/config/index.ts';
import { joinPool } from '../../lib/workers/pool.ts';
import { createIngestService } from './main.ts';
import type { IngestPorts } from './workers.ts';

joinPool(async (config: Config) => {
  const ingest = await createIngestService(config);
  const info: IngestPorts = { grpcPort: ingest.grpcPort(), httpPort: ingest.httpPort() };
  return { service: ingest.service, info };
});
