// One known set of Go runtime series, written in all three instrumentation flavors, and what
// the worker must read back from it; and one series of a service at the current runtime
// instrumentation's defaults, whose GC signals the worker derives. Shared by the modern-dialect
// test (chDB) and the tests against the real 18.16 server, so both dialects are held to the
// same numbers.
import { expect } from 'vitest';
import type { Row } from '../../lib/clickhouse/schema.ts';
import { GO_SIGNALS, seriesKey, type GoSignal } from '../../models/features.ts';
import type { SeriesWindow } from '../../services/anomaly-worker/samples.ts';
import type { MetricTable } from '../../services/anomaly-worker/sql.ts';
import {
  goServicePoints,
  metricRows,
  signalSeries,
  type Flavor,
  type WrittenSeries,
} from './series-writer.ts';

export const FIXTURE_STEP_MS = 15_000;
export const FIXTURE_START_MS = Date.UTC(2026, 0, 5, 10, 0, 0);
export const FIXTURE_STEPS = 24;
/** The process restarts here: counters start from zero again. */
export const FIXTURE_RESTART_STEP = 10;
export const FIXTURE_FROM_BUCKET = FIXTURE_START_MS / FIXTURE_STEP_MS;

const MiB = 1024 * 1024;

export function fixtureValue(signal: GoSignal, step: number): number {
  switch (signal) {
    case 'goroutines':
      return 100 + step;
    case 'heap_inuse':
      return 50 * MiB + step * MiB;
    case 'request_rate':
      return 10;
    case 'latency_p99':
      return 0.2;
    case 'gc_pause_p99':
      return 0.003;
    case 'gc_pause_total':
      return 0.004;
  }
}

export interface FixtureSeries {
  id: WrittenSeries;
  flavor: Flavor;
}

export function fixtureSeries(service: string): FixtureSeries[] {
  const flavors: Flavor[] = ['otel', 'otelLegacy', 'prometheus'];
  return flavors.flatMap((flavor) =>
    ['a', 'b'].map((pod) => ({
      id: { tenant: 'acme', service: `${service}-${flavor}`, instance: `pod-${pod}` },
      flavor,
    })),
  );
}

export function fixtureRows(fixture: readonly FixtureSeries[]): Array<Map<MetricTable, Row[]>> {
  const series = signalSeries(
    FIXTURE_START_MS,
    FIXTURE_STEP_MS / 1000,
    FIXTURE_STEPS,
    fixtureValue,
  );
  return fixture.map(({ id, flavor }) =>
    metricRows(id, goServicePoints(series, { flavor, restartAtSteps: [FIXTURE_RESTART_STEP] })),
  );
}

/** Checks the series read over steps [FIXTURE_FROM_BUCKET + from, FIXTURE_FROM_BUCKET + to). */
export function expectFixtureRead(
  windows: Map<string, SeriesWindow>,
  fixture: readonly FixtureSeries[],
  from: number,
  to: number,
): void {
  expect([...windows.keys()].sort()).toEqual(fixture.map((f) => seriesKey(f.id)).sort());
  for (const { id, flavor } of fixture) {
    const window = windows.get(seriesKey(id))!;
    const column = (signal: GoSignal): number[] => [
      ...window.series.values[GO_SIGNALS.indexOf(signal)]!,
    ];
    const expected = (signal: GoSignal): number[] =>
      Array.from({ length: to - from }, (_, i) => fixtureValue(signal, from + i));
    const context = `${flavor} ${seriesKey(id)}`;
    expect(window.series.startMs, context).toBe((FIXTURE_FROM_BUCKET + from) * FIXTURE_STEP_MS);
    expect(column('goroutines'), context).toEqual(expected('goroutines'));
    expect(column('heap_inuse'), context).toEqual(expected('heap_inuse'));
    for (const v of column('request_rate')) expect(v, context).toBeCloseTo(10, 6);
    for (const v of column('gc_pause_total')) expect(v, context).toBeCloseTo(0.004, 9);
    // Quantiles from buckets land inside the bucket of the true value: (0.1, 0.25] s, (2.5, 5] ms.
    for (const v of column('latency_p99')) {
      expect(v, context).toBeGreaterThan(0.1);
      expect(v, context).toBeLessThanOrEqual(0.25);
    }
    for (const v of column('gc_pause_p99')) {
      if (flavor === 'prometheus') expect(v, context).toBeCloseTo(0.003, 12);
      else {
        expect(v, context).toBeGreaterThan(0.0025);
        expect(v, context).toBeLessThanOrEqual(0.005);
      }
    }
  }
}

/**
 * The GC signals as the worker derives them for a service without GC pause metrics: the heap
 * allocation rate (bytes/s) and the GC cycles per step, changing every step so that a value read
 * from the wrong step shows. The other signals are the fixture's.
 */
export function derivedGcValue(signal: GoSignal, step: number): number {
  switch (signal) {
    case 'gc_pause_p99':
      return 300 * 1024 + step * 10 * 1024;
    case 'gc_pause_total':
      return 1 + step / 8;
    default:
      return fixtureValue(signal, step);
  }
}

/** The rows of one otelDefaults series (restarting at FIXTURE_RESTART_STEP). */
export function derivedGcRows(id: WrittenSeries): Map<MetricTable, Row[]> {
  const series = signalSeries(
    FIXTURE_START_MS,
    FIXTURE_STEP_MS / 1000,
    FIXTURE_STEPS,
    derivedGcValue,
  );
  return metricRows(
    id,
    goServicePoints(series, { flavor: 'otelDefaults', restartAtSteps: [FIXTURE_RESTART_STEP] }),
  );
}

/** Checks the GC signals and their sources read over [from, to) of a derivedGcRows series. */
export function expectDerivedGcRead(
  windows: Map<string, SeriesWindow>,
  id: WrittenSeries,
  from: number,
  to: number,
): void {
  const window = windows.get(seriesKey(id));
  expect(window, seriesKey(id)).toBeDefined();
  for (const signal of ['gc_pause_p99', 'gc_pause_total'] as const) {
    const column = [...window!.series.values[GO_SIGNALS.indexOf(signal)]!];
    expect(column).toHaveLength(to - from);
    column.forEach((v, i) => {
      // Bytes are written as integers: the values come back to well within a millionth.
      const want = derivedGcValue(signal, from + i);
      expect(Math.abs(v - want) / want, `${signal} at step ${from + i}: ${v}`).toBeLessThan(1e-6);
    });
  }
  expect(window!.sources.gc_pause_p99).toMatchObject({
    metric: 'go.memory.allocated',
    derived: 'heap allocation rate',
  });
  expect(window!.sources.gc_pause_total).toMatchObject({
    read: 'gcCycles',
    derived: 'estimated GC cycles per step',
  });
  expect(window!.sources.goroutines?.metric).toBe('go.goroutine.count');
}
