// Proves the service scaffolding on a tiny real service in a child process: JSON logs,
// /healthz, /readyz following its dependency, Prometheus /metrics with component
// counters, OpenTelemetry self-tracing over OTLP gRPC, and graceful SIGTERM shutdown.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRequest, encodeResponse, GRPC_SERVICES } from '../../../lib/otlp/codec.ts';

const receivedSpanNames: string[] = [];
let collector: grpc.Server;
let collectorPort = 0;

/** A minimal OTLP/gRPC trace collector that records span names. */
async function startCollector(): Promise<void> {
  collector = new grpc.Server();
  collector.addService(
    {
      Export: {
        path: `/${GRPC_SERVICES.traces}/Export`,
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const req = decodeRequest('traces', call.request);
        for (const rs of req.resourceSpans)
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans) receivedSpanNames.push(s.name ?? '');
        cb(null, Buffer.from(encodeResponse('traces')));
      },
    },
  );
  collectorPort = await new Promise<number>((resolve, reject) =>
    collector.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
}

interface LogLine {
  msg: string;
  level: number;
  service?: string;
  adminPort?: number;
  component?: string;
}

describe('service scaffolding (tiny service in a child process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telepipe-tiny-'));
  const readyFile = join(dir, 'dependency-up');
  const logs: LogLine[] = [];
  let child: ChildProcess;
  let admin = '';

  beforeAll(async () => {
    await startCollector();
    child = spawn(process.execPath, ['--import', 'tsx', 'test/support/tiny-service.ts'], {
      env: {
        ...process.env,
        TINY_READY_FILE: readyFile,
        TELEPIPE_TELEMETRY__OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    admin = await new Promise<string>((resolve) => {
      lines.on('line', (line) => {
        const parsed = JSON.parse(line) as LogLine;
        logs.push(parsed);
        if (parsed.adminPort) resolve(`http://127.0.0.1:${parsed.adminPort}`);
      });
    });
  });

  afterAll(() => {
    child.kill('SIGKILL');
    collector.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes structured JSON logs', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.every((l) => typeof l.level === 'number' && l.service === 'tiny')).toBe(true);
    expect(logs.some((l) => l.msg === 'component started' && l.component === 'tick')).toBe(true);
  });

  it('answers /healthz, and /readyz follows its dependency check', async () => {
    expect((await fetch(`${admin}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${admin}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ ready: false, checks: { dependency: false } });
    writeFileSync(readyFile, '');
    const ready = await fetch(`${admin}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('serves Prometheus metrics including component counters', async () => {
    const text = await (await fetch(`${admin}/metrics`)).text();
    expect(text).toMatch(
      /telepipe_component_items_total\{component="tick",outcome="received"\} [1-9]/,
    );
    expect(text).toContain('telepipe_process_resident_memory_bytes');
    expect(text).toMatch(/telepipe_ready 1/);
  });

  it('shuts down gracefully on SIGTERM: components stopped, spans flushed, exit 0', async () => {
    const exit = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(logs.some((l) => l.msg === 'component stopped' && l.component === 'tick')).toBe(true);
    expect(receivedSpanNames).toContain('tiny.started');
  });
});
