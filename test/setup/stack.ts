// vitest global setup for integration and end-to-end tests: brings the real local stack
// up once (or reuses a running one). Servers are left running afterwards so the next run
// starts fast; `npm run stack:down` stops them.
import { loadConfig } from '../../lib/config/index.ts';
import { formatStatus, stackUp } from '../../infra/stack/stack.ts';

export default async function setup(): Promise<void> {
  const config = loadConfig();
  const statuses = await stackUp(config, (line) => process.stderr.write(`[stack] ${line}\n`));
  process.stderr.write(`${formatStatus(statuses)}\n`);
}
