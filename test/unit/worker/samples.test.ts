// Raw per-step samples → fixed-step signals: deltas, counter resets, rates, quantiles, gaps,
// source preference and attribute filters, and the GC signals derived from the current runtime
// conventions when a series exports no GC pause metric.
import { describe, expect, it } from 'vitest';
import { workerSchema } from '../../../lib/config/sections/worker.ts';
import { GO_SIGNALS, seriesKey, type GoSignal } from '../../../models/features.ts';
import {
  buildSeries,
  lookbackSteps,
  metricsByTable,
  type Sample,
  type SeriesWindow,
} from '../../../services/anomaly-worker/samples.ts';
import { increasesOf } from '../../../services/anomaly-worker/step-values.ts';

const STEP = 15_000;
const ID = { tenant: 't1', service: 'checkout', instance: 'pod-1' };
const signals = workerSchema.parse({}).signals;

function sample(p: Partial<Sample> & Pick<Sample, 'metric' | 'table' | 'bucket'>): Sample {
  return {
    id: ID,
    attributes: {},
    timeMs: p.bucket * STEP + 5000,
    delta: false,
    value: Number.NaN,
    count: Number.NaN,
    sum: Number.NaN,
    bucketCounts: [],
    bounds: [],
    quantiles: [],
    quantileValues: [],
    ...p,
  };
}

function column(windows: Map<string, SeriesWindow>, signal: GoSignal): number[] {
  const w = windows.get(seriesKey(ID));
  expect(w).toBeDefined();
  return [...w!.series.values[GO_SIGNALS.indexOf(signal)]!];
}

const grid = (fromBucket: number, toBucket: number) => ({ fromBucket, toBucket, stepMs: STEP });
const build = (samples: Sample[], from: number, to: number) =>
  buildSeries(samples, grid(from, to), { signals, maxGapSteps: 4 });

