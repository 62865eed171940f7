// One signal's online statistics: its baseline (median and widened robust sigma of its normal
// values), the quarantine that keeps anomalous values out of it until they have lasted
// `quarantineSteps`, the direction of each statistic, and the seasonal reference that is used
// only where it beats the recent baseline.
import { describe, expect, it } from 'vitest';
import { onlineParams } from '../../../../models/online/params.ts';
import { SignalTracker, STAT, type SignalStep } from '../../../../models/online/signal-tracker.ts';
import { Rng } from '../../../../models/simulator/rng.ts';
import { referenceMedian, referenceRobustSigma } from '../../../support/robust-reference.ts';

const T0 = Date.UTC(2026, 0, 5);
const STEP_MS = 15_000;
const DAY_STEPS = 5760;
const PARAMS = onlineParams();

/** Observes and settles one value; returns what was observed. */
function step(tracker: SignalTracker, t: number, value: number, anomalous = false): SignalStep {
  const observed = tracker.observe(value, T0 + t * STEP_MS);
  tracker.settle(value, T0 + t * STEP_MS, anomalous);
  return observed;
}

/** The baseline the tracker should hold over `normal` (its last baselineSteps values). */
function baselineOf(normal: readonly number[]): { median: number; scale: number } {
  const held = normal.slice(-PARAMS.baselineSteps);
  const widen = 1 + PARAMS.smallSampleSteps / held.length;
  return { median: referenceMedian(held), scale: referenceRobustSigma(held) * widen };
}

describe('SignalTracker baseline', () => {
  it('says nothing before minSteps values, then judges against the median of its normal values', () => {
    const rng = new Rng(1);
    const tracker = new SignalTracker(PARAMS);
    const normal: number[] = [];
    for (let t = 0; t < 400; t++) {
      const value = 200 + 10 * rng.normal();
      const s = step(tracker, t, value);
      if (t < PARAMS.minSteps) {
        expect(s.expected).toBeNaN();
        expect(Array.from(s.up).every(Number.isNaN)).toBe(true);
        expect(Array.from(s.down).every(Number.isNaN)).toBe(true);
      } else {
        const { median, scale } = baselineOf(normal);
        expect(s.expected).toBe(median);
        expect(s.scale / scale).toBeCloseTo(1, 9);
        expect(s.z).toBeCloseTo((value - median) / s.scale, 9);
        expect(s.up[STAT.spike]).toBeGreaterThanOrEqual(0);
        expect(s.down[STAT.spike]).toBeGreaterThanOrEqual(0);
      }
      normal.push(value);
    }
    // a young baseline is widened: with 4 values by (1 + 24 / 4)
    const young = new SignalTracker(PARAMS);
    [1, 2, 3, 4].forEach((v, t) => step(young, t, v));
    expect(young.scale).toBeCloseTo(referenceRobustSigma([1, 2, 3, 4]) * 7, 9);
  });
});

describe('SignalTracker quarantine', () => {
  it('holds anomalous values back: during a leak the baseline does not move', () => {
    const rng = new Rng(2);
    const tracker = new SignalTracker(PARAMS);
    const normal: number[] = [];
    for (let t = 0; t < 300; t++) {
      const value = 500 + rng.uniform(-15, 15);
      step(tracker, t, value);
      normal.push(value);
    }
    const before = { median: tracker.median, scale: tracker.scale };
    expect(before).toEqual(baselineOf(normal));
    // A leak of +12 per step, flagged from its first step: 63 steps change nothing.
    const leak: number[] = [];
    for (let k = 1; k < PARAMS.quarantineSteps; k++) {
      const value = 500 + 12 * k + rng.uniform(-15, 15);
      const s = step(tracker, 300 + k, value, true);
      leak.push(value);
      expect(s.expected).toBe(before.median);
      expect(s.scale).toBe(before.scale);
      expect({ median: tracker.median, scale: tracker.scale }).toEqual(before);
    }
    // The 64th anomalous step in a row: the held values become the new normal.
    const last = 500 + 12 * 64;
    step(tracker, 364, last, true);
    leak.push(last);
    const adopted = baselineOf([...normal, ...leak]);
    expect(tracker.median).toBe(adopted.median);
    expect(tracker.scale / adopted.scale).toBeCloseTo(1, 9);
    expect(tracker.median).toBeGreaterThan(before.median);
  });

  it('drops the held values when a normal value ends the run', () => {
    const rng = new Rng(3);
    const tracker = new SignalTracker(PARAMS);
    const normal: number[] = [];
    for (let t = 0; t < 300; t++) {
      const value = 50 + rng.normal();
      step(tracker, t, value);
      normal.push(value);
    }
    for (let k = 0; k < 40; k++) step(tracker, 300 + k, 1e4, true);
    step(tracker, 340, 50.5, false);
    normal.push(50.5);
    expect(tracker.median).toBe(baselineOf(normal).median);
    // a new run needs its own quarantineSteps: 63 more change nothing, the 64th adopts them
    for (let k = 0; k < PARAMS.quarantineSteps - 1; k++) step(tracker, 341 + k, 2e4, true);
    expect(tracker.median).toBe(baselineOf(normal).median);
    step(tracker, 341 + 63, 2e4, true);
    const adopted = baselineOf([...normal, ...Array.from({ length: 64 }, () => 2e4)]);
    expect(tracker.median).toBe(adopted.median);
    expect(tracker.scale / adopted.scale).toBeCloseTo(1, 9);
  });
});

