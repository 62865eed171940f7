// The Python that tests run: the project's virtual environment (.telepipe/venv), where
// `npm test` installs the pinned pip packages (chdb, kubernetes-validate), or the system
// python3 when there is none (a machine set up by hand).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VENV } from '../../infra/setup/test-prereqs.ts';

export function testPython(): string {
  const venvPython = join(VENV, 'bin', 'python3');
  return existsSync(venvPython) ? venvPython : 'python3';
}

/** What to run when a pip package is missing. */
export const INSTALL_HINT =
  'run `npx tsx infra/setup/test-prereqs.ts` (what `npm test` runs first)';