describe('buildSeries', () => {
  it('takes gauges as they are and leaves steps without a sample as NaN gaps', () => {
    const samples = [0, 1, 3].map((b) =>
      sample({ metric: 'go.goroutine.count', table: 'sum', bucket: b, value: 100 + b }),
    );
    const goroutines = column(build(samples, 0, 4), 'goroutines');
    expect(goroutines).toEqual([100, 101, Number.NaN, 103]);
  });

  it('sums a gauge over attribute sets, honouring the attribute filter', () => {
    const used = (type: string, value: number) =>
      sample({
        metric: 'go.memory.used',
        table: 'sum',
        bucket: 0,
        value,
        attributes: { 'go.memory.type': type },
      });
    const heap = column(build([used('other', 500), used('stack', 20)], 0, 1), 'heap_inuse');
    expect(heap).toEqual([500]);
  });

  it('prefers the first configured source that has data', () => {
    const samples = [
      sample({ metric: 'go_goroutines', table: 'gauge', bucket: 0, value: 7 }),
      sample({ metric: 'go.goroutine.count', table: 'sum', bucket: 0, value: 42 }),
    ];
    expect(column(build(samples, 0, 1), 'goroutines')).toEqual([42]);
    expect(column(build(samples.slice(0, 1), 0, 1), 'goroutines')).toEqual([7]);
  });

  it('turns a cumulative counter into increases per step and handles a reset', () => {
    // pause_total_ns: +2e6 per step, the process restarts before bucket 3 (counter back to 1e6).
    const values = [10e6, 12e6, 14e6, 1e6, 3e6];
    const samples = values.map((value, b) =>
      sample({ metric: 'process.runtime.go.gc.pause_total_ns', table: 'sum', bucket: b, value }),
    );
    const total = column(build(samples, 1, 5), 'gc_pause_total');
    expect(total.map((v) => Number(v.toFixed(6)))).toEqual([0.002, 0.002, 0.001, 0.002]);
  });

  it('spreads an increase over the time between samples (a 60 s export interval)', () => {
    const samples = [0, 4, 8].map((b, i) =>
      sample({ metric: 'http_requests_total', table: 'sum', bucket: b, value: i * 600 }),
    );
    const rate = column(build(samples, 1, 9), 'request_rate');
    // 600 requests per 60 s = 10/s, known at the steps that have a sample.
    expect(rate).toEqual([
      Number.NaN,
      Number.NaN,
      Number.NaN,
      10,
      Number.NaN,
      Number.NaN,
      Number.NaN,
      10,
    ]);
  });

  it('takes delta points as the step increase', () => {
    const samples = [0, 1].map((b) =>
      sample({ metric: 'http_requests_total', table: 'sum', bucket: b, value: 150, delta: true }),
    );
    expect(column(build(samples, 0, 2), 'request_rate')).toEqual([10, 10]);
  });

  it('gives no increase across a gap longer than maxGapSteps', () => {
    const samples = [0, 6].map((b, i) =>
      sample({ metric: 'http_requests_total', table: 'sum', bucket: b, value: i * 100 }),
    );
    expect(column(build(samples, 6, 7), 'request_rate')).toEqual([Number.NaN]);
  });

  it('computes p99 latency and request rate from histogram bucket increases across attribute sets', () => {
    const bounds = [0.1, 0.5, 1];
    const hist = (bucket: number, route: string, counts: number[]) =>
      sample({
        metric: 'http.server.request.duration',
        table: 'histogram',
        bucket,
        attributes: { 'http.route': route },
        bounds,
        bucketCounts: counts,
        count: counts.reduce((a, b) => a + b, 0),
        sum: 0,
      });
    const samples = [
      hist(0, '/a', [100, 0, 0, 0]),
      hist(1, '/a', [199, 0, 0, 0]),
      hist(0, '/b', [0, 0, 0, 0]),
      hist(1, '/b', [0, 0, 1, 0]),
    ];
    const windows = build(samples, 1, 2);
    // Step 1: 99 fast requests on /a, 1 slow on /b → rank 99 is the last fast one, rate 100/15 s.
    expect(column(windows, 'latency_p99')[0]).toBeCloseTo(0.1, 9);
    expect(column(windows, 'request_rate')[0]).toBeCloseTo(100 / 15, 9);
  });

  it('takes GC pause p99 over a one-minute window, never set by one pause alone, in seconds', () => {
    const bounds = [1e5, 1e6, 1e7];
    const pauses = (bucket: number, counts: number[]) =>
      sample({
        metric: 'process.runtime.go.gc.pause_ns',
        table: 'histogram',
        bucket,
        bounds,
        bucketCounts: counts,
        count: 0,
        sum: 0,
      });
    // Long pauses (1e6..1e7 ns) in steps 1 and 3; 10 short ones in every step after the first.
    const samples = [
      pauses(0, [0, 0, 0, 0]),
      pauses(1, [0, 0, 1, 0]),
      pauses(2, [10, 0, 1, 0]),
      pauses(3, [20, 0, 2, 0]),
      pauses(4, [30, 0, 2, 0]),
      pauses(5, [40, 0, 2, 0]),
    ];
    const p99 = column(build(samples, 1, 6), 'gc_pause_p99');
    expect(p99[0]).toBeCloseTo(0.00991, 9); // the long pause alone: 1e6 + 0.99 · 9e6 ns
    expect(p99[1]).toBeLessThanOrEqual(1e-4); // one long pause among short ones does not set it
    expect(p99[2]).toBeGreaterThan(1e-3); // two in the 4-step window do
    expect(p99[3]).toBeGreaterThan(1e-3);
    expect(p99[4]).toBeLessThanOrEqual(1e-4); // the window has moved past the first
  });

  it('reads client_golang summaries: the smallest quantile >= 0.99 and the sum increase', () => {
    const summary = (bucket: number, sum: number, max: number) =>
      sample({
        metric: 'go_gc_duration_seconds',
        table: 'summary',
        bucket,
        count: bucket * 2,
        sum,
        quantiles: [0, 0.5, 0.75, 1],
        quantileValues: [max / 10, max / 4, max / 2, max],
      });
    const windows = build([summary(0, 0.01, 0.004), summary(1, 0.013, 0.005)], 1, 2);
    expect(column(windows, 'gc_pause_p99')).toEqual([0.005]);
    expect(column(windows, 'gc_pause_total')[0]).toBeCloseTo(0.003, 12);
  });

  it('keeps series apart by tenant, service and instance', () => {
    const samples = ['pod-1', 'pod-2'].map((instance, i) =>
      sample({
        id: { ...ID, instance },
        metric: 'go_goroutines',
        table: 'gauge',
        bucket: 0,
        value: i,
      }),
    );
    const windows = build(samples, 0, 1);
    expect([...windows.keys()].sort()).toEqual([
      seriesKey({ ...ID, instance: 'pod-1' }),
      seriesKey({ ...ID, instance: 'pod-2' }),
    ]);
  });
});

