// Teardown shared by the page server tests that read scores from a per-test database.
import type { Config } from '../../lib/config/index.ts';
import type { AlertPageServer } from '../../services/anomaly-worker/page-server.ts';
import type { Storage } from '../../services/anomaly-worker/storage.ts';
import { dropTestDatabase } from './clickhouse.ts';

/** Stops the server, then drops the test database and closes its client (each if it was made). */
export async function stopPageServerAndStorage(
  server: AlertPageServer | undefined,
  storage: Storage | undefined,
  config: Config,
): Promise<void> {
  await server?.shutdown();
  if (!storage) return;
  await dropTestDatabase(storage.client, config);
  await storage.client.close();
}
