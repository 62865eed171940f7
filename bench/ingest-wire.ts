// CPU per protobuf metrics request from body to Kafka records, without Kafka: the decode
// path (decode, screen, encode per resource: the ingest before lib/otlp/wire, which JSON
// bodies and requests with rejected items still take) against the wire path
// (services/ingest/records.ts). Requests hold one resource of 10 gauge metrics with two
// attributes per point. CPU is this process's user + system time (garbage collection
// included), so other load on a shared machine distorts it less than wall-clock time.
// Not part of any test or of bench/run-all.ts.
//
//   npx tsx bench/ingest-wire.ts       (BENCH_SECONDS per path and size, default 1)
import { decodeRequest } from '../lib/otlp/codec.ts';
import { kafkaRecords, outgoingRecords } from '../lib/otlp/kafka-records.ts';
import { requestRecords } from '../services/ingest/records.ts';
import { screenRequest } from '../services/ingest/screen.ts';
import { gaugeRequest } from './load.ts';
import { describeMachine } from './machine.ts';

const SIZES = [100, 1_000];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const MAX_RECORD_BYTES = 1_000_000;
const ORIGIN = { tenant: 'default', receivedNs: 1_795_464_000_000_000_000n };

type Path = (body: Buffer) => number;

const PATHS: Record<'decode' | 'wire', Path> = {
  decode: (body) => {
    const screened = screenRequest('metrics', decodeRequest('metrics', body));
    const request = { signal: 'metrics' as const, request: screened.request, ...ORIGIN };
    return kafkaRecords(request, 'otlp_metrics', MAX_RECORD_BYTES).length;
  },
  wire: (body) => {
    const { records } = requestRecords('metrics', 'protobuf', body, MAX_RECORD_BYTES);
    return outgoingRecords(records, 'otlp_metrics', ORIGIN).length;
  },
};

const ROUND_SECONDS = 0.1;

/** CPU microseconds per request over one round of repeated runs. */
function cpuPerRequest(path: Path, body: Buffer): number {
  const start = process.cpuUsage();
  const deadline = performance.now() + ROUND_SECONDS * 1000;
  let runs = 0;
  while (performance.now() < deadline) {
    for (let i = 0; i < 10; i++) path(body);
    runs += 10;
  }
  const { user, system } = process.cpuUsage(start);
  return (user + system) / runs;
}

/**
 * The paths take turns in short rounds and each keeps its median round, so that load from
 * others on the machine weighs on both alike.
 */
function measure(body: Buffer, seconds: number): Record<keyof typeof PATHS, number> {
  const rounds = { decode: [] as number[], wire: [] as number[] };
  for (let i = 0; i < seconds / ROUND_SECONDS; i++) {
    rounds.decode.push(cpuPerRequest(PATHS.decode, body));
    rounds.wire.push(cpuPerRequest(PATHS.wire, body));
  }
  return { decode: median(rounds.decode), wire: median(rounds.wire) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const rows = SIZES.map((points) => {
  const body = gaugeRequest(points);
  measure(body, SECONDS / 4); // warm-up
  return { points, bytes: body.length, ...measure(body, SECONDS) };
});

console.log(JSON.stringify({ machine: describeMachine(), seconds: SECONDS, rows }));
console.log('\n| points/request | request bytes | decode path µs CPU | wire path µs CPU | ratio |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const ratio = (r.decode / r.wire).toFixed(1);
  console.log(
    `| ${r.points} | ${r.bytes} | ${r.decode.toFixed(1)} | ${r.wire.toFixed(1)} | ${ratio}× |`,
  );
}
