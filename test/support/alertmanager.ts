// A private Alertmanager for one test file: the stack's binary with a config of the test's own
// (the stack's Alertmanager routes everything to a receiver without integrations), on a free
// port, without gossip, its data in a temporary folder. Stopped and removed by `stop`.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertmanagerServer } from '../../infra/stack/servers.ts';
import { waitUntil } from '../../infra/stack/processes.ts';
import { freePort } from './stack.ts';

export interface PrivateAlertmanager {
  url: string;
  stop(): Promise<void>;
}

export async function startAlertmanager(configYaml: string): Promise<PrivateAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'telepipe-am-'));
  const port = await freePort();
  writeFileSync(join(dir, 'alertmanager.yml'), configYaml);
  const logFile = join(dir, 'alertmanager.log');
  const log = openSync(logFile, 'a');
  const child = spawn(
    AlertmanagerServer.binary,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = await waitUntil(
    async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok,
    20_000,
  );
  if (!ready) {
    const output = readFileSync(logFile, 'utf8');
    await stop();
    throw new Error(`private Alertmanager did not become ready on ${url}:\n${output}`);
  }
  return { url, stop };
}
