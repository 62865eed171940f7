// Ingest benchmark: OTLP/HTTP protobuf metric exports through the ingest into the real
// Kafka (acks=all, idempotent), at 100, 1 000 and 10 000 data points per request, beside
// the broker's own ceiling for records of the same size (Kafka's ProducerPerformance tool
// from the same jars, acks=all). The ingest runs in a child process, so its peak RSS is
// its own. Prints JSON, then a table.
//
//   npx tsx bench/ingest.ts            (BENCH_SECONDS=15 BENCH_CONCURRENCY=8 by default)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig, parseConfig, type Config } from '../lib/config/index.ts';
import { KafkaAdmin } from '../lib/kafka/admin.ts';
import { decodeJsonRequest, encodeRequest } from '../lib/otlp/codec.ts';
import { createIngestService } from '../services/ingest/main.ts';
import { requestRecords } from '../services/ingest/records.ts';

const SIZES = [100, 1_000, 10_000];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP_SECONDS = 2;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const INSTANCES = 32; // distinct service instances → distinct keys and partitions
const REPO = fileURLToPath(new URL('..', import.meta.url));

interface SizeResult {
  pointsPerRequest: number;
  requestBytes: number;
  recordsPerRequest: number;
  recordBytes: number;
  requests: number;
  errors: number;
  requestsPerSec: number;
  pointsPerSec: number;
  mbPerSec: number;
  latencyMs: { p50: number; p99: number };
  peakRssMb: number;
  kafka: { recordsPerSec: number; mbPerSec: number; p50Ms: number; p99Ms: number };
  /** Ingest record throughput as a share of the broker's ceiling for the same record size. */
  ratio: number;
}

if (process.argv[2] === '--serve') await serve(process.argv[3] ?? '{}');
else await main();

/** Child process: the ingest service alone, reporting its ports on stdout. */
async function serve(configJson: string): Promise<void> {
  const ingest = await createIngestService(parseConfig(JSON.parse(configJson)));
  ingest.service.handleSignals();
  console.log(JSON.stringify({ benchIngestHttpPort: ingest.httpPort() }));
}

async function main(): Promise<void> {
  const config = benchConfig();
  const admin = new KafkaAdmin(config.kafka, pino({ level: 'silent' }));
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--serve', JSON.stringify(config)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const httpPort = await announcedPort(child);
    const results: SizeResult[] = [];
    for (const points of SIZES) {
      process.stderr.write(`bench: ${points} points per request, ${SECONDS}s...\n`);
      const ingest = await measureIngest(`http://127.0.0.1:${httpPort}/v1/metrics`, points, child);
      process.stderr.write(`bench: Kafka ProducerPerformance at ${ingest.recordBytes} B...\n`);
      const kafka = await kafkaCeiling(config, admin, ingest.recordBytes);
      const ingestRecordsPerSec = ingest.requestsPerSec * ingest.recordsPerRequest;
      results.push({
        ...ingest,
        kafka,
        ratio: round(ingestRecordsPerSec / kafka.recordsPerSec, 3),
      });
    }
    const report = {
      benchmark: 'ingest',
      date: new Date().toISOString().slice(0, 10),
      machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? '', node: process.version },
      protocol: 'OTLP/HTTP application/x-protobuf, uncompressed, keep-alive',
      kafka: 'local single broker (KRaft), acks=all, idempotent, compression none',
      concurrency: CONCURRENCY,
      seconds: SECONDS,
      results,
    };
    console.log(JSON.stringify(report, null, 2));
    console.log(table(results));
  } finally {
    child.kill('SIGTERM');
    await admin.deleteTopics(Object.values(config.kafka.topics)).catch(() => undefined);
    await admin.disconnect();
  }
}

function benchConfig(): Config {
  const base = loadConfig({ env: {} });
  const id = Date.now().toString(36);
  return {
    ...base,
    log: { level: 'warn' },
    kafka: {
      ...base.kafka,
      topics: {
        metrics: `bench_metrics_${id}`,
        logs: `bench_logs_${id}`,
        traces: `bench_spans_${id}`,
        deadLetter: `bench_dlq_${id}`,
      },
    },
    ingest: {
      ...base.ingest,
      adminAddress: '127.0.0.1:0',
      grpc: { address: '127.0.0.1:0' },
      http: { address: '127.0.0.1:0' },
    },
  };
}

/** A Go-runtime-like export: one resource, metrics of 10 data points each. */
function exportBody(points: number, instance: number): Buffer {
  const now = 1_795_464_000_000_000_000n;
  const metrics = Array.from({ length: Math.ceil(points / 10) }, (_, m) => ({
    name: `go.runtime.metric_${m}`,
    unit: 'By',
    gauge: {
      dataPoints: Array.from({ length: Math.min(10, points - m * 10) }, (_, p) => ({
        asDouble: m * 10 + p + 0.5,
        timeUnixNano: String(now),
        attributes: [{ key: 'go.memory.type', value: { stringValue: `class_${p}` } }],
      })),
    },
  }));
  const json = {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'checkout' } },
            { key: 'service.instance.id', value: { stringValue: `checkout-${instance}` } },
            { key: 'host.name', value: { stringValue: `node-${instance % 4}` } },
          ],
        },
        scopeMetrics: [{ scope: { name: 'go.opentelemetry.io/contrib/runtime' }, metrics }],
      },
    ],
  };
  return Buffer.from(encodeRequest('metrics', decodeJsonRequest('metrics', JSON.stringify(json))));
}