const MiB = 1024 * 1024;

/**
 * What the current OTel Go runtime instrumentation exports at its defaults, per step: the heap
 * bytes allocated so far (a counter), the heap goal and GOGC (up-down counters, sum table).
 */
function currentRuntime(
  steps: Array<{ allocated: number; goal: number; gogc?: number }>,
): Sample[] {
  return steps.flatMap(({ allocated, goal, gogc = 100 }, bucket) => [
    sample({ metric: 'go.memory.allocated', table: 'sum', bucket, value: allocated }),
    sample({ metric: 'go.memory.gc.goal', table: 'sum', bucket, value: goal }),
    sample({ metric: 'go.config.gogc', table: 'sum', bucket, value: gogc }),
  ]);
}

function sources(windows: Map<string, SeriesWindow>) {
  return windows.get(seriesKey(ID))!.sources;
}

describe('derived GC signals (no GC pause metric exported)', () => {
  it('reads the allocation rate as GC pause p99 and estimated GC cycles as GC pause total', () => {
    // GOGC 100, goal 8 MiB: a cycle every 4 MiB. 12 MiB in step 1, 40 MiB in step 2 (goal 16 MiB).
    const samples = currentRuntime([
      { allocated: 100 * MiB, goal: 8 * MiB },
      { allocated: 112 * MiB, goal: 8 * MiB },
      { allocated: 152 * MiB, goal: 16 * MiB },
    ]);
    const windows = build(samples, 1, 3);
    expect(column(windows, 'gc_pause_p99')).toEqual([(12 * MiB) / 15, (40 * MiB) / 15]);
    expect(column(windows, 'gc_pause_total')).toEqual([3, 5]);
    expect(sources(windows).gc_pause_p99).toMatchObject({
      metric: 'go.memory.allocated',
      derived: 'heap allocation rate',
      unit: 'bytesPerSecond',
    });
    expect(sources(windows).gc_pause_total).toMatchObject({
      read: 'gcCycles',
      derived: 'estimated GC cycles per step',
      unit: 'count',
    });
  });

  it('scales the cycle runway with GOGC, and takes a restart as the new count', () => {
    const samples = currentRuntime([
      { allocated: 10 * MiB, goal: 12 * MiB, gogc: 50 }, // runway 12 · 50/150 = 4 MiB
      { allocated: 18 * MiB, goal: 12 * MiB, gogc: 50 }, // +8 MiB: 2 cycles
      { allocated: 6 * MiB, goal: 4 * MiB, gogc: 100 }, // restarted: 6 MiB over 2 MiB
      { allocated: 14 * MiB, goal: 8 * MiB, gogc: 2 ** 63 - 1 }, // GOGC off: runway = goal
    ]);
    expect(column(build(samples, 1, 4), 'gc_pause_total')).toEqual([2, 3, 1]);
  });

  it('gives no estimate for a step without a goal, and a gap where the counter skipped a step', () => {
    const samples = currentRuntime([
      { allocated: 0, goal: 8 * MiB },
      { allocated: 4 * MiB, goal: 8 * MiB },
      { allocated: 8 * MiB, goal: 8 * MiB },
    ]).filter((s) => !(s.bucket === 1 && s.metric === 'go.memory.gc.goal'));
    const withoutStep2 = samples.filter((s) => s.bucket !== 2);
    expect(column(build(samples, 1, 3), 'gc_pause_total')).toEqual([Number.NaN, 1]);
    expect(column(build(withoutStep2, 1, 3), 'gc_pause_total')).toEqual([Number.NaN, Number.NaN]);
  });

  it('needs every metric of the estimate: without the GOGC gauge it has no GC pause total', () => {
    const samples = currentRuntime([
      { allocated: 0, goal: 8 * MiB },
      { allocated: 4 * MiB, goal: 8 * MiB },
    ]).filter((s) => s.metric !== 'go.config.gogc');
    const windows = build(samples, 1, 2);
    expect(column(windows, 'gc_pause_total')).toEqual([Number.NaN]);
    expect(sources(windows).gc_pause_total).toBeUndefined();
    expect(sources(windows).gc_pause_p99?.derived).toBe('heap allocation rate');
  });

  it('derives nothing while the series exports a GC pause metric, even one without a value yet', () => {
    // The deprecated set: the pause total counter from the start, the pause histogram only after
    // the first GC. Until then GC pause p99 is a gap, not the allocation rate.
    const samples = [
      ...currentRuntime([
        { allocated: 0, goal: 4 * MiB },
        { allocated: 2 * MiB, goal: 4 * MiB },
      ]),
      ...[0, 1].map((bucket) =>
        sample({
          metric: 'process.runtime.go.gc.pause_total_ns',
          table: 'sum',
          bucket,
          value: 0,
        }),
      ),
    ];
    const windows = build(samples, 1, 2);
    expect(column(windows, 'gc_pause_p99')).toEqual([Number.NaN]);
    expect(column(windows, 'gc_pause_total')).toEqual([0]);
    expect(sources(windows).gc_pause_p99).toBeUndefined();
    expect(sources(windows).gc_pause_total?.metric).toBe('process.runtime.go.gc.pause_total_ns');
  });

  it('keeps an exported source whose steps have no value instead of switching to the next', () => {
    // A pause histogram without observations in the window (no GC for a minute): a gap.
    const samples = [
      ...currentRuntime([
        { allocated: 0, goal: 4 * MiB },
        { allocated: 2 * MiB, goal: 4 * MiB },
      ]),
      ...[0, 1].map((bucket) =>
        sample({
          metric: 'process.runtime.go.gc.pause_ns',
          table: 'histogram',
          bucket,
          bounds: [1e5, 1e6],
          bucketCounts: [3, 0, 0],
          count: 3,
          sum: 1e5,
        }),
      ),
    ];
    const windows = build(samples, 1, 2);
    expect(column(windows, 'gc_pause_p99')).toEqual([Number.NaN]);
    expect(sources(windows).gc_pause_p99?.metric).toBe('process.runtime.go.gc.pause_ns');
  });
});

