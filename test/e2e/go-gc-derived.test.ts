// The derived GC signals on the real Go runtime: examples/go-service in its current-conventions-
// only mode (OTEL_GO_X_DEPRECATED_RUNTIME_METRICS=false, no GC pause metric at all) sends its
// OTLP through the real ingest, Kafka and the processor into ClickHouse; the worker's series
// reader then reads its GC signals at the default 15 s step, before and during the example's GC
// fault (POST /fault/gc-pressure: 100 MiB/s, 128 MiB kept live). A twin in the default mode
// (deprecated metrics on) runs the same fault at the same time: its GC count is the truth the
// cycle estimate is checked against, and its GC pauses show what the measured signals do. The
// test prints the figures quoted in docs/worker.md, including the scheduler latency p99 that
// the defaults do not use.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcessor } from '../support/processor.ts';
import { createClickHouseClient, selectRows } from '../../lib/clickhouse/client.ts';
import { workerSchema, type SignalsConfig } from '../../lib/config/sections/worker.ts';
import type { Service } from '../../lib/service.ts';
import { medianOf as medianOrNull } from '../../models/alerts.ts';
import { GO_SIGNALS, type GoSignal } from '../../models/features.ts';
import { runMigrations } from '../../lib/clickhouse/migrate.ts';
import { createIngestService, type IngestService } from '../../services/ingest/main.ts';
import type { SeriesWindow } from '../../services/anomaly-worker/samples.ts';
import { SeriesReader } from '../../services/anomaly-worker/series-reader.ts';
import { sqlSource, openStorage, type Storage } from '../../services/anomaly-worker/storage.ts';
import { buildGoService, GoService } from '../support/go-service.ts';
import { testConfig, uniqueSuffix } from '../support/stack.ts';

const serviceName = `e2e-gc-${uniqueSuffix()}`;
const STEP_MS = 15_000;
/** Steps of each phase that are read; the fault's first step (the heap ramping up) is not. */
const PHASE_STEPS = 8;
const config = testConfig({ ingest: { adminAddress: '127.0.0.1:0' } });
config.ingest.grpc.address = '127.0.0.1:0';
config.ingest.http.address = '127.0.0.1:0';
Object.assign(config.processor, { adminAddress: '127.0.0.1:0' });
const db = config.clickhouse.database;
const clickhouse = createClickHouseClient(config.clickhouse);
const defaults = workerSchema.parse({});

let ingest: IngestService;
let processor: Service;
let storage: Storage;
let current: GoService;
let twin: GoService;

function reader(signals: SignalsConfig): SeriesReader {
  return new SeriesReader(() => sqlSource(storage), {
    stepMs: STEP_MS,
    signals,
    instanceAttributes: defaults.instanceAttributes,
    maxGapSteps: defaults.maxGapSteps,
    shard: { index: 0, count: 1 },
  });
}

/** Signals for a measurement: the defaults with some signals' sources replaced. */
function measuring(sources: Partial<Record<'gc_pause_p99' | 'gc_pause_total', unknown[]>>) {
  return workerSchema.parse({ signals: sources }).signals;
}

/** GC pause p99 from the scheduler latency histogram (what the defaults do not use). */
const schedulerLatency = measuring({
  gc_pause_p99: [{ metric: 'go.schedule.duration', read: 'histogramQuantile' }],
});

/** On the twin: the true GC cycles per step, and the estimate (which the defaults skip there). */
const estimateAndTruth = measuring({
  gc_pause_p99: [{ metric: 'process.runtime.go.gc.count', read: 'counterIncrease' }],
  gc_pause_total: [
    {
      metric: 'go.memory.allocated',
      read: 'gcCycles',
      goal: 'go.memory.gc.goal',
      gogc: 'go.config.gogc',
    },
  ],
});

/** The one series of `service`, read over [fromBucket, toBucket). */
async function read(
  service: string,
  signals: SignalsConfig,
  from: number,
  to: number,
): Promise<SeriesWindow> {
  const windows = [...(await reader(signals).read(from, to, [service])).values()];
  expect(windows).toHaveLength(1);
  return windows[0]!;
}

function column(window: SeriesWindow, signal: GoSignal): number[] {
  return [...window.series.values[GO_SIGNALS.indexOf(signal)]!].filter(Number.isFinite);
}

const medianOf = (values: number[]): number => medianOrNull(values) ?? Number.NaN;

/** Waits until `bucket` has ended and its points are in ClickHouse (export, ingest, processor). */
async function untilStored(bucket: number): Promise<void> {
  await sleep(Math.max(0, bucket * STEP_MS + 10_000 - Date.now()));
}

