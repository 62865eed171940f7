// The sorted ring behind every baseline: its median and MAD against a brute-force sort of the
// same values, on random data with and without ties, through many evictions.
import { describe, expect, it } from 'vitest';
import { RollingNormalizer } from '../../../../models/online/rolling-normalizer.ts';
import { MAD_TO_SIGMA, SortedWindow } from '../../../../models/online/sorted-window.ts';
import { Rng } from '../../../../models/simulator/rng.ts';
import {
  referenceMad,
  referenceMedian,
  referenceRobustSigma,
} from '../../../support/robust-reference.ts';

describe('SortedWindow', () => {
  it.each([
    ['continuous values', 37, (rng: Rng) => rng.normal() * 50 + 3],
    ['integers with many ties', 24, (rng: Rng) => rng.int(0, 6)],
    ['heavy tails', 64, (rng: Rng) => Math.exp(3 * rng.normal())],
  ])('matches a brute-force median and MAD after every push: %s', (_, capacity, draw) => {
    const rng = new Rng(capacity);
    const window = new SortedWindow(capacity);
    const pushed: number[] = [];
    for (let i = 0; i < 600; i++) {
      const value = draw(rng);
      window.push(value);
      pushed.push(value);
      const held = pushed.slice(-capacity);
      expect(window.size).toBe(held.length);
      expect(Array.from(window.values())).toEqual(held);
      expect(window.max()).toBe(Math.max(...held));
      const median = window.median();
      expect(median).toBe(referenceMedian(held));
      // The MAD around the median and around any other centre, where it is not degenerate.
      for (const center of [median, median + 0.37, held[0]!]) {
        const mad = referenceMad(held, center);
        if (MAD_TO_SIGMA * mad > Math.max(Math.abs(center) * 1e-3, 1e-12)) {
          expect(window.robustScale(center)).toBeCloseTo(MAD_TO_SIGMA * mad, 9);
        }
      }
    }
  });

  it('evicts the oldest value when full, in arrival order', () => {
    const window = new SortedWindow(3);
    for (const v of [1, 2, 3]) window.push(v);
    expect([window.size, window.median()]).toEqual([3, 2]);
    window.push(100); // 1 leaves
    expect(Array.from(window.values())).toEqual([2, 3, 100]);
    expect(window.median()).toBe(3);
    window.push(-5); // 2 leaves
    window.push(-6); // 3 leaves
    expect(Array.from(window.values())).toEqual([100, -5, -6]);
    expect([window.size, window.median(), window.max()]).toEqual([3, -5, 100]);
    window.clear();
    expect(window.size).toBe(0);
    expect(window.median()).toBeNaN();
    window.push(7);
    expect(Array.from(window.values())).toEqual([7]);
  });

  it('gives a positive scale when more than half the values are equal, or all of them', () => {
    const mostly = new SortedWindow(8);
    for (const v of [5, 5, 5, 5, 9]) mostly.push(v);
    // MAD 0: the mean absolute deviation (4 / 5) in sigma units takes over
    expect(mostly.robustScale(5)).toBeCloseTo(1.2533 * (4 / 5), 9);
    const flat = new SortedWindow(8);
    for (let i = 0; i < 8; i++) flat.push(5);
    expect(flat.robustScale(5)).toBeCloseTo(0.05, 12); // 1 % of the magnitude
    const zeros = new SortedWindow(8);
    for (let i = 0; i < 8; i++) zeros.push(0);
    expect(zeros.robustScale(0)).toBeGreaterThan(0);
    expect(Number.isFinite(1 / zeros.robustScale(0))).toBe(true);
  });
});

describe('RollingNormalizer', () => {
  it('is ready after minSteps values and holds the median and robust sigma of the last steps', () => {
    const rng = new Rng(4);
    const normalizer = new RollingNormalizer(50, 5);
    const pushed: number[] = [];
    for (let i = 0; i < 200; i++) {
      expect(normalizer.ready).toBe(pushed.length >= 5);
      const value = 10 + rng.normal();
      normalizer.push(value);
      pushed.push(value);
      const held = pushed.slice(-50);
      expect(normalizer.median).toBe(referenceMedian(held));
      // (a single value has no spread: a share of its magnitude, checked above)
      if (held.length >= 2) expect(normalizer.scale).toBeCloseTo(referenceRobustSigma(held), 9);
    }
  });
});