describe('increasesOf', () => {
  it('treats any decreasing histogram bucket as a reset', () => {
    const samples = [
      sample({ metric: 'h', table: 'histogram', bucket: 0, bucketCounts: [5, 5] }),
      sample({ metric: 'h', table: 'histogram', bucket: 1, bucketCounts: [6, 3] }),
    ];
    const inc = increasesOf(samples, (s) => s.bucketCounts, STEP, 4);
    expect(inc.get(1)?.delta).toEqual([6, 3]);
  });
});

describe('query planning', () => {
  it('selects every default metric from the tables its read uses', () => {
    const byTable = metricsByTable(signals);
    expect(byTable.sum).toEqual(
      expect.arrayContaining([
        'go.goroutine.count',
        'process.runtime.go.gc.pause_total_ns',
        'go.memory.used',
      ]),
    );
    expect(byTable.gauge).toEqual(
      expect.arrayContaining([
        'go_goroutines',
        'go.goroutine.count',
        'go_memstats_heap_inuse_bytes',
      ]),
    );
    expect(byTable.histogram).toEqual(
      expect.arrayContaining([
        'http.server.request.duration',
        'http.server.duration',
        'go.memory.gc.pause.duration',
      ]),
    );
    expect(byTable.summary).toEqual(['go_gc_duration_seconds']);
  });

  it('selects the heap goal and GOGC for the GC estimate, and onlyWithout metrics no source reads', () => {
    const byTable = metricsByTable(signals);
    for (const table of ['gauge', 'sum'] as const) {
      expect(byTable[table]).toEqual(
        expect.arrayContaining(['go.memory.gc.goal', 'go.config.gogc']),
      );
    }
    expect(byTable.sum).toContain('go.memory.allocated');
    const custom = workerSchema.parse({
      signals: {
        gc_pause_p99: [
          { metric: 'go.memory.allocated', read: 'counterRate', onlyWithout: ['my_gc_pauses'] },
        ],
      },
    }).signals;
    for (const names of Object.values(metricsByTable(custom))) {
      expect(names).toContain('my_gc_pauses');
    }
  });

  it('looks back far enough for the previous sample and the quantile window', () => {
    expect(lookbackSteps(signals, 4)).toBe(4 - 1 + 4 + 1);
  });
});
