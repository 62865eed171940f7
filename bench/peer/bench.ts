// Peer bench (issue 15): the telepipe ingest beside the OpenTelemetry Collector
// (otlpreceiver → kafkaexporter, otlp_proto, acks=all, no sending queue; built by
// ./collector.ts) on the same machine and the same local Kafka broker, with the same
// payloads (one resource, 10 gauge metrics, two attributes per point) over OTLP/HTTP
// protobuf and OTLP/gRPC, at 100 and 1,000 points per request. Each case: keep-alive
// clients back to back, a warm-up, then a fixed window; the targets take turns case by
// case, so drift on a shared machine weighs on both alike.
//
// Targets: telepipe as `telepipe ingest` runs it (one worker process per core), telepipe
// with one worker process, and the Collector. Per target: points/s acknowledged, points per CPU-second (user + system time from
// /proc/<pid>/stat of the target and all its descendants: the ingest's cluster workers),
// peak RSS (VmHWM, summed over those processes), and the ratios telepipe / Collector.
// Then overload rows: telepipe offered 3× the rate it can sustain (open loop), which it
// answers with 429 / RESOURCE_EXHAUSTED; its peak RSS over the first and the second half
// of that window shows whether memory grows. Two bounds: the CPU (what its points per
// CPU-second allow on every core; on 2 cores the load generator cannot offer 3× of it), and
// Kafka (a broker produce quota on a separate ingest, so the downstream is the bottleneck
// and 3× is within the generator's reach). Prints JSON, then a table.
//
//   npm run bench -- peer           (or npx tsx bench/peer/bench.ts)
//   BENCH_SECONDS=15 BENCH_WARMUP_SECONDS=3 BENCH_CONCURRENCY=8 by default
import { cpus } from 'node:os';
import { pino } from 'pino';
import type { Config } from '../../lib/config/index.ts';
import { KafkaAdmin } from '../../lib/kafka/admin.ts';
import { producerClientId } from '../../lib/kafka/producer.ts';
import {
  kafkaExporter,
  signalPipelines,
  startCollector,
  type RunningCollector,
} from '../../test/support/otelcol.ts';
import { freePort } from '../../test/support/stack.ts';
import { benchConfig, startIngestChild, type IngestChild } from '../ingest.ts';
import {
  closedLoop,
  cpuSeconds,
  gaugeRequest,
  grpcSender,
  httpSender,
  openLoop,
  peakRssMb,
  quantile,
  resetPeakRss,
  round,
  type LoadResult,
  type Sender,
} from '../load.ts';
import { describeMachine } from '../machine.ts';
import { setProducerQuota } from '../kafka-tools.ts';
import { COLLECTOR_VERSION } from './collector.ts';

const SIZES = [100, 1_000];
const PROTOCOLS = ['http', 'grpc'] as const;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const INSTANCES = 32; // distinct resources → distinct record keys and partitions
const OVERLOAD = 3;
/** The broker's produce quota for the Kafka-bound overload row's ingest: a slow downstream. */
const QUOTA_BYTES_PER_SECOND = 4 * 1024 * 1024;
/** Open-loop requests outstanding at most (more would measure the client, not the target). */
const MAX_OUTSTANDING = 2_000;

type Protocol = (typeof PROTOCOLS)[number];

/**
 * telepipe as `telepipe ingest` runs it by default (one worker process per core), telepipe
 * with `ingest.workers: 1`, and the Collector.
 */
const TARGETS = ['telepipe', 'telepipe-1-worker', 'collector'] as const;

interface Target {
  name: (typeof TARGETS)[number];
  pid: number;
  sender(protocol: Protocol): Sender;
  /** telepipe's admin server, whose producer counters show how sends coalesce. */
  adminPort?: number;
}

/** One target's HTTP and gRPC clients. */
function target(
  name: Target['name'],
  pid: number,
  grpcPort: number,
  httpPort: number,
  adminPort?: number,
): Target {
  const senders = {
    http: httpSender(`http://127.0.0.1:${httpPort}/v1/metrics`),
    grpc: grpcSender(`127.0.0.1:${grpcPort}`, CONCURRENCY),
  };
  return { name, pid, sender: (protocol) => senders[protocol], adminPort };
}

/** The case's requests: `points` points each, one per resource instance. */
function requestBodies(points: number): Buffer[] {
  return Array.from({ length: INSTANCES }, (_, i) => gaugeRequest(points, i));
}

/** The ingest producer's sends and produce requests so far, from its /metrics. */
async function producerCounts(target: Target): Promise<{ sends: number; requests: number }> {
  if (!target.adminPort) return { sends: Number.NaN, requests: Number.NaN };
  const text = await (await fetch(`http://127.0.0.1:${target.adminPort}/metrics`)).text();
  const counter = (name: string) =>
    Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? Number.NaN);
  return {
    sends: counter('telepipe_ingest_kafka_sends_total'),
    requests: counter('telepipe_ingest_kafka_produce_requests_total'),
  };
}

