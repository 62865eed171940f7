// Redaction throughput on one core: realistic log lines without personal data, lines
// without it but dense with look-alikes (the hard negatives), lines dense with it (the
// corpus positives), and OTLP logs requests through redactRequest.
// Throughput is per CPU-second of this process (user + system), so that other load on a
// shared machine does not distort it; wall-clock throughput is printed beside it.
// Run: npx tsx bench/redaction.ts   (prints JSON, then a table)
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { redactionSchema } from '../lib/config/sections/redaction.ts';
import { decodeRequest, encodeRequest } from '../lib/otlp/codec.ts';
import type { ExportLogsServiceRequest, KeyValue } from '../lib/otlp/types.ts';
import { generateKey, Keyring } from '../lib/redaction/keyring.ts';
import { Redactor } from '../lib/redaction/redactor.ts';
import { CORPUS_PATH, Rng, type CorpusCase } from '../test/unit/redaction/corpus-generator.ts';

const SECONDS_PER_SCENARIO = 2;
const HEX = '0123456789abcdef';

/** Lines as services write them: access logs, logfmt, zap JSON, GC traces, stack frames, … */
const CLEAN_LINES: ((rng: Rng) => string)[] = [
  (rng) =>
    `ts=2026-11-23T10:${rng.int(10, 59)}:${rng.int(10, 59)}.${rng.digits(6)}Z level=info msg="request completed" method=GET path=/api/v1/orders/${rng.int(1, 99999)} status=200 duration_ms=${rng.int(1, 900)}.${rng.digits(2)} bytes=${rng.int(100, 99999)} trace_id=${rng.chars(HEX, 32)} span_id=${rng.chars(HEX, 16)}`,
  (rng) =>
    `{"level":"info","ts":17${rng.digits(8)}.${rng.digits(6)},"caller":"server/handler.go:${rng.int(10, 999)}","msg":"cache lookup","key":"product:${rng.int(1, 99999)}","hit":true,"latency":"${rng.int(1, 999)}µs","pod":"checkout-${rng.chars(HEX, 10)}-${rng.chars('abcdefghijklmnopqrstuvwxyz', 5)}"}`,
  // Behind a sidecar proxy the client is the loopback address: an access log line without
  // personal data (a client's own address would be one).
  (rng) =>
    `127.0.0.1 - - [23/Nov/2026:10:15:${rng.int(10, 59)} +0000] "GET /static/app.${rng.chars(HEX, 8)}.js HTTP/1.1" 200 ${rng.int(100, 99999)} "https://shop.example.com/" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36"`,
  (rng) =>
    `gc ${rng.int(1, 9999)} @${rng.int(1, 9999)}.${rng.digits(3)}s ${rng.int(0, 9)}%: 0.018+1.2+0.005 ms clock, 0.14+0.35/1.1/2.3+0.040 ms cpu, 12->13->6 MB, 14 MB goal, 0 MB stacks, 0 MB globals, 8 P`,
  (rng) =>
    `INFO [Consumer clientId=telepipe-1, groupId=processor] Setting offset for partition otlp_logs-${rng.int(0, 11)} to the committed offset FetchPosition{offset=${rng.int(1, 9e6)}, offsetEpoch=Optional[0], currentLeader=LeaderAndEpoch{leader=Optional[kafka-0:9092 (id: 0 rack: null)], epoch=0}}`,
  (rng) =>
    `Successfully assigned default/api-${rng.chars(HEX, 10)}-${rng.chars('bcdfghjklmnpqrstvwxz2456789', 5)} to node-pool-${rng.int(1, 9)}-${rng.chars(HEX, 8)} in ${rng.int(1, 999)}ms`,
  (rng) =>
    `goroutine ${rng.int(1, 9999)} [running]:\nmain.(*Server).handle(0xc000${rng.chars(HEX, 6)}, {0x${rng.chars(HEX, 6)}, 0xc0001${rng.chars(HEX, 5)}})\n\t/app/server.go:${rng.int(10, 999)} +0x${rng.chars(HEX, 3)}`,
  (rng) =>
    `SELECT id, status, total FROM orders WHERE customer_id = $1 AND created_at > $2 ORDER BY created_at DESC LIMIT 100 -- took ${rng.int(1, 999)}ms rows=${rng.int(0, 100)}`,
];

