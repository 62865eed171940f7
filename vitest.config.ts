import { delimiter, join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs no servers; `integration` and `e2e` talk to the real local
// stack, which test/setup/stack.ts brings up once (or reuses) before they run.
// `npm test` first installs what the tests need (infra/setup/test-prereqs.ts); the pip
// packages live in .telepipe/venv, whose bin/ comes first on the tests' PATH so that
// `python3` there has chdb and kubernetes-validate.
const env = {
  PATH: [join(import.meta.dirname, '.telepipe', 'venv', 'bin'), process.env.PATH].join(delimiter),
};

export default defineConfig({
  test: {
    reporters: ['default', './test/setup/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          env,
          testTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          env,
          globalSetup: ['test/setup/stack.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // One file at a time: the servers share 2 cores with the services under test.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          // After the unit project, not beside it: the end-to-end tests measure alert and
          // resolve times, which a CPU-bound unit suite on the same 2 cores would distort.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
