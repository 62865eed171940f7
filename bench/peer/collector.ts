// The OpenTelemetry Collector that telepipe is compared with (issue 15's peer bench) and
// tested against (issue 17's interop tests), built from source by the Collector's own
// builder (ocb) with components from the Go module proxy. The binary is cached outside the
// repository, one per component list (checkouts with different lists on one machine do not
// rebuild over each other), so the first call takes minutes (2 cores) and later calls
// return at once.
//
//   tsx bench/peer/collector.ts            builds if needed, prints the binary's path
//   import { ensureCollector } ...         same, from a test or bench
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Builder and core components; contrib components share the version number. */
export const COLLECTOR_VERSION = '0.165.0';

const CORE = 'go.opentelemetry.io/collector';
const CONTRIB = 'github.com/open-telemetry/opentelemetry-collector-contrib';
const V = `v${COLLECTOR_VERSION}`;

/**
 * What the bench and interop tests use: OTLP in and out of Kafka, OTLP/HTTP out to a test's
 * own server (which counts what arrived), and sinks for checks.
 */
const COMPONENTS = {
  receivers: [`${CORE}/receiver/otlpreceiver ${V}`, `${CONTRIB}/receiver/kafkareceiver ${V}`],
  exporters: [
    `${CONTRIB}/exporter/kafkaexporter ${V}`,
    `${CORE}/exporter/otlphttpexporter ${V}`,
    `${CORE}/exporter/debugexporter ${V}`,
    `${CORE}/exporter/nopexporter ${V}`,
  ],
  processors: [`${CORE}/processor/batchprocessor ${V}`],
} as const;

const BINARY_NAME = 'otelcol-telepipe';

const BUILD_HINT =
  `Building the Collector needs Go and the Go module proxy (\`go env GOPROXY\`) for its ` +
  `modules at ${V}: check that \`go\` works and the proxy is reachable, then run ` +
  '`npx tsx bench/peer/collector.ts` again.';

/**
 * The cache directory: `$TELEPIPE_CACHE_DIR`, else `$XDG_CACHE_HOME/telepipe`, else
 * `~/.cache/telepipe`; one subdirectory per Collector version (the builder lives there), and
 * in it one per component list (the binary).
 */
export function collectorCacheDir(): string {
  const base =
    process.env.TELEPIPE_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'telepipe');
  return join(base, `otelcol-${V}`);
}

/** The builder's manifest (YAML is a superset of JSON, so no YAML writer is needed). */
function manifest(outputPath: string): string {
  const list = (mods: readonly string[]): { gomod: string }[] => mods.map((gomod) => ({ gomod }));
  return `${JSON.stringify(
    {
      dist: {
        name: BINARY_NAME,
        description: 'OpenTelemetry Collector for telepipe interop tests and peer bench',
        version: COLLECTOR_VERSION,
        output_path: outputPath,
      },
      receivers: list(COMPONENTS.receivers),
      exporters: list(COMPONENTS.exporters),
      processors: list(COMPONENTS.processors),
    },
    null,
    2,
  )}\n`;
}

export interface EnsureCollectorOptions {
  /** Progress lines; stderr by default (stdout of the CLI is the binary path alone). */
  log?: (line: string) => void;
}

/** Path of the built Collector binary; builds it first when missing or out of date. */
export async function ensureCollector(options: EnsureCollectorOptions = {}): Promise<string> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[otelcol] ${line}\n`));
  const dir = collectorCacheDir();
  // Named by the manifest's hash (without its build directory, which differs per build): a
  // binary there was built from this component list.
  const components = createHash('sha256').update(manifest('')).digest('hex').slice(0, 16);
  const binary = join(dir, `components-${components}`, BINARY_NAME);
  if (existsSync(binary)) return binary;

  const go = await goVersion();
  log(`building the OpenTelemetry Collector ${V} with ${go} (several minutes on 2 cores)`);
  log(`cache: ${dir}`);
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)} s`;

  const builder = join(dir, 'bin', 'builder');
  if (!existsSync(builder)) {
    log(`installing ${CORE}/cmd/builder@${V}`);
    await run('go', ['install', `${CORE}/cmd/builder@${V}`], {
      env: { GOBIN: join(dir, 'bin') },
      what: `go install ${CORE}/cmd/builder@${V}`,
      hint: BUILD_HINT,
      log,
    });
    log(`builder installed (${elapsed()})`);
  }

  // A build of its own per process: two concurrent first calls do not share a half-built tree.
  const buildDir = join(dir, `build-${process.pid}`);
  rmSync(buildDir, { recursive: true, force: true });
  mkdirSync(buildDir, { recursive: true });
  const manifestPath = join(buildDir, 'manifest.yaml');
  writeFileSync(manifestPath, manifest(join(buildDir, 'src')));
  try {
    await run(builder, ['--config', manifestPath], {
      what: `builder --config ${manifestPath}`,
      hint: BUILD_HINT,
      log,
      // The builder reports each step (sources, modules, compiling) on stderr.
      echo: true,
    });
    // rename is atomic: a reader sees no binary or the whole one, never a partial file.
    mkdirSync(dirname(binary), { recursive: true });
    renameSync(join(buildDir, 'src', BINARY_NAME), binary);
  } finally {
    rmSync(buildDir, { recursive: true, force: true });
  }
  const version = await run(binary, ['--version'], { what: `${binary} --version`, log });
  log(`built ${version.trim()} in ${elapsed()}: ${binary}`);
  return binary;
}

async function goVersion(): Promise<string> {
  try {
    return (await run('go', ['env', 'GOVERSION'], { what: 'go env GOVERSION' })).trim();
  } catch (err) {
    throw new Error(
      'The OpenTelemetry Collector is built from source and needs Go (1.24 or later) on PATH: ' +
        'install it (e.g. `apt-get install golang-go`, or put /usr/local/go/bin on PATH). ' +
        `(${(err as Error).message})`,
      { cause: err },
    );
  }
}

interface RunOptions {
  what: string;
  env?: Record<string, string>;
  log?: (line: string) => void;
  /** Pass the command's stderr lines to `log` as they come. */
  echo?: boolean;
  /** What to check when the command fails. */
  hint?: string;
}

/** Runs a command; resolves with its stdout, rejects with the fix and the output's tail. */
function run(command: string, args: string[], options: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const tail: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    let partial = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        if (options.echo && line.trim() !== '') options.log?.(line);
      }
    });
    child.on('error', (err) => reject(new Error(`${options.what}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (partial) tail.push(partial);
      if (code === 0) return resolve(stdout);
      const hint = options.hint ? ` ${options.hint}` : '';
      reject(
        new Error(
          `${options.what} failed (${signal ?? `exit ${code}`}).${hint}\n${tail.join('\n')}`,
        ),
      );
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureCollector().then(
    (binary) => process.stdout.write(`${binary}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
