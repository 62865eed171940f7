// Runs SQL in chDB, the ClickHouse engine as a Python library, so tests exercise the
// modern dialect in a current ClickHouse without a server. `npm test` installs it into
// .telepipe/venv (infra/setup/test-prereqs.mjs); a missing chdb is a failure, never a skip.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTALL_HINT, testPython } from './python.ts';

const SCRIPT = String.raw`
import json, sys
try:
    import chdb
    from chdb import session as chs
except ImportError as e:
    sys.stderr.write("chdb is not installed for %s: %s\n" % (sys.executable, e))
    sys.exit(3)
job = json.load(sys.stdin)
sess = chs.Session(job["path"])
out = []
for i, step in enumerate(job["steps"]):
    try:
        res = sess.query(step["sql"], step.get("format") or "CSV")
    except Exception as e:
        sys.stderr.write("step %d failed: %s\n--- SQL ---\n%s\n" % (i, e, step["sql"]))
        sys.exit(4)
    out.append(res.bytes().decode("utf-8") if step.get("format") else "")
sess.close()
json.dump({"version": chdb.__version__, "results": out}, sys.stdout)
`;

export interface ChdbStep {
  sql: string;
  /** Set to read results back, e.g. JSONEachRow. */
  format?: 'JSONEachRow';
}

/** A chDB database directory that lives for one test file. */
export class ChdbSession {
  readonly path = mkdtempSync(join(tmpdir(), 'telepipe-chdb-'));

  /** Runs the steps in order in one process; returns the parsed rows of each step with a format. */
  run(steps: ChdbStep[]): Record<string, unknown>[][] {
    let stdout: string;
    try {
      stdout = execFileSync(testPython(), ['-c', SCRIPT], {
        input: JSON.stringify({ path: this.path, steps }),
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      const hint = stderr.includes('chdb is not installed') ? `; ${INSTALL_HINT}` : '';
      throw new Error(`chDB failed: ${stderr || (err as Error).message}${hint}`);
    }
    const parsed = JSON.parse(stdout) as { results: string[] };
    return parsed.results.map((text) =>
      text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
  }

  /** The chDB engine's `SELECT version()`. */
  version(): string {
    const rows = this.run([{ sql: 'SELECT version() AS v', format: 'JSONEachRow' }]);
    return String(rows[0]?.[0]?.v);
  }

  close(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
