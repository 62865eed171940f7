// The lifecycle contract every pipeline component keeps (lib/component.ts): shutdown is
// safe to call twice, a component starts again after shutdown, and it counts what it
// received, sent and dropped. Taken through by every component of every service, built
// by the services' own factories against the real servers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClickHouseClient } from '../../lib/clickhouse/client.ts';
import type { Service } from '../../lib/service.ts';
import { runMigrations } from '../../lib/clickhouse/migrate.ts';
import { createIngestService } from '../../services/ingest/main.ts';
import { createWorkerService } from '../../services/anomaly-worker/main.ts';
import { createProcessorService } from '../../services/processor/main.ts';
import { testConfig } from '../support/stack.ts';

const config = testConfig();
config.ingest.adminAddress = '127.0.0.1:0';
config.ingest.grpc.address = '127.0.0.1:0';
config.ingest.http.address = '127.0.0.1:0';
config.processor.adminAddress = '127.0.0.1:0';
config.worker.adminAddress = '127.0.0.1:0';
config.worker.page.address = '127.0.0.1:0';
config.worker.model.dir = mkdtempSync(join(tmpdir(), 'telepipe-components-'));

const services: Service[] = [];

const factories: Record<string, () => Promise<Service>> = {
  ingest: async () => (await createIngestService(config)).service,
  processor: async () => (await createProcessorService(config)).service,
  worker: async () => (await createWorkerService(config)).service,
};

describe('every component: start, shutdown twice, restart, counters', () => {
  afterAll(async () => {
    for (const service of services) await service.shutdown();
    const client = createClickHouseClient(config.clickhouse);
    await client.command({ query: `DROP DATABASE IF EXISTS ${config.clickhouse.database}` });
    await client.close();
  });

  for (const [name, create] of Object.entries(factories)) {
    it(`${name}`, async () => {
      await runMigrations(config);
      const service = await create();
      services.push(service);
      expect(service.components.length).toBeGreaterThan(0);
      // Reverse order, as the service stops them: downstream components outlive upstream ones.
      for (const component of [...service.components].reverse()) {
        await Promise.all([component.shutdown(), component.shutdown()]);
        await component.shutdown();
      }
      for (const component of service.components) {
        await component.start();
        const stats = component.stats();
        expect(Object.keys(stats).sort(), component.name).toEqual(['dropped', 'received', 'sent']);
        for (const value of Object.values(stats))
          expect(Number.isInteger(value) && value >= 0).toBe(true);
      }
      const admin = `http://127.0.0.1:${service.adminPort()}`;
      const ready = await fetch(`${admin}/readyz`);
      expect(ready.status, `${name} ready again after restart`).toBe(200);
    });
  }
});
