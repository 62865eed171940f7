// Builds and runs examples/go-service (the OpenTelemetry Go SDK service) for end-to-end
// tests, pointed at a running telepipe ingest.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './stack.ts';

const EXAMPLE_DIR = resolve(import.meta.dirname, '../../examples/go-service');

export interface ExportCounts {
  metricDataPoints: Record<string, number>;
  logRecords: number;
  spans: number;
}

export interface SentValues {
  pii: string[];
  nonPii: string[];
}

/**
 * `go build` of the example. Asynchronous: on a fresh machine it downloads the OpenTelemetry
 * modules first, and a test worker blocked that long loses its connection to vitest.
 */
export async function buildGoService(outDir: string): Promise<string> {
  const binary = join(outDir, 'go-service');
  const child = spawn('go', ['build', '-o', binary, '.'], { cwd: EXAMPLE_DIR });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`go build failed:\n${output}`);
  return binary;
}

export class GoService {
  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    private readonly finalCounts: Promise<ExportCounts>,
  ) {}

  /** `env` adds to or overrides the test defaults, e.g. the runtime metrics mode. */
  static async start(
    binary: string,
    otlpGrpcPort: number,
    serviceName: string,
    env: Record<string, string> = {},
  ): Promise<GoService> {
    const port = await freePort();
    const child = spawn(binary, [], {
      env: {
        ...process.env,
        PORT: String(port),
        LOAD_RPS: '20',
        OTEL_SERVICE_NAME: serviceName,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpGrpcPort}`,
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_BSP_SCHEDULE_DELAY: '500',
        OTEL_BLRP_SCHEDULE_DELAY: '500',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // The service prints its final export counts as one JSON line when it exits.
    const finalCounts = new Promise<ExportCounts>((resolveCounts, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.startsWith('{"exported"'))
          resolveCounts((JSON.parse(line) as { exported: ExportCounts }).exported);
      });
      child.once('exit', (code) =>
        reject(new Error(`go-service exited (${code}) without final counts`)),
      );
    });
    finalCounts.catch(() => undefined);
    const service = new GoService(child, `http://127.0.0.1:${port}`, finalCounts);
    await service.waitHealthy();
    return service;
  }

  private async waitHealthy(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${this.baseUrl}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('go-service did not become healthy');
  }

  async call(method: 'POST' | 'DELETE', path: string): Promise<void> {
    const res = await fetch(`${this.baseUrl}${path}`, { method });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}`);
  }

  async sent(): Promise<SentValues> {
    return (await fetch(`${this.baseUrl}/debug/sent`)).json() as Promise<SentValues>;
  }

  /** SIGTERM: the service flushes its exporters and reports what was exported. */
  async stop(): Promise<ExportCounts> {
    this.child.kill('SIGTERM');
    return this.finalCounts;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