interface Measurement {
  pointsPerSec: number;
  cpuCores: number;
  pointsPerCpuSecond: number;
  peakRssMb: number;
  requests: number;
  /** Answers other than success, by status (HTTP code or gRPC code). */
  errors: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  /** telepipe: OTLP requests per Kafka produce request over the window (null: not known). */
  sendsPerProduceRequest: number | null;
}

interface CaseResult {
  protocol: Protocol;
  pointsPerRequest: number;
  requestBytes: number;
  results: Record<Target['name'], Measurement>;
  /** Each telepipe target / Collector. */
  ratios: Partial<Record<Target['name'], { throughput: number; pointsPerCpuSecond: number }>>;
}

interface OverloadResult {
  /** What limits the sustainable rate: the ingest's CPU, or a Kafka produce quota. */
  bound: 'cpu' | 'kafka-quota';
  protocol: Protocol;
  pointsPerRequest: number;
  sustainedRequestsPerSec: number;
  offeredRequestsPerSec: number;
  pointsPerSec: number;
  answers: Record<string, number>;
  rejectedShare: number;
  peakRssMb: { sustained: number; firstHalf: number; secondHalf: number };
}

async function main(): Promise<void> {
  const config = benchConfig();
  const topic = config.kafka.topics.metrics;
  const collectorTopic = `${topic}_otelcol`;
  const admin = new KafkaAdmin(config.kafka, pino({ level: 'silent' }));
  // Both targets write to topics of the same partition count on the same broker.
  await admin.ensureTopics([{ topic: collectorTopic }]);
  const ingests: IngestChild[] = [];
  let collector: RunningCollector | undefined;
  const targets: Target[] = [];
  try {
    for (const [name, workers] of [
      ['telepipe', config.ingest.workers],
      ['telepipe-1-worker', 1],
    ] as const) {
      const ingest = await startIngestChild({ ...config, ingest: { ...config.ingest, workers } });
      ingests.push(ingest);
      targets.push(
        target(name, ingest.child.pid!, ingest.grpcPort, ingest.httpPort, ingest.adminPort),
      );
    }
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    collector = await startPeer(config, collectorTopic, grpcPort, httpPort);
    targets.push(target('collector', collector.pid, grpcPort, httpPort));
    const cases: CaseResult[] = [];
    for (const protocol of PROTOCOLS) {
      for (const points of SIZES) cases.push(await measureCase(targets, protocol, points));
    }
    const overload = [
      await measureCpuBoundOverload(targets[0]!, cases, 'http', 1_000),
      await measureKafkaBoundOverload(config, 'http', 1_000),
    ];
    const report = {
      benchmark: 'peer',
      date: new Date().toISOString().slice(0, 10),
      machine: describeMachine(),
      collector: `otelcol v${COLLECTOR_VERSION} (builder), otlpreceiver → kafkaexporter, otlp_proto, required_acks -1, sending_queue off`,
      telepipe: `telepipe ingest as \`telepipe ingest\` runs it: ${config.ingest.workers || `one per core (${cpus().length})`} worker processes (telepipe-1-worker: ingest.workers 1), producer ${JSON.stringify(config.ingest.producer)}`,
      kafka: 'local single broker (KRaft), same broker and partition count for both',
      payload: 'one resource, 10 gauge metrics, two attributes per point, 32 distinct resources',
      concurrency: CONCURRENCY,
      warmupSeconds: WARMUP_SECONDS,
      seconds: SECONDS,
      cases,
      overload,
    };
    console.log(JSON.stringify(report, null, 2));
    console.log(table(cases, overload));
  } finally {
    for (const t of targets) PROTOCOLS.forEach((p) => t.sender(p).close());
    for (const ingest of ingests) ingest.child.kill('SIGTERM');
    await collector?.stop();
    await admin
      .deleteTopics([...Object.values(config.kafka.topics), collectorTopic])
      .catch(() => undefined);
    await admin.disconnect();
  }
}

/** The Collector with an OTLP receiver (gRPC and HTTP) and the Kafka exporter. */
function startPeer(
  config: Config,
  topic: string,
  grpcPort: number,
  httpPort: number,
): Promise<RunningCollector> {
  return startCollector({
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `127.0.0.1:${grpcPort}` },
          http: { endpoint: `127.0.0.1:${httpPort}` },
        },
      },
    },
    exporters: { kafka: kafkaExporter(config.kafka.brokers, { metrics: topic }) },
    service: { pipelines: signalPipelines(['metrics'], 'otlp', 'kafka') },
  });
}