/** How the ingest will turn one such request into Kafka records (count, average value size). */
function recordShape(body: Buffer): { records: number; bytes: number } {
  const { records } = requestRecords('metrics', 'protobuf', body, 1_000_000);
  const bytes = records.reduce((n, r) => n + r.value.length, 0);
  return { records: records.length, bytes: Math.round(bytes / records.length) };
}

async function measureIngest(
  url: string,
  points: number,
  child: ChildProcess,
): Promise<Omit<SizeResult, 'kafka' | 'ratio'>> {
  const bodies = Array.from({ length: INSTANCES }, (_, i) => exportBody(points, i));
  const shape = recordShape(bodies[0]!);
  const post = (body: Buffer) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });

  await runFor(WARMUP_SECONDS, bodies, post, () => undefined);
  resetPeakRss(child.pid!);
  const latencies: number[] = [];
  let errors = 0;
  const elapsed = await runFor(SECONDS, bodies, post, (ms, ok) => {
    if (ok) latencies.push(ms);
    else errors += 1;
  });
  latencies.sort((a, b) => a - b);
  const requests = latencies.length;
  const requestBytes = Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length);
  return {
    pointsPerRequest: points,
    requestBytes,
    recordsPerRequest: shape.records,
    recordBytes: shape.bytes,
    requests,
    errors,
    requestsPerSec: round(requests / elapsed, 1),
    pointsPerSec: Math.round((requests * points) / elapsed),
    mbPerSec: round((requests * requestBytes) / elapsed / 1e6, 2),
    latencyMs: {
      p50: round(quantile(latencies, 0.5), 1),
      p99: round(quantile(latencies, 0.99), 1),
    },
    peakRssMb: peakRssMb(child.pid!),
  };
}

/** CONCURRENCY clients post back to back for `seconds`; returns the elapsed seconds. */
async function runFor(
  seconds: number,
  bodies: Buffer[],
  post: (body: Buffer) => Promise<Response>,
  observe: (ms: number, ok: boolean) => void,
): Promise<number> {
  const start = performance.now();
  const end = start + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const body = bodies[next++ % bodies.length]!;
        const t = performance.now();
        const res = await post(body);
        await res.arrayBuffer();
        observe(performance.now() - t, res.status === 200);
      }
    }),
  );
  return (performance.now() - start) / 1000;
}

/** Kafka's own producer benchmark at the given record size, acks=all. */
async function kafkaCeiling(
  config: Config,
  admin: KafkaAdmin,
  recordBytes: number,
): Promise<SizeResult['kafka']> {
  const topic = `bench_ceiling_${Date.now().toString(36)}`;
  await admin.ensureTopics([{ topic, partitions: config.kafka.partitions }]);
  const numRecords = Math.max(2_000, Math.min(1_000_000, Math.round(1e9 / recordBytes)));
  try {
    const result = spawnSync(
      'java',
      [
        '-Xmx512m',
        `-Dlog4j2.configurationFile=${join(REPO, 'infra/kafka/log4j2.properties')}`,
        '-cp',
        `${join(REPO, '.telepipe/kafka/libs')}/*`,
        'org.apache.kafka.tools.ProducerPerformance',
        '--topic',
        topic,
        '--num-records',
        String(numRecords),
        '--record-size',
        String(recordBytes),
        '--throughput',
        '-1',
        '--producer-props',
        `bootstrap.servers=${config.kafka.brokers.join(',')}`,
        'acks=all',
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    // "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency,
    //  P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th."
    const summary = result.stdout
      .split('\n')
      .reverse()
      .find((line) => line.includes('50th'));
    const match = summary?.match(
      /([\d.]+) records\/sec \(([\d.]+) MB\/sec\).*?([\d.]+) ms 50th, [\d.]+ ms 95th, ([\d.]+) ms 99th/,
    );
    if (!match) throw new Error(`ProducerPerformance failed:\n${result.stdout}${result.stderr}`);
    return {
      recordsPerSec: Math.round(Number(match[1])),
      mbPerSec: Number(match[2]),
      p50Ms: Number(match[3]),
      p99Ms: Number(match[4]),
    };
  } finally {
    await admin.deleteTopics([topic]).catch(() => undefined);
  }
}

function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5'); // 5: reset the peak RSS (VmHWM)
}

function peakRssMb(pid: number): number {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return round(Number(hwm?.[1] ?? 0) / 1024, 1);
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function round(n: number, digits: number): number {
  return Number(n.toFixed(digits));
}

/** The port the child announces on stdout (among its JSON log lines). */
function announcedPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const port = (JSON.parse(line) as { benchIngestHttpPort?: number }).benchIngestHttpPort;
      if (port !== undefined) resolve(port);
      else process.stderr.write(`ingest: ${line}\n`);
    });
    child.once('exit', (code) => reject(new Error(`ingest exited with ${code} before starting`)));
  });
}

function table(results: SizeResult[]): string {
  const header = [
    'points/req',
    'req/s',
    'points/s',
    'MB/s',
    'p50 ms',
    'p99 ms',
    'peak RSS MB',
    'record B',
    'Kafka rec/s',
    'ratio',
  ];
  const rows = results.map((r) => [
    r.pointsPerRequest,
    r.requestsPerSec,
    r.pointsPerSec,
    r.mbPerSec,
    r.latencyMs.p50,
    r.latencyMs.p99,
    r.peakRssMb,
    r.recordBytes,
    r.kafka.recordsPerSec,
    r.ratio,
  ]);
  return [header, ...rows]
    .map((cells) => cells.map((c) => String(c).padStart(13)).join(''))
    .join('\n');
}
