// Ingest benchmark: OTLP/HTTP protobuf metric exports through the ingest into the real
// Kafka (acks=all, idempotent), at 100, 1 000 and 10 000 data points per request, beside
// the broker's own ceiling for records of the same size (Kafka's ProducerPerformance tool
// from the same jars, acks=all). The ingest runs in a child process as `telepipe ingest`
// runs it (startIngest: ingest.workers processes), so its peak RSS is its own (summed over
// its workers). Prints JSON, then a table. bench/peer/bench.ts starts its ingest from here.
//
//   npx tsx bench/ingest.ts            (BENCH_SECONDS=15 BENCH_CONCURRENCY=8 by default)
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig, parseConfig, type Config } from '../lib/config/index.ts';
import { KafkaAdmin } from '../lib/kafka/admin.ts';
import { runKafkaTool } from './kafka-tools.ts';
import { runIngest } from '../services/ingest/main.ts';
import { requestRecords } from '../services/ingest/records.ts';
import {
  closedLoop,
  gaugeRequest,
  httpSender,
  peakRssMb,
  quantile,
  resetPeakRss,
  round,
  type Sender,
} from './load.ts';

const SIZES = [100, 1_000, 10_000];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP_SECONDS = 2;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const INSTANCES = 32; // distinct service instances → distinct keys and partitions

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

// Child process (--serve): the ingest as `telepipe ingest` runs it (its worker processes
// run services/ingest/worker-process.ts).
if (process.argv[2] === '--serve')
  await runIngest(parseConfig(JSON.parse(process.argv[3] ?? '{}')));
else if (process.argv[1] === fileURLToPath(import.meta.url)) await main();

export interface IngestChild {
  child: ChildProcess;
  grpcPort: number;
  httpPort: number;
  /** Its admin server (/metrics). */
  adminPort: number;
}

/** Starts the ingest in a child process; resolves once it listens. */
export async function startIngestChild(config: Config): Promise<IngestChild> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--serve', JSON.stringify(config)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return { child, ...(await announcedPorts(child)) };
}

async function main(): Promise<void> {
  const config = benchConfig();
  const admin = new KafkaAdmin(config.kafka, pino({ level: 'silent' }));
  const { child, httpPort } = await startIngestChild(config);
  try {
    const results: SizeResult[] = [];
    for (const points of SIZES) {
      process.stderr.write(`bench: ${points} points per request, ${SECONDS}s...\n`);
      const sender = httpSender(`http://127.0.0.1:${httpPort}/v1/metrics`);
      const ingest = await measureIngest(sender, points, child);
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

/** The default config with topics of its own; info logs announce the ports (and nothing per request). */
export function benchConfig(): Config {
  const base = loadConfig({ env: {} });
  const id = Date.now().toString(36);
  return {
    ...base,
    log: { level: 'info' },
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

/** How the ingest will turn one such request into Kafka records (count, average value size). */
function recordShape(body: Buffer): { records: number; bytes: number } {
  const { records } = requestRecords('metrics', 'protobuf', body, 1_000_000);
  const bytes = records.reduce((n, r) => n + r.value.length, 0);
  return { records: records.length, bytes: Math.round(bytes / records.length) };
}

async function measureIngest(
  sender: Sender,
  points: number,
  child: ChildProcess,
): Promise<Omit<SizeResult, 'kafka' | 'ratio'>> {
  const bodies = Array.from({ length: INSTANCES }, (_, i) => gaugeRequest(points, i));
  const shape = recordShape(bodies[0]!);

  await closedLoop(sender, bodies, CONCURRENCY, WARMUP_SECONDS);
  resetPeakRss(child.pid!);
  const {
    latencies,
    statuses,
    seconds: elapsed,
  } = await closedLoop(sender, bodies, CONCURRENCY, SECONDS);
  const requests = latencies.length;
  const errors = Object.values(statuses).reduce((n, c) => n + c, 0) - requests;
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
    const stdout = runKafkaTool('org.apache.kafka.tools.ProducerPerformance', [
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
    ]);
    // "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency,
    //  P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th."
    const summary = stdout
      .split('\n')
      .reverse()
      .find((line) => line.includes('50th'));
    const match = summary?.match(
      /([\d.]+) records\/sec \(([\d.]+) MB\/sec\).*?([\d.]+) ms 50th, [\d.]+ ms 95th, ([\d.]+) ms 99th/,
    );
    if (!match) throw new Error(`ProducerPerformance printed no summary:\n${stdout}`);
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

/** The ports the child's ingest logs once it listens (its other log lines go to stderr). */
function announcedPorts(
  child: ChildProcess,
): Promise<{ grpcPort: number; httpPort: number; adminPort: number }> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    let adminPort = 0;
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as {
        msg?: string;
        level?: number;
        admin?: number;
        grpcPort?: number;
        httpPort?: number;
      };
      if (entry.msg === 'ingest started' && entry.admin) {
        adminPort = entry.admin;
      } else if (entry.msg === 'OTLP ingest listening' && entry.grpcPort && entry.httpPort) {
        resolve({ grpcPort: entry.grpcPort, httpPort: entry.httpPort, adminPort });
      } else if ((entry.level ?? 0) >= 40) {
        process.stderr.write(`ingest: ${line}\n`);
      }
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
