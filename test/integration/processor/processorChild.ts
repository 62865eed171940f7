// The processor as its own process, configured from TELEPIPE_* environment variables, for
// the crash tests (`node --import tsx` this file; the CLI's `telepipe process` is wired by
// the lead). Prints `ready` once started; exits non-zero when the start fails.
import { loadConfig } from '../../../lib/config/index.ts';
import { runProcessor } from '../../../services/processor/main.ts';

await runProcessor(loadConfig());
process.stdout.write('ready\n');
