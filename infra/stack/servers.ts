// The three real servers of the native local stack. Each knows how to install its
// prerequisites, start itself from project-local config into the state folder, and
// answer a health check that proves it serves requests.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pino } from 'pino';
import type { Config } from '../../lib/config/index.ts';
import { TelepipeError } from '../../lib/errors.ts';
import { KafkaAdmin } from '../../lib/kafka/admin.ts';
import { ensureDebianPackage, ensureKafkaJars } from './install.ts';
import { startDetached, type DetachedCommand } from './processes.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface LocalServer {
  readonly name: string;
  readonly port: number;
  readonly pidFile: string;
  readonly logFile: string;
  install(): void;
  start(): void;
  healthy(): Promise<boolean>;
}

type StackConfig = Config['stack'];

function stateDir(stack: StackConfig, server: string): string {
  const dir = join(resolve(REPO_ROOT, stack.dir), server);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, key: string) => String(values[key] ?? ''));
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.ok;
}

export class KafkaServer implements LocalServer {
  readonly name = 'kafka';
  readonly port: number;
  readonly pidFile: string;
  readonly logFile: string;
  private readonly dir: string;
  private readonly libs: string;

  constructor(private readonly stack: StackConfig) {
    this.port = stack.kafka.port;
    this.dir = stateDir(stack, 'kafka');
    this.libs = join(this.dir, 'libs');
    this.pidFile = join(this.dir, 'kafka.pid');
    this.logFile = join(this.dir, 'kafka.log');
  }

  install(): void {
    ensureKafkaJars(join(REPO_ROOT, 'infra/kafka/pom.xml'), this.libs);
  }

  start(): void {
    const properties = this.writeServerProperties();
    this.formatStorageOnce(properties);
    startDetached(this.command(['kafka.Kafka', properties]));
  }

  async healthy(): Promise<boolean> {
    const admin = new KafkaAdmin(
      {
        brokers: [`127.0.0.1:${this.port}`],
        clientId: 'telepipe-stack',
        topics: { metrics: '', logs: '', traces: '', deadLetter: '' },
        partitions: 1,
        replicationFactor: 1,
        connectionTimeoutMs: 1000,
        requestTimeoutMs: 3000,
      },
      pino({ level: 'silent' }),
    );
    try {
      const cluster = await admin.describeCluster();
      return cluster.brokers > 0;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** java -cp libs/* <main> ..., logging through the Log4j 2 config in infra/kafka. */
  private command(args: string[]): DetachedCommand {
    return {
      command: 'java',
      args: [
        '-Xms256m',
        '-Xmx1g',
        '-XX:+UseG1GC',
        `-Dlog4j2.configurationFile=${join(REPO_ROOT, 'infra/kafka/log4j2.properties')}`,
        '-cp',
        `${this.libs}/*`,
        ...args,
      ],
      cwd: this.dir,
      logFile: this.logFile,
      pidFile: this.pidFile,
    };
  }

  private writeServerProperties(): string {
    const template = readFileSync(join(REPO_ROOT, 'infra/kafka/server.properties'), 'utf8');
    const file = join(this.dir, 'server.properties');
    writeFileSync(
      file,
      fill(template, {
        port: this.port,
        controllerPort: this.stack.kafka.controllerPort,
        dataDir: join(this.dir, 'data'),
      }),
    );
    return file;
  }

  /** KRaft storage must be formatted once with a cluster id before the first start. */
  private formatStorageOnce(properties: string): void {
    if (existsSync(join(this.dir, 'data', 'meta.properties'))) return;
    const clusterId = randomBytes(16).toString('base64url');
    const cmd = this.command([
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      properties,
      '--ignore-formatted',
    ]);
    const result = spawnSync(cmd.command, cmd.args, { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new TelepipeError(
        'config',
        `formatting Kafka storage failed:\n${result.stdout}${result.stderr}`,
      );
    }
  }
}

export class ClickHouseServer implements LocalServer {
  readonly name = 'clickhouse';
  readonly port: number;
  readonly pidFile: string;
  readonly logFile: string;
  private readonly dir: string;
  static readonly binary = '/usr/sbin/clickhouse-server';

  constructor(private readonly stack: StackConfig) {
    this.port = stack.clickhouse.httpPort;
    this.dir = stateDir(stack, 'clickhouse');
    this.pidFile = join(this.dir, 'clickhouse.pid');
    this.logFile = join(this.dir, 'log', 'stdout.log');
  }

  install(): void {
    ensureDebianPackage('clickhouse-server', ClickHouseServer.binary);
    ensureDebianPackage('clickhouse-client', '/usr/bin/clickhouse-client');
  }

  start(): void {
    const source = join(REPO_ROOT, 'infra/clickhouse/server');
    const values = {
      dir: this.dir,
      httpPort: this.port,
      tcpPort: this.stack.clickhouse.tcpPort,
      interserverPort: this.stack.clickhouse.interserverPort,
    };
    writeFileSync(
      join(this.dir, 'config.xml'),
      fill(readFileSync(join(source, 'config.xml'), 'utf8'), values),
    );
    writeFileSync(join(this.dir, 'users.xml'), readFileSync(join(source, 'users.xml'), 'utf8'));
    startDetached({
      command: ClickHouseServer.binary,
      args: [`--config-file=${join(this.dir, 'config.xml')}`],
      cwd: this.dir,
      logFile: this.logFile,
      pidFile: this.pidFile,
    });
  }

  async healthy(): Promise<boolean> {
    const res = await fetch(`http://127.0.0.1:${this.port}/?query=SELECT%201`, {
      signal: AbortSignal.timeout(2000),
    });
    return res.ok && (await res.text()).trim() === '1';
  }
}

export class AlertmanagerServer implements LocalServer {
  readonly name = 'alertmanager';
  readonly port: number;
  readonly pidFile: string;
  readonly logFile: string;
  private readonly dir: string;
  static readonly binary = '/usr/bin/prometheus-alertmanager';

  constructor(stack: StackConfig) {
    this.port = stack.alertmanager.port;
    this.dir = stateDir(stack, 'alertmanager');
    this.pidFile = join(this.dir, 'alertmanager.pid');
    this.logFile = join(this.dir, 'alertmanager.log');
  }

  install(): void {
    ensureDebianPackage('prometheus-alertmanager', AlertmanagerServer.binary);
  }

  start(): void {
    startDetached({
      command: AlertmanagerServer.binary,
      args: [
        `--config.file=${join(REPO_ROOT, 'infra/alertmanager/alertmanager.yml')}`,
        `--storage.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        // A single local node: no gossip cluster.
        '--cluster.listen-address=',
      ],
      cwd: this.dir,
      logFile: this.logFile,
      pidFile: this.pidFile,
    });
  }

  healthy(): Promise<boolean> {
    return httpOk(`http://127.0.0.1:${this.port}/-/ready`);
  }
}

export function localServers(stack: StackConfig): LocalServer[] {
  return [new KafkaServer(stack), new ClickHouseServer(stack), new AlertmanagerServer(stack)];
}