/**
 * What looks like personal data and is not, densely: metric lines, Chinese text with
 * numbers, versions and digests, placeholders, ports and sizes, snowflake ids, epoch times.
 */
const LOOKALIKE_LINES: ((rng: Rng) => string)[] = [
  (rng) =>
    `http_request_duration_seconds_bucket{method="GET",code="200",handler="/api/v1/orders",pod="checkout-${rng.chars(HEX, 10)}-x2x7k",le="0.25"} ${rng.int(1, 99999)} 17${rng.digits(11)}`,
  (rng) =>
    `2026-11-23 10:15:${rng.int(10, 59)}.${rng.digits(3)} INFO 订单 2026112${rng.digits(9)} 已出库，库存 ${rng.int(1, 9999)} 件，耗时 ${rng.int(1, 999)}ms`,
  (rng) =>
    `deploy checkout version=1.${rng.int(0, 99)}.0-rc.1+build.${rng.int(1, 99)} build 4.18.${rng.int(0, 9)}.${rng.int(1, 200)} image=registry.example.com/shop/checkout@sha256:${rng.chars(HEX, 64)} deps lodash@4.17.21 golang.org/x/net@v0.${rng.int(1, 30)}.0 commit ${rng.chars(HEX, 40)}`,
  (rng) =>
    `login ok user_id=${rng.int(1, 99999)} password=[REDACTED] token=*** card=<redacted> listening on 0.0.0.0:${rng.int(1024, 65535)} took ${rng.int(1, 9)}.${rng.digits(2)}s size=${rng.int(1, 999)}.${rng.digits(1)}MiB retries=${rng.int(0, 5)}`,
  (rng) =>
    `{"msg":"message sent","message_id":1${rng.digits(18)},"ts":17${rng.digits(11)},"order_no":"4111111111111112","port":${rng.int(1024, 65535)}}`,
];

function generatedLines(shapes: ((rng: Rng) => string)[], count: number): string[] {
  const rng = new Rng(42);
  return Array.from({ length: count }, (_, i) =>
    (shapes[i % shapes.length] as (r: Rng) => string)(rng),
  );
}

/** The corpus positives that sit inside text (not bare values): 1-4 findings per line. */
function piiLines(): string[] {
  return readFileSync(CORPUS_PATH, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as CorpusCase)
    .filter((c) => c.labels.length > 0 && c.format !== 'value')
    .map((c) => c.text);
}

const attr = (key: string, stringValue: string): KeyValue => ({ key, value: { stringValue } });

/** One resource, `records` log records with a body and the attributes SDKs typically set. */
function logsRequest(bodies: string[], records: number): Uint8Array {
  const request: ExportLogsServiceRequest = {
    resourceLogs: [
      {
        resource: {
          attributes: [
            attr('service.name', 'checkout'),
            attr('service.version', '1.42.0'),
            attr('k8s.pod.name', 'checkout-7d9f8b6c5d-x2x7k'),
            attr('k8s.namespace.name', 'shop'),
            attr('host.name', 'node-pool-1-3f2a9c1d'),
          ],
        },
        scopeLogs: [
          {
            scope: { name: 'go.opentelemetry.io/contrib/bridges/otelslog', attributes: [] },
            logRecords: Array.from({ length: records }, (_, i) => ({
              timeUnixNano: '1795428930123456789',
              severityNumber: 9,
              severityText: 'INFO',
              body: { stringValue: bodies[i % bodies.length] ?? '' },
              attributes: [
                attr('http.request.method', 'GET'),
                attr('http.route', '/api/v1/orders/{id}'),
                { key: 'http.response.status_code', value: { intValue: 200 } },
                attr('user_agent.original', 'Go-http-client/1.1'),
                attr('code.function', 'main.(*Server).handle'),
              ],
              traceId: Buffer.from(`${i}`.padStart(16, '0')),
              spanId: Buffer.from(`${i}`.padStart(8, '0')),
            })),
          },
        ],
      },
    ],
  };
  return encodeRequest('logs', request);
}

