// A current ClickHouse engine (chDB) behind ClickHouse's HTTP interface, as a test
// fixture: `@clickhouse/client`, the writer and the migrations talk to it as to a
// clickhouse-server. The adapter is test/support/chdb-http/server.py; what it cannot
// reproduce is in docs/storage.md ("The chDB adapter").
//
//   const ch = await startChdbServer();      // a fresh database directory
//   config.clickhouse.url = ch.url;          // then the product's own code
//   await ch.stop();
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { INSTALL_HINT, testPython } from './python.ts';

const SERVER = join(import.meta.dirname, 'chdb-http', 'server.py');

export interface ChdbServer {
  /** `http://127.0.0.1:<port>`, for `clickhouse.url`. */
  url: string;
  port: number;
  /** The engine's `SELECT version()`, e.g. 26.9.2.1. */
  version: string;
  /** The database directory; data in it survives a restart. */
  path: string;
  /**
   * Stops the adapter and starts it again on the same directory and port, as a server
   * restart; `kill` stops it with SIGKILL (a crash) instead of SIGTERM; `whileDown` runs
   * between the two (an outage), and the adapter comes back even when it throws.
   */
  restart(options?: { kill?: boolean; whileDown?: () => Promise<void> }): Promise<void>;
  /** Stops the adapter; removes the directory unless the caller passed its own path. */
  stop(): Promise<void>;
}

export interface ChdbServerOptions {
  /** An existing directory to reopen (kept on stop); a new temp directory otherwise. */
  path?: string;
  timeoutMs?: number;
  /**
   * Holds every INSERT this long before it runs, as a slower server would: a test that
   * kills the client mid-insert needs INSERTs in flight (a chDB insert takes milliseconds).
   */
  insertDelayMs?: number;
}

interface Running {
  child: ChildProcess;
  port: number;
  version: string;
}

export async function startChdbServer(options: ChdbServerOptions = {}): Promise<ChdbServer> {
  const ownDir = options.path === undefined;
  const path = options.path ?? mkdtempSync(join(tmpdir(), 'telepipe-chdb-http-'));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const insertDelayMs = options.insertDelayMs ?? 0;
  const launch = (port: number) => launchAdapter(path, port, insertDelayMs, timeoutMs);
  let running: Running;
  try {
    running = await launch(0);
  } catch (err) {
    if (ownDir) rmSync(path, { recursive: true, force: true });
    throw err;
  }
  const { port, version } = running;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    version,
    path,
    async restart({ kill = false, whileDown } = {}) {
      await stopChild(running.child, kill ? 'SIGKILL' : 'SIGTERM');
      try {
        await whileDown?.();
      } finally {
        running = await launch(port);
      }
    },
    async stop() {
      await stopChild(running.child, 'SIGTERM');
      if (ownDir) rmSync(path, { recursive: true, force: true });
    },
  };
}

async function launchAdapter(
  path: string,
  port: number,
  insertDelayMs: number,
  timeoutMs: number,
): Promise<Running> {
  const python = testPython();
  const args = ['--path', path, '--port', String(port), '--insert-delay-ms', String(insertDelayMs)];
  const child = spawn(python, [SERVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  try {
    const ready = await waitReady(child, timeoutMs, () => stderr, python);
    return { child, ...ready };
  } catch (err) {
    await stopChild(child, 'SIGKILL');
    throw err;
  }
}

/** The server's first stdout line is `{"port": N, "version": "..."}` once it accepts requests. */
function waitReady(
  child: ChildProcess,
  timeoutMs: number,
  stderr: () => string,
  python: string,
): Promise<{ port: number; version: string }> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      lines.close();
      reject(new Error(`the chDB HTTP adapter was not ready within ${timeoutMs} ms\n${stderr()}`));
    }, timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      resolve(JSON.parse(line) as { port: number; version: string });
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(
        new Error(
          `cannot run ${python} for the chDB HTTP adapter (${err.message}); ${INSTALL_HINT}`,
        ),
      );
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const hint = code === 3 ? '' : `\n(${INSTALL_HINT} if chdb is missing)`;
      reject(
        new Error(
          `the chDB HTTP adapter exited (${signal ?? code}) before it was ready:\n${stderr()}${hint}`,
        ),
      );
    });
  });
}

/** SIGTERM lets the adapter close its chDB session; SIGKILL is a crash. */
function stopChild(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill(signal);
  });
}
