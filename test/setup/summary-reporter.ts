// Prints one plain closing line, `tests: N passed, N failed, N skipped`, that any CI log
// reader understands, after vitest's own summary. Test files that never ran (a test worker
// lost) and unhandled errors are added to it, so the line never reads clean when they were not.
import type { Reporter, SerializedError, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: readonly TestModule[],
    unhandledErrors: readonly SerializedError[],
  ): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    let notRun = 0;
    for (const module of testModules) {
      const state = module.state();
      if (state === 'queued' || state === 'pending') notRun += 1;
      for (const test of module.children.allTests()) {
        const result = test.result().state;
        if (result === 'passed') counts.passed += 1;
        else if (result === 'failed') counts.failed += 1;
        else counts.skipped += 1;
      }
    }
    const problems = [
      notRun > 0 ? `${notRun} test files not run` : '',
      unhandledErrors.length > 0 ? `${unhandledErrors.length} unhandled errors` : '',
    ].filter(Boolean);
    const suffix = problems.length > 0 ? ` (${problems.join(', ')})` : '';
    // At exit, so it is the last line, after vitest's own summary.
    process.once('exit', () => {
      process.stdout.write(
        `tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${suffix}\n`,
      );
    });
  }
}
