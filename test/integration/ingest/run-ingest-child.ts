// Child process for run-ingest.test.ts: `telepipe ingest` as the CLI runs it.
import { parseConfig } from '../../../lib/config/index.ts';
import { runIngest } from '../../../services/ingest/main.ts';

await runIngest(parseConfig(JSON.parse(process.argv[2] ?? '{}')));
