// `telepipe stack up | down | status`: the local stack of real servers. With a working
// Docker engine it runs docker-compose.yml; otherwise it starts the native servers
// (Kafka from Maven jars, ClickHouse and Alertmanager from Debian packages).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../lib/config/index.ts';
import { TelepipeError } from '../../lib/errors.ts';
import { isAlive, portInUse, readPid, stopPid, waitUntil } from './processes.ts';
import { localServers, REPO_ROOT, type LocalServer } from './servers.ts';

export type ServerState = 'running' | 'stopped' | 'unhealthy' | 'external';

export interface ServerStatus {
  name: string;
  port: number;
  state: ServerState;
  pid?: number | undefined;
}

type Say = (line: string) => void;

export function dockerAvailable(): boolean {
  const result = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10000 });
  return !result.error && result.status === 0;
}

function useDocker(stack: Config['stack']): boolean {
  if (stack.mode === 'docker') return true;
  return stack.mode === 'auto' && dockerAvailable();
}

export async function stackUp(config: Config, say: Say = console.log): Promise<ServerStatus[]> {
  if (useDocker(config.stack)) return dockerUp(config, say);
  const servers = localServers(config.stack);
  // Start all servers first, then wait for them together: they boot in parallel.
  for (const server of servers) await startIfNeeded(server, say);
  await Promise.all(servers.map((server) => waitHealthy(server, config.stack.startTimeoutMs, say)));
  return stackStatus(config);
}

async function startIfNeeded(server: LocalServer, say: Say): Promise<void> {
  const pid = readPid(server.pidFile);
  if (isAlive(pid)) {
    say(`${server.name}: already running (pid ${pid}, port ${server.port})`);
    return;
  }
  if (await portInUse(server.port)) {
    if (await server.healthy().catch(() => false)) {
      say(
        `${server.name}: port ${server.port} is served by a ${server.name} this stack did not start; using it`,
      );
      return;
    }
    throw new TelepipeError(
      'config',
      `${server.name}: port ${server.port} is taken by another process. Stop it (e.g. \`ss -ltnp | grep :${server.port}\` shows which) ` +
        `or choose another port with stack.${server.name}.port in the config.`,
    );
  }
  say(`${server.name}: installing prerequisites if missing`);
  server.install();
  say(`${server.name}: starting on 127.0.0.1:${server.port} (log: ${server.logFile})`);
  server.start();
}

async function waitHealthy(server: LocalServer, timeoutMs: number, say: Say): Promise<void> {
  const ok = await waitUntil(() => server.healthy(), timeoutMs, 500);
  if (!ok) {
    throw new TelepipeError(
      'unavailable',
      `${server.name} did not become healthy on port ${server.port} within ${timeoutMs / 1000}s; see ${server.logFile}:\n${tail(server.logFile)}`,
    );
  }
  say(`${server.name}: healthy on 127.0.0.1:${server.port}`);
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log yet)';
  }
}

/** Stops the servers this stack started (all, or only the named ones). */
export async function stackDown(
  config: Config,
  say: Say = console.log,
  only?: string[],
): Promise<void> {
  if (useDocker(config.stack)) {
    dockerCompose(only ? ['stop', ...only] : ['down'], say);
    return;
  }
  const servers = localServers(config.stack).filter((s) => !only || only.includes(s.name));
  for (const server of servers.reverse()) {
    const stopped = await stopPid(server.pidFile);
    say(`${server.name}: ${stopped ? 'stopped' : 'was not started by this stack'}`);
  }
}

export async function stackStatus(config: Config): Promise<ServerStatus[]> {
  return Promise.all(localServers(config.stack).map(serverStatus));
}

async function serverStatus(server: LocalServer): Promise<ServerStatus> {
  const pid = readPid(server.pidFile);
  const ours = isAlive(pid);
  const healthy = await server.healthy().catch(() => false);
  const state: ServerState = healthy
    ? ours
      ? 'running'
      : 'external'
    : ours
      ? 'unhealthy'
      : 'stopped';
  return { name: server.name, port: server.port, state, pid: ours ? pid : undefined };
}

export function formatStatus(statuses: ServerStatus[]): string {
  return statuses
    .map(
      (s) =>
        `${s.name.padEnd(13)} 127.0.0.1:${String(s.port).padEnd(6)} ${s.state}${s.pid ? ` (pid ${s.pid})` : ''}`,
    )
    .join('\n');
}

// ---- docker-compose path ----

function dockerCompose(args: string[], say: Say): void {
  say(`docker compose ${args.join(' ')}`);
  const result = spawnSync(
    'docker',
    ['compose', '-f', join(REPO_ROOT, 'docker-compose.yml'), ...args],
    { stdio: 'inherit' },
  );
  if (result.status !== 0)
    throw new TelepipeError('unavailable', `docker compose ${args.join(' ')} failed`);
}

async function dockerUp(config: Config, say: Say): Promise<ServerStatus[]> {
  dockerCompose(['up', '-d', 'kafka', 'clickhouse', 'alertmanager'], say);
  const servers = localServers(config.stack);
  await Promise.all(servers.map((server) => waitHealthy(server, config.stack.startTimeoutMs, say)));
  return stackStatus(config);
}
