// What the ingest benches share: the OTLP metric payloads, closed-loop and open-loop load
// against an OTLP endpoint, and what a target process spent (CPU, peak RSS) read from
// /proc, so a bench measures only the target, not itself.
import { credentials, Client, type ServiceError } from '@grpc/grpc-js';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { decodeJsonRequest, encodeRequest, GRPC_SERVICES } from '../lib/otlp/codec.ts';

/** Gauge metrics per request, each with points/10 data points of two attributes. */
const METRICS = 10;

/**
 * A Go-runtime-like export request: one resource (`instance` varies its identity, hence
 * the record key and partition), 10 gauge metrics, two attributes per data point.
 */
export function gaugeRequest(points: number, instance = 7): Buffer {
  const now = 1_795_464_000_000_000_000n;
  const perMetric = points / METRICS;
  const metrics = Array.from({ length: METRICS }, (_, m) => ({
    name: `go.runtime.metric_${m}`,
    unit: 'By',
    gauge: {
      dataPoints: Array.from({ length: perMetric }, (_, p) => ({
        asDouble: m * perMetric + p + 0.5,
        timeUnixNano: String(now + BigInt(p)),
        attributes: [
          { key: 'go.memory.type', value: { stringValue: `class_${p % 16}` } },
          { key: 'go.gc.phase', value: { stringValue: p % 2 ? 'mark' : 'sweep' } },
        ],
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
            { key: 'telemetry.sdk.language', value: { stringValue: 'go' } },
          ],
        },
        scopeMetrics: [{ scope: { name: 'go.opentelemetry.io/contrib/runtime' }, metrics }],
      },
    ],
  };
  return Buffer.from(encodeRequest('metrics', decodeJsonRequest('metrics', JSON.stringify(json))));
}

/** The status of an HTTP request that got no answer (connection refused or closed). */
export const CONNECTION_FAILED = -1;

/**
 * One export sent; resolves with the answer's status: HTTP code (or CONNECTION_FAILED), or
 * gRPC code (0 = OK; UNAVAILABLE when the connection failed).
 */
export type Send = (body: Buffer) => Promise<number>;

export interface Sender {
  send: Send;
  /** The status that means accepted (HTTP 200, gRPC OK). */
  ok: number;
  close(): void;
}

/** OTLP/HTTP protobuf POSTs to `url` (fetch keeps connections alive and opens more as needed). */
export function httpSender(url: string): Sender {
  return {
    ok: 200,
    send: async (body) => {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body,
        });
        await res.arrayBuffer();
        return res.status;
      } catch {
        return CONNECTION_FAILED;
      }
    },
    close: () => undefined,
  };
}

/**
 * OTLP/gRPC metrics Export calls over `connections` channels, round robin: one connection
 * per client as separate exporters would hold (grpc-js would otherwise share one
 * subchannel), so a server that spreads connections over processes sees several.
 */
export function grpcSender(address: string, connections: number): Sender {
  const path = `/${GRPC_SERVICES.metrics}/Export`;
  const identity = (b: Buffer): Buffer => b;
  const clients = Array.from(
    { length: connections },
    (_, i) =>
      new Client(address, credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
        'grpc.max_send_message_length': 64 * 1024 * 1024,
        'grpc.primary_user_agent': `bench-${i}`,
      }),
  );
  let next = 0;
  return {
    ok: 0,
    send: (body) =>
      new Promise((resolve) => {
        const client = clients[next++ % clients.length]!;
        client.makeUnaryRequest(path, identity, identity, body, (err: ServiceError | null) =>
          resolve(err ? err.code : 0),
        );
      }),
    close: () => clients.forEach((c) => c.close()),
  };
}

export interface LoadResult {
  seconds: number;
  /** Answers by status. */
  statuses: Record<number, number>;
  /** Latencies of accepted requests, ms, sorted. */
  latencies: number[];
}

/** `concurrency` clients send back to back (closed loop) for `seconds`. */
export async function closedLoop(
  sender: Sender,
  bodies: Buffer[],
  concurrency: number,
  seconds: number,
): Promise<LoadResult> {
  const result: LoadResult = { seconds: 0, statuses: {}, latencies: [] };
  const start = performance.now();
  const end = start + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        observe(result, sender, await sender.send(bodies[next++ % bodies.length]!), t);
      }
    }),
  );
  result.seconds = (performance.now() - start) / 1000;
  result.latencies.sort((a, b) => a - b);
  return result;
}

/**
 * Requests started at `ratePerSec` whatever the answers (open loop), at most `maxOutstanding`
 * at once (beyond that the offered rate is not reached; `offered` says what was).
 */
export async function openLoop(
  sender: Sender,
  bodies: Buffer[],
  ratePerSec: number,
  seconds: number,
  maxOutstanding: number,
): Promise<LoadResult & { offered: number }> {
  const result: LoadResult = { seconds: 0, statuses: {}, latencies: [] };
  const start = performance.now();
  const end = start + seconds * 1000;
  let started = 0;
  let outstanding = 0;
  const inFlight = new Set<Promise<void>>();
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - start) / 1000) * ratePerSec);
    while (started < due && outstanding < maxOutstanding) {
      const t = performance.now();
      started += 1;
      outstanding += 1;
      const p: Promise<void> = sender
        .send(bodies[started % bodies.length]!)
        .then((status) => observe(result, sender, status, t))
        .finally(() => {
          outstanding -= 1;
          inFlight.delete(p);
        });
      inFlight.add(p);
    }
    // Never more than the due requests: skip the ones the outstanding cap held back.
    started = Math.max(started, due);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  result.seconds = (performance.now() - start) / 1000;
  await Promise.all(inFlight);
  result.latencies.sort((a, b) => a - b);
  const answered = Object.values(result.statuses).reduce((n, c) => n + c, 0);
  return { ...result, offered: Math.round(answered / result.seconds) };
}

function observe(result: LoadResult, sender: Sender, status: number, startedAt: number): void {
  result.statuses[status] = (result.statuses[status] ?? 0) + 1;
  if (status === sender.ok) result.latencies.push(performance.now() - startedAt);
}

/** `pid` and its descendants (cluster workers, child processes). */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${pids[i]}/task`)) {
        const children = readFileSync(`/proc/${pids[i]}/task/${task}/children`, 'utf8');
        pids.push(...children.split(' ').filter(Boolean).map(Number));
      }
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

const CLOCK_TICKS_PER_SEC = 100; // USER_HZ on Linux

/** User + system CPU seconds of `pid` and its descendants alive now (/proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start at state; utime, stime are 14, 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / CLOCK_TICKS_PER_SEC;
}

/** Resets the peak RSS (VmHWM) of `pid` and its descendants. */
export function resetPeakRss(pid: number): void {
  for (const p of processTree(pid)) writeFileSync(`/proc/${p}/clear_refs`, '5');
}

/** Sum of the peak RSS of `pid` and its descendants since the last reset, MB. */
export function peakRssMb(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
    kb += Number(hwm?.[1] ?? 0);
  }
  return round(kb / 1024, 1);
}

export function quantile(sorted: number[], q: number): number {
  return sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function round(n: number, digits: number): number {
  return Number(n.toFixed(digits));
}
