// One known set of Go runtime series, written in all three instrumentation flavors, and what
// the worker must read back from it. Shared by the modern-dialect test (chDB) and the
// old-dialect test (the real 18.16 server), so both dialects are held to the same numbers.
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
