// The ingest's producer knobs (ingest.producer.maxInFlightRequests, lingerMs) and worker
// processes (ingest.workers), measured end to end: OTLP/HTTP protobuf metric exports (the
// peer bench's payload) into the local Kafka with acks, each variant in its own ingest
// process, the variants taking turns for two rounds so drift on a shared machine weighs
// on all alike. CPU is that of the ingest's processes (/proc). Not part of bench/run-all.ts.
//
//   npx tsx bench/ingest-producer.ts     (BENCH_SECONDS per variant, size and round: 6)
import { pino } from 'pino';
import type { Config } from '../lib/config/index.ts';
import { KafkaAdmin } from '../lib/kafka/admin.ts';
import { benchConfig, startIngestChild, type IngestChild } from './ingest.ts';
import { closedLoop, cpuSeconds, gaugeRequest, httpSender, round, type Sender } from './load.ts';
import { describeMachine } from './machine.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONCURRENCY = 8;
const SIZES = [100, 1_000];
const ROUNDS = 2;

interface Variant {
  workers: number;
  maxInFlightRequests: number;
  lingerMs: number;
}

const VARIANTS: Variant[] = [
  { workers: 1, maxInFlightRequests: 1, lingerMs: 0 },
  { workers: 1, maxInFlightRequests: 2, lingerMs: 0 },
  { workers: 1, maxInFlightRequests: 4, lingerMs: 0 },
  { workers: 1, maxInFlightRequests: 1, lingerMs: 2 },
  { workers: 2, maxInFlightRequests: 1, lingerMs: 0 },
  { workers: 2, maxInFlightRequests: 2, lingerMs: 2 },
];

function variantConfig(base: Config, v: Variant): Config {
  const { workers, maxInFlightRequests, lingerMs } = v;
  const producer = { ...base.ingest.producer, maxInFlightRequests, lingerMs };
  return { ...base, ingest: { ...base.ingest, workers, producer } };
}

interface Row extends Variant {
  points: number;
  pointsPerSec: number[];
  pointsPerCpuSecond: number[];
}

const base = benchConfig();
const running: (IngestChild & { variant: Variant; sender: Sender })[] = [];
try {
  for (const variant of VARIANTS) {
    const ingest = await startIngestChild(variantConfig(base, variant));
    const sender = httpSender(`http://127.0.0.1:${ingest.httpPort}/v1/metrics`);
    running.push({ ...ingest, variant, sender });
  }
  const rows: Row[] = VARIANTS.flatMap((v) =>
    SIZES.map((points) => ({ ...v, points, pointsPerSec: [], pointsPerCpuSecond: [] })),
  );
  for (let r = 0; r < ROUNDS; r++) {
    for (const points of SIZES) {
      const bodies = Array.from({ length: 32 }, (_, i) => gaugeRequest(points, i));
      for (const target of running) {
        process.stderr.write(`bench: round ${r + 1} ${JSON.stringify(target.variant)} ${points}\n`);
        await closedLoop(target.sender, bodies, CONCURRENCY, 2);
        const before = cpuSeconds(target.child.pid!);
        const load = await closedLoop(target.sender, bodies, CONCURRENCY, SECONDS);
        const cpu = cpuSeconds(target.child.pid!) - before;
        const row = rows.find((x) => x.points === points && sameVariant(x, target.variant))!;
        const pointsDone = load.latencies.length * points;
        row.pointsPerSec.push(Math.round(pointsDone / load.seconds));
        row.pointsPerCpuSecond.push(Math.round(pointsDone / cpu));
      }
    }
  }
  console.log(
    JSON.stringify({ machine: describeMachine(), seconds: SECONDS, rounds: ROUNDS, rows }, null, 2),
  );
  console.log(
    '\n| workers | maxInFlightRequests | lingerMs | points/req | points/s (rounds) | points/CPU-s (rounds) |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const k = (xs: number[]): string => xs.map((x) => `${round(x / 1000, 0)}k`).join(', ');
    console.log(
      `| ${r.workers} | ${r.maxInFlightRequests} | ${r.lingerMs} | ${r.points} | ${k(r.pointsPerSec)} | ${k(r.pointsPerCpuSecond)} |`,
    );
  }
} finally {
  for (const target of running) target.child.kill('SIGTERM');
  const admin = new KafkaAdmin(base.kafka, pino({ level: 'silent' }));
  await admin.deleteTopics(Object.values(base.kafka.topics)).catch(() => undefined);
  await admin.disconnect();
}

function sameVariant(a: Variant, b: Variant): boolean {
  return (
    a.workers === b.workers &&
    a.maxInFlightRequests === b.maxInFlightRequests &&
    a.lingerMs === b.lingerMs
  );
}
