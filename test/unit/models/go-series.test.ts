import { describe, expect, it } from 'vitest';
import { makeFleet, planAnomalies } from '../../../models/simulator/fleet.ts';
import {
  generateGoSeries,
  seasonality,
  STEPS_PER_DAY,
  STEPS_PER_HOUR,
  type GeneratedSeries,
} from '../../../models/simulator/go-series.ts';

function column(g: GeneratedSeries, name: string): Float64Array {
  return g.series.values[g.series.features.indexOf(name)]!;
}

function meanOf(values: Float64Array, from: number, to: number): number {
  let sum = 0;
  let n = 0;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return sum / n;
}

describe('Go runtime series generator', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = generateGoSeries({ seed: 5, days: 0.2 });
    const b = generateGoSeries({ seed: 5, days: 0.2 });
    const c = generateGoSeries({ seed: 6, days: 0.2 });
    expect(Array.from(column(a, 'heap_inuse'))).toEqual(Array.from(column(b, 'heap_inuse')));
    expect(Array.from(column(a, 'heap_inuse'))).not.toEqual(Array.from(column(c, 'heap_inuse')));
    expect(a.series.stepSeconds).toBe(15);
    expect(a.series.features).toEqual([
      'goroutines',
      'gc_pause_p99',
      'gc_pause_total',
      'heap_inuse',
      'latency_p99',
      'request_rate',
    ]);
  });

  it('has daily and weekly seasonality in request rate', () => {
    const g = generateGoSeries({ seed: 1, days: 7, deploysPerDay: 0, peaksPerDay: 0 });
    const rate = column(g, 'request_rate');
    const hour = (h: number, day: number): number =>
      meanOf(
        rate,
        day * STEPS_PER_DAY + h * STEPS_PER_HOUR,
        day * STEPS_PER_DAY + (h + 1) * STEPS_PER_HOUR,
      );
    expect(hour(15, 1)).toBeGreaterThan(2 * hour(4, 1)); // afternoon vs night, Tuesday
    expect(hour(15, 5)).toBeLessThan(0.8 * hour(15, 1)); // Saturday vs Tuesday
    expect(seasonality(Date.UTC(2026, 10, 21, 15))).toBeLessThan(
      seasonality(Date.UTC(2026, 10, 17, 15)),
    );
  });

  it('keeps heap_inuse on a GC sawtooth with pauses when collections happen', () => {
    const g = generateGoSeries({ seed: 2, days: 0.5, shortGapsPerDay: 0 });
    const heap = column(g, 'heap_inuse');
    const total = column(g, 'gc_pause_total');
    const lo = Math.min(...heap);
    const hi = Math.max(...heap);
    expect(hi / lo).toBeGreaterThan(1.5);
    expect(Math.max(...total)).toBeGreaterThan(0);
    // consecutive samples jump around the sawtooth rather than drifting smoothly
    let bigJumps = 0;
    for (let t = 1; t < heap.length; t++)
      if (Math.abs(heap[t]! - heap[t - 1]!) > 0.1 * heap[t - 1]!) bigJumps++;
    expect(bigJumps / heap.length).toBeGreaterThan(0.3);
  });

  it('injects labeled anomalies with the documented effects', () => {
    const start = 2000;
    const specs = [
      { kind: 'goroutine_leak' as const, startStep: start, durationSteps: 120 },
      { kind: 'gc_pause_spike' as const, startStep: start + 1000, durationSteps: 60 },
      { kind: 'heap_growth' as const, startStep: start + 2000, durationSteps: 120 },
      { kind: 'latency_shift' as const, startStep: start + 3000, durationSteps: 100 },
    ];
    const g = generateGoSeries({
      seed: 3,
      days: 1,
      anomalies: specs,
      deploysPerDay: 0,
      peaksPerDay: 0,
      shortGapsPerDay: 0,
    });
    expect(g.anomalies.map((a) => [a.kind, a.startStep, a.endStep])).toEqual(
      specs.map((s) => [s.kind, s.startStep, s.startStep + s.durationSteps - 1]),
    );
    const before = (name: string, at: number): number => meanOf(column(g, name), at - 60, at);
    const late = (name: string, at: number, length: number): number =>
      meanOf(column(g, name), at + length - 30, at + length);
    expect(late('goroutines', start, 120)).toBeGreaterThan(2 * before('goroutines', start));
    expect(late('gc_pause_p99', start + 1000, 60)).toBeGreaterThan(
      3 * before('gc_pause_p99', start + 1000),
    );
    expect(late('heap_inuse', start + 2000, 120)).toBeGreaterThan(
      1.8 * before('heap_inuse', start + 2000),
    );
    expect(late('latency_p99', start + 3000, 100)).toBeGreaterThan(
      1.5 * before('latency_p99', start + 3000),
    );
  });

  it('adds normal events: deploy restarts, traffic peaks that lift latency and goroutines, scrape gaps', () => {
    const g = generateGoSeries({
      seed: 4,
      days: 2,
      deploysPerDay: 2,
      peaksPerDay: 2,
      shortGapsPerDay: 5,
    });
    const kinds = new Set(g.normalEvents.map((e) => e.kind));
    expect(kinds).toEqual(new Set(['deploy', 'traffic_peak', 'scrape_gap']));
    const gap = g.normalEvents.find((e) => e.kind === 'scrape_gap')!;
    expect(Number.isNaN(column(g, 'goroutines')[gap.startStep]!)).toBe(true);
    const peak = g.normalEvents.find((e) => e.kind === 'traffic_peak' && e.startStep > 100)!;
    const mid = Math.floor((peak.startStep + peak.endStep) / 2);
    expect(meanOf(column(g, 'request_rate'), mid - 10, mid + 10)).toBeGreaterThan(
      1.3 * meanOf(column(g, 'request_rate'), peak.startStep - 30, peak.startStep - 5),
    );
  });

  it('plans non-overlapping anomalies and builds a fleet with shifted labels', () => {
    const plan = planAnomalies({
      seed: 1,
      kinds: ['latency_shift'],
      fromStep: 0,
      toStep: STEPS_PER_DAY,
      count: 3,
    });
    expect(plan).toHaveLength(3);
    for (let i = 1; i < plan.length; i++) {
      expect(plan[i]!.startStep).toBeGreaterThan(
        plan[i - 1]!.startStep + plan[i - 1]!.durationSteps,
      );
    }
    const [instance] = makeFleet({
      seed: 2,
      instances: 1,
      trainDays: 1,
      anomalyDays: 1,
      normalDays: 0,
      anomaliesPerDay: 2,
      warmupSteps: 100,
    });
    expect(instance!.train.values[0]!.length).toBe(STEPS_PER_DAY);
    expect(instance!.test.values[0]!.length).toBe(STEPS_PER_DAY + 100);
    expect(instance!.anomalies.every((a) => a.startStep >= 100)).toBe(true);
  });
});
