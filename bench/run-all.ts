// `npm run bench`: runs every benchmark, against the local stack (brought up if a chosen
// benchmark needs it), and writes their tables and JSON to docs/benchmarks.md with the
// machine and the date.
// Each benchmark prints a pretty-printed JSON object, then a table.
import { spawnSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../lib/config/index.ts';
import { stackUp } from '../infra/stack/stack.ts';

interface BenchRun {
  name: string;
  script: string;
  what: string;
  /** Runs without Kafka, ClickHouse and Alertmanager. */
  offline?: boolean;
}

const BENCHES: BenchRun[] = [
  {
    name: 'ingest',
    script: 'bench/ingest.ts',
    what: 'OTLP data points/s into Kafka with acks, beside Kafka’s own producer perf test',
  },
  {
    name: 'peer',
    script: 'bench/peer/bench.ts',
    what: 'the ingest beside the OpenTelemetry Collector (otlpreceiver → kafkaexporter, acks=all) on the same broker: points/s, points per CPU-second, peak RSS over OTLP/HTTP and gRPC, and telepipe at 3× its sustainable rate, bound by its CPU and by a Kafka produce quota',
  },
  {
    name: 'processor',
    script: 'bench/processor.ts',
    what: 'rows/s Kafka → ClickHouse and freshness, beside clickhouse-client inserting the same rows',
  },
  {
    name: 'redaction',
    script: 'bench/redaction.ts',
    what: 'MB/s and records/s per core, without and with dense PII',
  },
  {
    name: 'scoring',
    script: 'bench/scoring.ts',
    what: 'LSTM windows scored/s per core on the wasm backend, training time, memory, detection quality, and static threshold alerts judged by the webhook verdict',
  },
  {
    name: 'detection',
    script: 'bench/detection.ts',
    what: 'detection quality on public labelled data (NAB server and service metrics): NAB scores and event precision/recall/F0.5 of the detector, its online path alone and a rolling z-score baseline tuned on the tuning split; held-out is the verdict (docs/detection.md, Evaluation)',
    offline: true,
  },
];

interface BenchOutput {
  json: unknown;
  table: string;
  seconds: number;
}

function runBench(bench: BenchRun): BenchOutput {
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', bench.script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0)
    throw new Error(`${bench.script} failed with exit code ${result.status}`);
  const lines = result.stdout.split('\n');
  const start = lines.indexOf('{');
  const end = lines.indexOf('}', start);
  if (start < 0 || end < 0) throw new Error(`${bench.script} printed no JSON object`);
  return {
    json: JSON.parse(lines.slice(start, end + 1).join('\n')),
    table: lines
      .slice(end + 1)
      .join('\n')
      .trim(),
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}`;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const chosen = BENCHES.filter((b) => only.length === 0 || only.includes(b.name));
  if (chosen.some((b) => !b.offline)) {
    await stackUp(loadConfig(), (line) => process.stderr.write(`[stack] ${line}\n`));
  }
  const results: Record<string, BenchOutput> = {};
  for (const bench of chosen) {
    process.stderr.write(`== bench ${bench.name}\n`);
    results[bench.name] = runBench(bench);
  }
  const date = new Date().toISOString().slice(0, 10);
  const earlier = earlierSections();
  const sections = BENCHES.filter((b) => results[b.name] || earlier.has(b.name)).map((b) => {
    const r = results[b.name];
    if (!r) return earlier.get(b.name)!;
    return [
      `## ${b.name}`,
      '',
      `${b.what}. (\`npx tsx ${b.script}\`, ${r.seconds} s, measured ${date} on ${machine()})`,
      '',
      '```',
      r.table,
      '```',
      '',
      '<details><summary>JSON</summary>',
      '',
      '```json',
      JSON.stringify(r.json, null, 2),
      '```',
      '',
      '</details>',
    ].join('\n');
  });
  const doc = [
    '# Benchmarks',
    '',
    'Each section says when and on what machine it was measured, against the local stack',
    '(Kafka 4.3 KRaft from Maven jars, ClickHouse 18.16 and Alertmanager from Debian packages)',
    'on the same machine.',
    'Timings on 2 shared cores are noisy: compare the ratios measured in the same run (telepipe',
    'beside the ceiling of the server it feeds), not absolute numbers across runs.',
    '',
    'Regenerate with `npm run bench` (all) or `npm run bench -- ingest redaction` (some; the',
    'other sections stay as they were).',
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
  writeFileSync('docs/benchmarks.md', doc);
  console.log(
    JSON.stringify({
      date,
      machine: machine(),
      results: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.json])),
    }),
  );
  console.log(
    sections.length
      ? `wrote docs/benchmarks.md (${Object.keys(results).join(', ')})`
      : 'no benchmark ran',
  );
}

/** The sections of the current docs/benchmarks.md by bench name, kept for benches not re-run. */
function earlierSections(): Map<string, string> {
  const path = 'docs/benchmarks.md';
  if (!existsSync(path)) return new Map();
  const parts = readFileSync(path, 'utf8')
    .split(/^(?=## )/m)
    .slice(1);
  return new Map(parts.map((p) => [p.slice(3, p.indexOf('\n')).trim(), p.trimEnd()]));
}

await main();
