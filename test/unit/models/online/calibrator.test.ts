// The dynamic threshold of one statistic: a prior fading from `initial` to `floor`, the newest
// completed block left out, long excursions entered capped, and a Gumbel return level that grows
// with the spread of the block maxima.
import { describe, expect, it } from 'vitest';
import { Calibrator, type CalibrationParams } from '../../../../models/online/calibrator.ts';

const STEP_SECONDS = 15;
/** Blocks of 10 steps (150 s): a return period of 100 blocks is 15 000 s. */
const PARAMS: CalibrationParams = {
  blocks: 12,
  blockSteps: 10,
  returnPeriodDays: (100 * 10 * STEP_SECONDS) / 86_400,
  margin: 1.1,
  floor: 3,
  initial: 5,
  // the prior fades over the whole history, as the detector's defaults have it
  priorSteps: 12 * 10,
  uncappedSteps: 1,
};

function calibrator(overrides: Partial<CalibrationParams> = {}): Calibrator {
  return new Calibrator({ ...PARAMS, ...overrides }, STEP_SECONDS);
}

/** Records values as the fusion does: each against the threshold in force before it. */
function feed(c: Calibrator, values: readonly number[]): void {
  for (const v of values) c.record(v, c.threshold());
}

const repeat = (value: number, n: number): number[] => Array.from({ length: n }, () => value);

/**
 * Gumbel return level of block maxima by the method of moments: β = σ√6/π, μ = mean − γβ,
 * x_T = μ − β ln(−ln(1 − 1/T)).
 */
function gumbelReturnLevel(maxima: readonly number[], periodBlocks: number): number {
  const mean = maxima.reduce((a, b) => a + b, 0) / maxima.length;
  const std = Math.sqrt(maxima.reduce((a, b) => a + (b - mean) ** 2, 0) / maxima.length);
  const beta = (std * Math.sqrt(6)) / Math.PI;
  const mu = mean - 0.5772156649 * beta;
  return mu - beta * Math.log(-Math.log(1 - 1 / periodBlocks));
}

describe('Calibrator', () => {
  it('starts at `initial` and fades linearly to `floor` as its history fills', () => {
    const c = calibrator();
    const history = PARAMS.blocks * PARAMS.blockSteps;
    expect(c.threshold()).toBe(5);
    for (let seen = 1; seen <= history + 20; seen++) {
      feed(c, [0]);
      const expected = 5 + (3 - 5) * Math.min(1, seen / history);
      expect(c.threshold(), `after ${seen}`).toBeCloseTo(expected, 12);
    }
    expect(c.threshold()).toBe(3);
  });

  it('leaves the newest completed block out: an excursion raises the threshold a block later', () => {
    const c = calibrator();
    feed(c, repeat(0, 10)); // block 0
    feed(c, [40, ...repeat(0, 9)]); // block 1 holds the excursion
    const prior = (seen: number): number => 5 - 2 * (seen / 120);
    // While block 1 is the newest completed block (all of block 2), the threshold is the prior.
    for (let k = 0; k < 10; k++) {
      expect(c.threshold(), `block 2 step ${k}`).toBeCloseTo(prior(20 + k), 12);
      feed(c, [0]);
    }
    // The first value of block 3 completes block 2: block 1 counts now.
    feed(c, [0]);
    expect(c.threshold()).toBeGreaterThanOrEqual(1.1 * 40);
  });

  it('enters the first uncappedSteps values of an excursion as they are, later ones capped', () => {
    // Same history; A sees a single 50, B a run 20, 50 (the 50 is its second step: capped).
    const a = calibrator();
    const b = calibrator();
    feed(a, [...repeat(0, 10), 50, ...repeat(0, 29)]);
    feed(b, [...repeat(0, 10), 20, 50, ...repeat(0, 28)]);
    expect(a.threshold()).toBeGreaterThanOrEqual(1.1 * 50);
    expect(b.threshold()).toBeGreaterThanOrEqual(1.1 * 20);
    expect(b.threshold()).toBeLessThan(1.1 * 50);
    // Allowed three uncapped steps, the 50 of B's run counts in full.
    const c = calibrator({ uncappedSteps: 3 });
    feed(c, [...repeat(0, 10), 20, 50, ...repeat(0, 28)]);
    expect(c.threshold()).toBeGreaterThanOrEqual(1.1 * 50);
  });

  it('puts the threshold at the Gumbel return level, which grows with the spread of the maxima', () => {
    // Block maxima with the same mean (4): constant, then alternating 2 and 6, then 0 and 8.
    const steady = calibrator();
    const spread = calibrator();
    const wide = calibrator();
    for (let block = 0; block < 12; block++) {
      feed(steady, [4, ...repeat(0.5, 9)]);
      feed(spread, [block % 2 === 0 ? 2 : 6, ...repeat(0.5, 9)]);
      feed(wide, [block % 2 === 0 ? 0.5 : 8, ...repeat(0.5, 9)]);
    }
    // 11 completed blocks, the newest left out: blocks 0..9 count (5 of each kind).
    const counted = (even: number, odd: number): number[] =>
      Array.from({ length: 10 }, (_, k) => (k % 2 === 0 ? even : odd));
    expect(steady.threshold()).toBeCloseTo(Math.max(3, 1.1 * 4), 9);
    expect(spread.threshold()).toBeCloseTo(gumbelReturnLevel(counted(2, 6), 100), 9);
    expect(wide.threshold()).toBeCloseTo(gumbelReturnLevel(counted(0.5, 8), 100), 9);
    expect(spread.threshold()).toBeGreaterThan(1.1 * 6);
    expect(wide.threshold()).toBeGreaterThan(spread.threshold() + 1);
    // A longer return period asks for a rarer level.
    const rarer = calibrator({ returnPeriodDays: PARAMS.returnPeriodDays * 10 });
    for (let block = 0; block < 12; block++)
      feed(rarer, [block % 2 === 0 ? 2 : 6, ...repeat(0.5, 9)]);
    expect(rarer.threshold()).toBeCloseTo(gumbelReturnLevel(counted(2, 6), 1000), 9);
    expect(rarer.threshold()).toBeGreaterThan(spread.threshold());
  });

  it('forgets block maxima older than its history, and everything on reset', () => {
    const c = calibrator({ blocks: 4, priorSteps: 40 });
    feed(c, [...repeat(0, 10), 30, ...repeat(0, 19)]); // 30 in block 1
    feed(c, [0]); // block 3 starts: block 1 counts
    expect(c.threshold()).toBeGreaterThanOrEqual(33);
    feed(c, repeat(0, 9 + 10)); // blocks 3, 4 (= the ring's slot 0 again)
    feed(c, [0]); // block 5 overwrites block 1's slot
    expect(c.threshold()).toBe(3);
    c.reset();
    expect(c.threshold()).toBe(5);
  });
});
