// Runs the OpenTelemetry Collector built by bench/peer/collector.ts (its builder, from the
// Go module proxy, cached outside the repository) with a config a test writes, for the
// interop tests, and writes the parts of that config that meet telepipe: the Kafka
// exporter and receiver on telepipe's topics in `otlp_proto`. The Collector's own telemetry
// is off so several can run side by side.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCollector } from '../../bench/peer/collector.ts';
import type { Signal } from '../../lib/otlp/types.ts';

/** telepipe's topic per signal, for the signals a Collector pipeline carries. */
export type SignalTopics = Partial<Record<Signal, string>>;

/** Collector signal sections (`metrics:`, `logs:`, `traces:`) for each topic. */
function perSignal<T>(topics: SignalTopics, section: (topic: string) => T): Record<string, T> {
  return Object.fromEntries(
    Object.entries(topics).map(([signal, topic]) => [signal, section(topic)]),
  );
}

/** The otlpreceiver taking OTLP/HTTP on a local port (`/v1/metrics`, `/v1/logs`, `/v1/traces`). */
export function otlpHttpReceiver(port: number): Record<string, unknown> {
  return { protocols: { http: { endpoint: `127.0.0.1:${port}` } } };
}

/**
 * The kafkaexporter as telepipe's processor expects its records: `otlp_proto` on telepipe's
 * topics, acknowledged by all in-sync replicas. Without a sending queue the OTLP answer waits
 * for Kafka's acknowledgement, so a test may read the topics once its requests returned.
 */
export function kafkaExporter(brokers: string[], topics: SignalTopics): Record<string, unknown> {
  return {
    brokers,
    ...perSignal(topics, (topic) => ({ topic, encoding: 'otlp_proto' })),
    producer: { required_acks: -1 },
    sending_queue: { enabled: false },
  };
}

/**
 * The kafkareceiver reading telepipe's topics (`otlp_proto`) from the earliest offset as its
 * own consumer group; `headers` are Kafka record headers it copies into resource attributes
 * named `kafka.header.<header>`.
 */
export function kafkaReceiver(
  brokers: string[],
  topics: SignalTopics,
  groupId: string,
  headers: string[] = [],
): Record<string, unknown> {
  return {
    brokers,
    group_id: groupId,
    initial_offset: 'earliest',
    ...perSignal(topics, (topic) => ({ topics: [topic], encoding: 'otlp_proto' })),
    header_extraction: { extract_headers: headers.length > 0, headers },
  };
}

/** `service.pipelines`: one pipeline per signal from `receiver` to `exporter`. */
export function signalPipelines(
  signals: readonly Signal[],
  receiver: string,
  exporter: string,
): Record<string, { receivers: string[]; exporters: string[] }> {
  return Object.fromEntries(
    signals.map((signal) => [signal, { receivers: [receiver], exporters: [exporter] }]),
  );
}

export interface RunningCollector {
  /** The Collector's process id (the peer bench reads its CPU time and RSS). */
  pid: number;
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
  return { pid: child.pid!, output: () => log, stop };
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
