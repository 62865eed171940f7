// Runs the OpenTelemetry Collector built by bench/peer/collector.ts (its builder, from the
// Go module proxy, cached outside the repository) with a config a test writes, for the
// interop tests. The Collector's own telemetry is off so several can run side by side.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCollector } from '../../bench/peer/collector.ts';

export interface RunningCollector {
  /** Everything the Collector logged so far (stderr), for assertion messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the Collector with `config` (receivers, exporters, processors, service.pipelines;
 * a JSON-compatible object, written as YAML) and resolves once it logs that it is ready.
 */
export async function startCollector(
  config: Record<string, unknown>,
  timeoutMs = 60_000,
): Promise<RunningCollector> {
  const binary = await ensureCollector();
  const dir = mkdtempSync(join(tmpdir(), 'telepipe-otelcol-'));
  const file = join(dir, 'config.yaml');
  const service = (config.service ?? {}) as Record<string, unknown>;
  const full = {
    ...config,
    service: {
      ...service,
      // No metrics endpoint (:8888 by default): two Collectors would collide on it.
      telemetry: { metrics: { level: 'none' }, logs: { level: 'info', encoding: 'console' } },
    },
  };
  writeFileSync(file, JSON.stringify(full, null, 2)); // YAML is a superset of JSON
  const child = spawn(binary, [`--config=${file}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const stop = (): Promise<void> =>
    stopChild(child).finally(() => rmSync(dir, { recursive: true, force: true }));

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the Collector was not ready within ${timeoutMs} ms:\n${log}`)),
        timeoutMs,
      );
      const check = (): void => {
        if (log.includes('Everything is ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stderr.on('data', check);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the Collector exited (${signal ?? code}) before it was ready:\n${log}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { output: () => log, stop };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM'); // the Collector drains its pipelines on SIGTERM
  });
}