async function measureCase(
  targets: Target[],
  protocol: Protocol,
  points: number,
): Promise<CaseResult> {
  const bodies = requestBodies(points);
  const results: Partial<Record<Target['name'], Measurement>> = {};
  for (const target of targets) {
    process.stderr.write(`bench: ${target.name} ${protocol} ${points} points/request...\n`);
    results[target.name] = await measure(target, protocol, bodies, points);
  }
  const full = results as Record<Target['name'], Measurement>;
  const ratios: CaseResult['ratios'] = {};
  for (const name of TARGETS.filter((t) => t !== 'collector')) {
    ratios[name] = {
      throughput: round(full[name].pointsPerSec / full.collector.pointsPerSec, 2),
      pointsPerCpuSecond: round(
        full[name].pointsPerCpuSecond / full.collector.pointsPerCpuSecond,
        2,
      ),
    };
  }
  return {
    protocol,
    pointsPerRequest: points,
    requestBytes: Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length),
    results: full,
    ratios,
  };
}

async function measure(
  target: Target,
  protocol: Protocol,
  bodies: Buffer[],
  points: number,
): Promise<Measurement> {
  const sender = target.sender(protocol);
  await closedLoop(sender, bodies, CONCURRENCY, WARMUP_SECONDS);
  resetPeakRss(target.pid);
  const cpuBefore = cpuSeconds(target.pid);
  const producedBefore = await producerCounts(target);
  const load = await closedLoop(sender, bodies, CONCURRENCY, SECONDS);
  const cpu = cpuSeconds(target.pid) - cpuBefore;
  const produced = await producerCounts(target);
  const sendsPerProduceRequest =
    (produced.sends - producedBefore.sends) / (produced.requests - producedBefore.requests);
  const requests = load.latencies.length;
  return {
    pointsPerSec: Math.round((requests * points) / load.seconds),
    cpuCores: round(cpu / load.seconds, 2),
    pointsPerCpuSecond: Math.round((requests * points) / cpu),
    peakRssMb: peakRssMb(target.pid),
    requests,
    errors: errorsOf(load, sender),
    p50Ms: round(quantile(load.latencies, 0.5), 1),
    p99Ms: round(quantile(load.latencies, 0.99), 1),
    sendsPerProduceRequest: Number.isFinite(sendsPerProduceRequest)
      ? round(sendsPerProduceRequest, 2)
      : null,
  };
}

/**
 * Overload bound by the CPU. Sustainable: what the target's points per CPU-second in the same
 * case allow on every core, or what it reached with the closed-loop clients if that was more
 * (closed-loop clients wait for acks, so they may stay below what the target could take).
 */
function measureCpuBoundOverload(
  target: Target,
  cases: CaseResult[],
  protocol: Protocol,
  points: number,
): Promise<OverloadResult> {
  const sustained = cases.find((c) => c.protocol === protocol && c.pointsPerRequest === points)!;
  const m = sustained.results[target.name];
  const sustainedRate = Math.max(m.pointsPerCpuSecond * cpus().length, m.pointsPerSec) / points;
  return overload('cpu', target, protocol, points, sustainedRate, m.peakRssMb);
}

/**
 * Overload bound by Kafka: a separate ingest whose producer the broker holds to
 * QUOTA_BYTES_PER_SECOND. Sustainable: the most it accepted of the closed-loop clients and
 * of a probe offering twice the overload rate the quota implies (the broker enforces its
 * quota over a window of seconds and throttles after the fact, so it lets through more than
 * the quota over the bytes of a request).
 */
async function measureKafkaBoundOverload(
  config: Config,
  protocol: Protocol,
  points: number,
): Promise<OverloadResult> {
  const kafka = { ...config.kafka, clientId: `${config.kafka.clientId}-quota` };
  const producerId = producerClientId(kafka);
  setProducerQuota(config.kafka.brokers, producerId, QUOTA_BYTES_PER_SECOND);
  const ingest = await startIngestChild({ ...config, kafka });
  const quota = target('telepipe', ingest.child.pid!, ingest.grpcPort, ingest.httpPort);
  try {
    const bodies = requestBodies(points);
    process.stderr.write(`bench: telepipe behind a Kafka quota, ${protocol} ${points}...\n`);
    const m = await measure(quota, protocol, bodies, points);
    const requestBytes = bodies.reduce((n, b) => n + b.length, 0) / bodies.length;
    const probeRate = 2 * OVERLOAD * (QUOTA_BYTES_PER_SECOND / requestBytes);
    const sender = quota.sender(protocol);
    const probe = await openLoop(sender, bodies, probeRate, SECONDS / 2, MAX_OUTSTANDING);
    const sustainedRate = Math.max(
      (probe.statuses[sender.ok] ?? 0) / probe.seconds,
      m.pointsPerSec / points,
    );
    return await overload('kafka-quota', quota, protocol, points, sustainedRate, m.peakRssMb);
  } finally {
    PROTOCOLS.forEach((p) => quota.sender(p).close());
    ingest.child.kill('SIGTERM');
    setProducerQuota(config.kafka.brokers, producerId, null);
  }
}

