// The exponentially weighted location and scale of a residual stream: cold until warm, a plain
// mean at first, the robust sigma of steady data, and a burst clipped before it can move them.
import { describe, expect, it } from 'vitest';
import { EwScale } from '../../../../models/online/ew-scale.ts';
import { Rng } from '../../../../models/simulator/rng.ts';

describe('EwScale', () => {
  it('says nothing until warm', () => {
    const s = new EwScale(100, 5);
    expect(s.scale).toBeNaN();
    for (let i = 0; i < 4; i++) {
      s.update(i);
      expect(s.warm).toBe(false);
      expect(s.z(10, 1)).toBeNaN();
    }
    s.update(4);
    expect(s.warm).toBe(true);
    expect(Number.isFinite(s.z(10, 1))).toBe(true);
  });

  it('starts as a running mean: the first values are not forgotten at once', () => {
    // With span 99 (alpha 0.02) an EWMA of 1, 2, 3, 6, 3 started at 1 would end near 1.1; while
    // 1/count is larger than alpha it is the plain mean, 3.
    const s = new EwScale(99, 5);
    for (const v of [1, 2, 3, 6, 3]) s.update(v);
    expect(s.warm).toBe(true);
    expect(s.z(3, 1e-9)).toBeCloseTo(0, 12);
    expect(s.z(1.1, 1e-9)).toBeLessThan(-1);
  });

  it('estimates the centre and sigma of steady normal data', () => {
    const rng = new Rng(12);
    const s = new EwScale(400, 10);
    for (let i = 0; i < 20_000; i++) s.update(50 + 4 * rng.normal());
    expect(s.scale).toBeGreaterThan(4 * 0.85);
    expect(s.scale).toBeLessThan(4 * 1.15);
    expect(Math.abs(s.z(50, 1e-9))).toBeLessThan(0.3);
  });

  it('clips a burst to a few scales around the centre before it updates', () => {
    const rng = new Rng(13);
    const clean = new EwScale(100, 10);
    const burst = new EwScale(100, 10);
    for (let i = 0; i < 2000; i++) {
      const v = rng.normal();
      clean.update(v);
      burst.update(v);
    }
    for (let i = 0; i < 3; i++) burst.update(1e6);
    // Unclipped, three updates with alpha 2/101 would have moved the centre by ~6e4.
    expect(Math.abs(burst.z(0, 1e-9))).toBeLessThan(1);
    expect(burst.scale).toBeLessThan(clean.scale * 1.5);
    // NaN is not a value
    const before = burst.scale;
    burst.update(Number.NaN);
    expect(burst.scale).toBe(before);
  });

  it('divides by the floor when the scale is smaller', () => {
    const s = new EwScale(10, 2);
    for (let i = 0; i < 20; i++) s.update(7);
    expect(s.scale).toBe(0);
    expect(s.z(9, 0.5)).toBe(4);
  });
});
