// `telepipe all` (and `npm start`): the three services in one process, each started by its
// one builder (the same the per-service commands, the manifests and the tests use), plus the
// local stack and the example Go service. docs/architecture.md shows the stages inside.
//
//   OTLP exporters ─▶ ingest (services/ingest) ─▶ Kafka ─▶ processor (services/processor)
//        ▲                                                   │ decode → RedactionStage
//        │                                                   │ (lib/redaction) → rows
//   example Go service                                       ▼
//   (examples/go-service)                                ClickHouse ─▶ anomaly worker
//                                                        (services/anomaly-worker, models/)
//                                                                      │
//                                                                      ▼
//                                                                Alertmanager
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../lib/config/index.ts';
import { runMigrations } from '../lib/clickhouse/migrate.ts';
import { stackDown, stackStatus, stackUp } from '../infra/stack/stack.ts';
import { REPO_ROOT } from '../infra/stack/servers.ts';
import { createIngestService } from '../services/ingest/main.ts';
import { createWorkerService } from '../services/anomaly-worker/main.ts';
import { createProcessorService } from '../services/processor/main.ts';
import { generateKey } from '../lib/redaction/index.ts';

export interface RunAllOptions {
  /** Bring the local stack up first (and stop what this run started on exit). */
  stack: boolean;
  /** Build and start examples/go-service, pointed at the ingest. */
  example: boolean;
}

export async function runAll(config: Config, options: RunAllOptions): Promise<void> {
  const startedServers = options.stack ? await bringStackUp(config) : [];
  if (options.stack) useLocalKeyring(config);
  const migration = await runMigrations(config);
  say(`ClickHouse schema version ${migration.version} (${migration.dialect} dialect)`);

  const ingest = await createIngestService(config);
  const processor = await createProcessorService(config);
  const worker = await createWorkerService(config);
  const example = options.example ? await startExampleService(ingest.grpcPort()) : undefined;
  printWhereToLook(
    config,
    ingest.grpcPort(),
    ingest.httpPort(),
    worker.pageUrl(),
    example !== undefined,
  );

  const stop = async (): Promise<void> => {
    say('stopping…');
    // Upstream first: the example flushes its last telemetry into a still-running ingest,
    // and the processor drains what Kafka holds after the ingest stopped.
    if (example) await stopChild(example, 20_000);
    await ingest.service.shutdown();
    await processor.service.shutdown();
    await worker.service.shutdown();
    if (startedServers.length > 0) await stackDown(config, say, startedServers);
  };
  const onSignal = (): void => {
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        say(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

function say(line: string): void {
  process.stdout.write(`telepipe: ${line}\n`);
}

/** Starts the servers that are not running yet and returns their names, to stop them on exit. */
async function bringStackUp(config: Config): Promise<string[]> {
  const before = await stackStatus(config);
  await stackUp(config, say);
  return before.filter((s) => s.state === 'stopped').map((s) => s.name);
}

/**
 * The local demo hashes and encrypts personal data like production does: without a
 * configured keyring it makes one in the stack's state folder (kept across runs, so
 * pseudonyms stay stable and `telepipe reveal --keyring <file>` works).
 */
function useLocalKeyring(config: Config): void {
  const keyring = config.redaction.keyring;
  if (keyring.path || (keyring.env && process.env[keyring.env])) return;
  const dir = resolve(REPO_ROOT, config.stack.dir);
  const file = join(dir, 'redaction-keyring.yaml');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const id = new Date().toISOString().slice(0, 7);
    writeFileSync(
      file,
      `hmacKey: ${generateKey()}\nkeys:\n  - id: '${id}'\n    key: ${generateKey()}\n`,
      { mode: 0o600 },
    );
  }
  keyring.path = file;
  say(`redaction keyring: ${file} (local demo keys)`);
}

const EXAMPLE_DIR = join(REPO_ROOT, 'examples/go-service');
const EXAMPLE_PORT = 8088;

/** Builds and starts the example; the build runs beside the services, so it must not block them. */
async function startExampleService(grpcPort: number): Promise<ChildProcess | undefined> {
  say('building examples/go-service with `go build`…');
  const build = spawn('go', ['build', '-o', 'go-service', '.'], {
    cwd: EXAMPLE_DIR,
    stdio: 'inherit',
  });
  const status = await new Promise<number | null>((resolve) => {
    build.once('error', () => resolve(null));
    build.once('close', resolve);
  });
  if (status !== 0) {
    say('could not build the example Go service (is Go installed?); the pipeline runs without it');
    return undefined;
  }
  const child = spawn(join(EXAMPLE_DIR, 'go-service'), [], {
    cwd: EXAMPLE_DIR,
    stdio: 'inherit',
    env: {
      ...process.env,
      PORT: String(EXAMPLE_PORT),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${grpcPort}`,
      OTEL_SERVICE_NAME: 'go-service',
    },
  });
  child.once('exit', (code, signal) => say(`example Go service exited (${signal ?? code})`));
  return child;
}

/** SIGTERM, and SIGKILL if the child has not exited within `graceMs`. */
async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function printWhereToLook(
  config: Config,
  grpcPort: number,
  httpPort: number,
  pageUrl: string,
  example: boolean,
): void {
  const db = config.clickhouse.database;
  const lines = [
    '',
    'telepipe is running. Ctrl-C stops everything it started.',
    `  OTLP ingest        grpc://127.0.0.1:${grpcPort}   http://127.0.0.1:${httpPort}/v1/{metrics,logs,traces}`,
    `  ClickHouse         clickhouse-client --query "SELECT ServiceName, MetricName, count() FROM ${db}.otel_metrics_sum GROUP BY ServiceName, MetricName"`,
    `  Alertmanager       ${config.alertmanager.urls[0] ?? ''}/#/alerts`,
    `  anomaly charts     ${pageUrl}`,
  ];
  if (example) {
    const base = `http://127.0.0.1:${EXAMPLE_PORT}`;
    lines.push(
      `  example service    ${base}/  (sending metrics, logs and traces to the ingest)`,
      `  inject faults      curl -X POST ${base}/fault/goroutine-leak   (also gc-pressure, latency?ms=300, pii; DELETE to stop)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}