/** OVERLOAD × `sustainedRate` requests/s, open loop, in two halves. */
async function overload(
  bound: OverloadResult['bound'],
  target: Target,
  protocol: Protocol,
  points: number,
  sustainedRate: number,
  sustainedRssMb: number,
): Promise<OverloadResult> {
  const rate = OVERLOAD * sustainedRate;
  process.stderr.write(`bench: ${target.name} ${protocol} at ${Math.round(rate)} requests/s...\n`);
  const bodies = requestBodies(points);
  const sender = target.sender(protocol);
  await openLoop(sender, bodies, rate, WARMUP_SECONDS, MAX_OUTSTANDING);
  const halves: (LoadResult & { offered: number; peakRssMb: number })[] = [];
  for (let half = 0; half < 2; half++) {
    resetPeakRss(target.pid);
    const load = await openLoop(sender, bodies, rate, SECONDS / 2, MAX_OUTSTANDING);
    halves.push({ ...load, peakRssMb: peakRssMb(target.pid) });
  }
  const answers: Record<string, number> = {};
  for (const h of halves) {
    for (const [status, n] of Object.entries(h.statuses))
      answers[status] = (answers[status] ?? 0) + n;
  }
  const seconds = halves.reduce((n, h) => n + h.seconds, 0);
  const total = Object.values(answers).reduce((n, c) => n + c, 0);
  const accepted = answers[sender.ok] ?? 0;
  return {
    bound,
    protocol,
    pointsPerRequest: points,
    sustainedRequestsPerSec: Math.round(sustainedRate),
    offeredRequestsPerSec: Math.round(total / seconds),
    pointsPerSec: Math.round((accepted * points) / seconds),
    answers,
    rejectedShare: round(1 - accepted / total, 3),
    peakRssMb: {
      sustained: sustainedRssMb,
      firstHalf: halves[0]!.peakRssMb,
      secondHalf: halves[1]!.peakRssMb,
    },
  };
}

function errorsOf(load: LoadResult, sender: Sender): Record<string, number> {
  return Object.fromEntries(
    Object.entries(load.statuses).filter(([status]) => Number(status) !== sender.ok),
  );
}

function table(cases: CaseResult[], overload: OverloadResult[]): string {
  const header =
    '| protocol | points/req | target | points/s | CPU cores | points/CPU-s | peak RSS MB | p99 ms | errors | OTLP req per produce req | telepipe/Collector |';
  const rule = '|---|---:|---|---:|---:|---:|---:|---:|---|---:|---|';
  const rows = cases.flatMap((c) =>
    TARGETS.map((name) => {
      const m = c.results[name];
      const r = c.ratios[name];
      const ratio = r ? `${r.throughput}× throughput, ${r.pointsPerCpuSecond}× points/CPU-s` : '';
      const errors = Object.entries(m.errors)
        .map(([s, n]) => `${n}×${s}`)
        .join(' ');
      return `| ${c.protocol} | ${c.pointsPerRequest} | ${name} | ${m.pointsPerSec} | ${m.cpuCores} | ${m.pointsPerCpuSecond} | ${m.peakRssMb} | ${m.p99Ms} | ${errors || '0'} | ${m.sendsPerProduceRequest ?? ''} | ${ratio} |`;
    }),
  );
  const overloadRows = overload.map((o) => {
    const answers = Object.entries(o.answers)
      .map(([s, n]) => `${n}×${s}`)
      .join(' ');
    return `| ${o.bound} | ${o.protocol} | ${o.pointsPerRequest} | ${o.sustainedRequestsPerSec} | ${o.offeredRequestsPerSec} | ${o.pointsPerSec} | ${answers} | ${o.peakRssMb.sustained} / ${o.peakRssMb.firstHalf} / ${o.peakRssMb.secondHalf} |`;
  });
  return [
    header,
    rule,
    ...rows,
    '',
    `telepipe at ${OVERLOAD}× the request rate it can sustain (open loop; status -1: no answer, connection closed):`,
    '',
    '| bound | protocol | points/req | sustained req/s | offered req/s | points/s accepted | answers (count×status) | peak RSS MB: sustained / 1st half / 2nd half |',
    '|---|---|---:|---:|---:|---:|---|---|',
    ...overloadRows,
  ].join('\n');
}

await main();