interface Result {
  scenario: string;
  /** MB (10^6 bytes of UTF-8 text, or of OTLP protobuf) per CPU-second. */
  mbPerCpuSecond: number;
  recordsPerCpuSecond: number;
  mbPerWallSecond: number;
  iterations: number;
  bytes: number;
  records: number;
  redactions: number;
}

interface Round {
  bytes: number;
  records: number;
  redactions: number;
  cpuMs: number;
  wallMs: number;
}

/** Times `body` in CPU and wall milliseconds. */
function timed(body: () => number): { redactions: number; cpuMs: number; wallMs: number } {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const redactions = body();
  const used = process.cpuUsage(cpu);
  return { redactions, cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall };
}

/** Runs `round` until it has used the CPU budget, after a JIT warm-up. */
function measure(scenario: string, round: () => Round): Result {
  for (let i = 0; i < 3; i++) round();
  const total = { bytes: 0, records: 0, redactions: 0, cpuMs: 0, wallMs: 0 };
  let iterations = 0;
  while (total.cpuMs < SECONDS_PER_SCENARIO * 1000) {
    const r = round();
    for (const key of Object.keys(total) as (keyof Round)[]) total[key] += r[key];
    iterations++;
  }
  const cpuSeconds = total.cpuMs / 1000;
  return {
    scenario,
    mbPerCpuSecond: Number((total.bytes / 1e6 / cpuSeconds).toFixed(1)),
    recordsPerCpuSecond: Math.round(total.records / cpuSeconds),
    mbPerWallSecond: Number((total.bytes / 1e6 / (total.wallMs / 1000)).toFixed(1)),
    iterations,
    bytes: total.bytes,
    records: total.records,
    redactions: total.redactions,
  };
}

const sum = (counts: Record<string, number | undefined>): number =>
  Object.values(counts).reduce<number>((a, b) => a + (b ?? 0), 0);

function textRound(redactor: Redactor, lines: string[]) {
  const bytes = lines.reduce((n, line) => n + Buffer.byteLength(line), 0);
  return (): Round => ({
    bytes,
    records: lines.length,
    ...timed(() => lines.reduce((n, line) => n + sum(redactor.redactText(line).counts), 0)),
  });
}

/** Decoding is not timed: each round redacts fresh copies decoded beforehand. */
function otlpRound(redactor: Redactor, payload: Uint8Array, records: number) {
  const COPIES = 20;
  return (): Round => {
    const copies = Array.from({ length: COPIES }, () => decodeRequest('logs', payload));
    return {
      bytes: payload.length * COPIES,
      records: records * COPIES,
      ...timed(() =>
        copies.reduce((n, req) => n + sum(redactor.redactRequest('logs', req).counts), 0),
      ),
    };
  };
}

function main(): void {
  const keyring = Keyring.fromDocument(
    { hmacKey: generateKey(), keys: [{ id: 'k1', key: generateKey() }] },
    'bench',
  );
  const redactor = new Redactor(redactionSchema.parse({}), keyring);
  const clean = generatedLines(CLEAN_LINES, 20_000);
  const lookalikes = generatedLines(LOOKALIKE_LINES, 20_000);
  const dense = piiLines();
  const RECORDS = 500;
  const mixedBodies = clean.slice(0, 450).concat(dense.slice(0, 50));
  const results = [
    measure('text, no PII', textRound(redactor, clean)),
    measure('text, look-alikes, no PII', textRound(redactor, lookalikes)),
    measure('text, dense PII', textRound(redactor, dense)),
    measure('OTLP logs, no PII', otlpRound(redactor, logsRequest(clean, RECORDS), RECORDS)),
    measure('OTLP logs, 10% PII', otlpRound(redactor, logsRequest(mixedBodies, RECORDS), RECORDS)),
  ];
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
  };
  console.log(JSON.stringify({ benchmark: 'redaction', machine, results }, null, 2));
  console.log('\n| scenario | MB/s per core | records/s per core | MB/s wall | redactions |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.scenario} | ${r.mbPerCpuSecond} | ${r.recordsPerCpuSecond} | ${r.mbPerWallSecond} | ${r.redactions} |`,
    );
  }
}

main();