describe('SignalTracker statistics', () => {
  /** A tracker after 300 steps of 100 + N(0, 5²). */
  function steady(seed: number): SignalTracker {
    const rng = new Rng(seed);
    const tracker = new SignalTracker(PARAMS);
    for (let t = 0; t < 300; t++) step(tracker, t, 100 + 5 * rng.normal());
    return tracker;
  }

  it('sees a jump up in the up statistics and a drop in the down ones', () => {
    const up = steady(4);
    const jump = up.observe(100 + 5 * 8, T0 + 300 * STEP_MS);
    expect(jump.z).toBeGreaterThan(6);
    // spike: EWMA (span 2, alpha 2/3) of z⁺
    expect(jump.up[STAT.spike]).toBeGreaterThanOrEqual((2 / 3) * jump.z);
    expect(jump.down[STAT.spike]).toBeLessThan(1);
    expect(jump.down[STAT.level]).toBe(0);
    const down = steady(4);
    const drop = down.observe(100 - 5 * 8, T0 + 300 * STEP_MS);
    expect(drop.down[STAT.spike]).toBeGreaterThanOrEqual((2 / 3) * -drop.z);
    expect(drop.up[STAT.spike]).toBeLessThan(1);
    expect(drop.up[STAT.level]).toBe(0);
  });

  it('accumulates a slow ramp in the drift statistic, in its direction only', () => {
    const tracker = steady(5);
    let s: SignalStep | undefined;
    // +0.3 sigma per step: no single step stands out at first
    for (let k = 1; k <= 40; k++) {
      s = step(tracker, 300 + k, 100 + 1.5 * k, true);
      expect(s.down[STAT.drift]).toBe(0);
    }
    expect(s!.up[STAT.drift]).toBeGreaterThan(30);
    expect(s!.up[STAT.drift]).toBeGreaterThan(2 * s!.up[STAT.spike]!);
    expect(s!.up[STAT.level]).toBeGreaterThan(0);
  });

  it('drops level and drift evidence once the value is back within evidenceGateZ of its baseline', () => {
    const tracker = steady(6);
    let s: SignalStep | undefined;
    // A 20-step shift of +6 sigma: level and drift evidence build up.
    for (let k = 1; k <= 20; k++) s = step(tracker, 300 + k, 130, true);
    expect(s!.up[STAT.level]).toBeGreaterThan(3);
    // The fault is removed: a value just above the baseline, within the gate, carries no
    // level or drift evidence although their smoothed memory is still high ...
    const back = tracker.observe(100 + 5 * 0.5 * PARAMS.evidenceGateZ, T0 + 321 * STEP_MS);
    expect(back.z).toBeGreaterThan(0);
    expect(back.z).toBeLessThan(PARAMS.evidenceGateZ);
    expect(back.up[STAT.level]).toBe(0);
    expect(back.up[STAT.drift]).toBe(0);
    // ... while the same memory still counts for a value clearly above it.
    const stillUp = tracker.observe(100 + 5 * 2 * PARAMS.evidenceGateZ, T0 + 321 * STEP_MS);
    expect(stillUp.up[STAT.level]).toBeGreaterThan(3);
  });

  it('never uses a scale below its minScale: a small move of a steady signal stays small', () => {
    // A GC pause p99 steady around 0.1 ms that becomes 0.4 ms: huge in its own noise, below a
    // 0.5 ms floor.
    const rng = new Rng(7);
    const floored = new SignalTracker(PARAMS, 0.0005);
    const bare = new SignalTracker(PARAMS);
    for (let t = 0; t < 300; t++) {
      const value = 0.0001 * (1 + 0.02 * rng.normal());
      step(floored, t, value);
      step(bare, t, value);
    }
    expect(floored.scale).toBe(0.0005);
    expect(bare.scale).toBeLessThan(0.00001);
    const flooredMove = floored.observe(0.0004, T0 + 300 * STEP_MS);
    const bareMove = bare.observe(0.0004, T0 + 300 * STEP_MS);
    expect(flooredMove.z).toBeCloseTo(0.6, 1);
    expect(bareMove.z).toBeGreaterThan(10);
    expect(flooredMove.up[STAT.spike]).toBeLessThan(1);
  });

  it('judges a signal against yesterday only when its daily pattern beats the recent baseline', () => {
    // A daily pattern that jumps between levels every 15 minutes (the baseline cannot follow
    // it, yesterday can), and the same noise without any pattern.
    const level = (t: number): number => 100 * Math.sin(Math.floor(t / 60) * 2.3);
    const rng = new Rng(6);
    const patterned = new SignalTracker(PARAMS);
    const plain = new SignalTracker(PARAMS);
    let p: SignalStep | undefined;
    let q: SignalStep | undefined;
    for (let t = 0; t < DAY_STEPS + 600; t++) {
      const noise = rng.uniform(-15, 15);
      p = step(patterned, t, 500 + level(t % DAY_STEPS) + noise);
      q = step(plain, t, 500 + noise);
      if (t < DAY_STEPS) {
        expect(p.up[STAT.seasonalDay]).toBeNaN();
        expect(p.up[STAT.seasonalWeek]).toBeNaN();
      }
    }
    expect(p!.up[STAT.seasonalDay]).not.toBeNaN();
    expect(p!.up[STAT.seasonalWeek]).toBeNaN(); // no week of history
    expect(q!.up[STAT.seasonalDay]).toBeNaN();
    // Yesterday at this time the level was the same: a value at it is unremarkable against
    // yesterday, the same value 60 higher stands out.
    const t = DAY_STEPS + 600;
    const ts = T0 + t * STEP_MS;
    const usual = patterned.observe(500 + level(600), ts);
    const unusual = patterned.observe(500 + level(600) + 60, ts);
    expect(usual.up[STAT.seasonalDay]).toBeLessThan(2);
    expect(unusual.up[STAT.seasonalDay]).toBeGreaterThan(4);
  });
});