describe('derived GC signals of a real Go service without GC pause metrics', () => {
  beforeAll(async () => {
    const binary = await buildGoService(mkdtempSync(join(tmpdir(), 'telepipe-e2e-bin-')));
    await runMigrations(config);
    storage = await openStorage(config.clickhouse);
    ingest = await createIngestService(config);
    processor = await startProcessor(config);
    current = await GoService.start(binary, ingest.grpcPort(), serviceName, {
      OTEL_GO_X_DEPRECATED_RUNTIME_METRICS: 'false',
    });
    twin = await GoService.start(binary, ingest.grpcPort(), `${serviceName}-twin`);
  }, 300_000);

  afterAll(async () => {
    current?.kill();
    twin?.kill();
    await ingest?.service.shutdown();
    await processor?.shutdown();
    await storage?.client.close();
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${db}` });
    await clickhouse.close();
  });

  it('shows the GC fault in both GC signals, named as derived', { timeout: 600_000 }, async () => {
    // A step of settling in after the start, then PHASE_STEPS normal steps.
    const normalFrom = Math.floor(Date.now() / STEP_MS) + 2;
    const faultAt = normalFrom + PHASE_STEPS;
    await sleep(Math.max(0, faultAt * STEP_MS - Date.now()));
    const services = [current, twin];
    await Promise.all(
      services.map((s) => s.call('POST', '/fault/gc-pressure?mbps=100&retainMB=128')),
    );
    const faultTo = faultAt + 1 + PHASE_STEPS;
    try {
      await untilStored(faultTo);
    } finally {
      await Promise.all(services.map((s) => s.call('DELETE', '/fault/gc-pressure')));
    }

    const deprecated = await selectRows<{ metric: string }>(
      clickhouse,
      `SELECT DISTINCT MetricName AS metric FROM ${db}.otel_metrics_sum WHERE ServiceName = '${serviceName}' AND MetricName LIKE 'process.runtime.go.%'` +
        ` UNION ALL SELECT DISTINCT MetricName AS metric FROM ${db}.otel_metrics_histogram WHERE ServiceName = '${serviceName}' AND MetricName LIKE 'process.runtime.go.%'`,
    );
    expect(deprecated).toEqual([]);

    const phases = async (service: string, signals: SignalsConfig) => [
      await read(service, signals, normalFrom, faultAt),
      await read(service, signals, faultAt + 1, faultTo),
    ];
    const [normal, fault] = await phases(serviceName, defaults.signals);
    expect(normal!.sources.gc_pause_p99?.derived).toBe('heap allocation rate');
    expect(normal!.sources.gc_pause_total?.derived).toBe('estimated GC cycles per step');
    expect(fault!.sources).toEqual(normal!.sources);
    const scheduler = await phases(serviceName, schedulerLatency);
    const twinTruth = await phases(`${serviceName}-twin`, estimateAndTruth);
    const twinMeasured = await phases(`${serviceName}-twin`, defaults.signals);

    const both = (windows: SeriesWindow[], signal: GoSignal): number[][] =>
      windows.map((w) => column(w, signal));
    const figures = {
      allocation: both([normal!, fault!], 'gc_pause_p99'),
      cycles: both([normal!, fault!], 'gc_pause_total'),
      scheduler: both(scheduler, 'gc_pause_p99'),
      twinCycles: both(twinTruth, 'gc_pause_total'),
      twinTrueCycles: both(twinTruth, 'gc_pause_p99'),
      twinPauseP99: both(twinMeasured, 'gc_pause_p99'),
      twinPauseTotal: both(twinMeasured, 'gc_pause_total'),
    };
    const line = (name: string, [before, during]: number[][], unit: number, digits: number) =>
      `${name}: normal ${before!.map((v) => (v / unit).toFixed(digits)).join(' ')}` +
      ` | fault ${during!.map((v) => (v / unit).toFixed(digits)).join(' ')}` +
      ` | medians ${(medianOf(before!) / unit).toFixed(digits)} → ${(medianOf(during!) / unit).toFixed(digits)}`;
    console.log(
      [
        `GC signals per ${STEP_MS / 1000} s step, ${serviceName} (current conventions only):`,
        line('  allocation rate (MiB/s)', figures.allocation, 1024 * 1024, 3),
        line('  estimated GC cycles per step', figures.cycles, 1, 2),
        line('  scheduler latency p99 (µs)', figures.scheduler, 1e-6, 0),
        `the twin (deprecated metrics on):`,
        line('  estimated GC cycles per step', figures.twinCycles, 1, 2),
        line('  GC cycles per step (process.runtime.go.gc.count)', figures.twinTrueCycles, 1, 0),
        line('  GC pause p99 (µs)', figures.twinPauseP99, 1e-6, 0),
        line('  GC pause total per step (ms)', figures.twinPauseTotal, 1e-3, 2),
      ].join('\n'),
    );

    for (const [before, during] of [figures.allocation, figures.cycles]) {
      expect(before!.length).toBeGreaterThanOrEqual(PHASE_STEPS - 1);
      expect(during!.length).toBeGreaterThanOrEqual(PHASE_STEPS - 1);
    }
    // 100 MiB/s against a service that allocates well under 1 MiB/s when normal.
    expect(medianOf(figures.allocation[1]!)).toBeGreaterThan(50 * 1024 * 1024);
    expect(medianOf(figures.allocation[1]!)).toBeGreaterThan(20 * medianOf(figures.allocation[0]!));
    // Every step of the storm has more cycles than any normal step. The heap goal grows with the
    // 128 MiB kept live, so the cycles rise less than the allocation rate.
    expect(Math.min(...figures.cycles[1]!)).toBeGreaterThan(Math.max(...figures.cycles[0]!));
    expect(medianOf(figures.cycles[1]!)).toBeGreaterThan(2.5 * medianOf(figures.cycles[0]!));
    // The estimate is within a factor of 2 of the GC count during the storm.
    const ratio = medianOf(figures.twinCycles[1]!) / medianOf(figures.twinTrueCycles[1]!);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
