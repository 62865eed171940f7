// The Python that tests run: the project's virtual environment (.telepipe/venv), where
// `npm test` installs the pinned pip packages (chdb, kubernetes-validate), or the system
// python3 when there is none (a machine set up by hand).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const VENV_BIN = join(REPO_ROOT, '.telepipe', 'venv', 'bin');

export function testPython(): string {
  const venvPython = join(VENV_BIN, 'python3');
  return existsSync(venvPython) ? venvPython : 'python3';
}

/** What to run when a pip package is missing. */
export const INSTALL_HINT = 'run `node infra/setup/test-prereqs.mjs` (what `npm test` runs first)';
