import { describe, expect, it } from 'vitest';
import {
  buildWindows,
  GapFiller,
  INPUT_CLIP,
  prepareSeries,
  seriesKey,
  sliceSeries,
  trainingTargets,
  type InputNormalization,
  type MultiSeries,
} from '../../../models/features.ts';
import { Rng } from '../../../models/simulator/rng.ts';
import { referenceMedian, referenceRobustSigma } from '../../support/robust-reference.ts';

function series(columns: number[][]): MultiSeries {
  return {
    startMs: 0,
    stepSeconds: 15,
    features: columns.map((_, i) => `s${i}`),
    values: columns.map((c) => Float64Array.from(c)),
  };
}

/** Feature f of a prepared array laid out [t * F + f]. */
function feature(values: ArrayLike<number>, F: number, f: number): number[] {
  return Array.from(values).filter((_, i) => i % F === f);
}

/** Normalizes from the first value on, so small hand-made series have a baseline early. */
const EARLY: InputNormalization = { baselineSteps: 16, minSteps: 1 };

describe('rolling input normalization (prepareSeries)', () => {
  it('normalizes each step by the median and 1.4826 × MAD of the observed values before it', () => {
    const rng = new Rng(5);
    const nan = Number.NaN;
    // Two signals on different scales, with missing values, longer than the baseline window.
    const a = Array.from({ length: 300 }, (_, t) => (t % 37 === 5 ? nan : rng.uniform(0, 100)));
    const b = Array.from({ length: 300 }, () => 1e6 * Math.exp(rng.normal()));
    const normalization = { baselineSteps: 40, minSteps: 6 };
    const prep = prepareSeries(series([a, b]), normalization, { maxGapSteps: 4 });
    [a, b].forEach((column, f) => {
      const median = feature(prep.median, 2, f);
      const scale = feature(prep.scale, 2, f);
      for (let t = 0; t < column.length; t++) {
        const before = column.slice(0, t).filter(Number.isFinite).slice(-40);
        if (before.length < 6) {
          expect(median[t], `t=${t}`).toBeNaN();
          expect(scale[t], `t=${t}`).toBeNaN();
          continue;
        }
        expect(median[t], `t=${t}`).toBeCloseTo(referenceMedian(before), 9);
        expect(scale[t]! / referenceRobustSigma(before), `t=${t}`).toBeCloseTo(1, 9);
      }
    });
  });

  it('depends only on earlier values: a later change leaves every earlier step as it was', () => {
    const rng = new Rng(6);
    const a = Array.from({ length: 120 }, () => rng.normal());
    const changed = [...a];
    for (let t = 80; t < 120; t++) changed[t] = 1000 + t;
    const [p, q] = [a, changed].map((c) => prepareSeries(series([c]), EARLY));
    expect(Array.from(q!.median.subarray(0, 81))).toEqual(Array.from(p!.median.subarray(0, 81)));
    expect(Array.from(q!.scale.subarray(0, 81))).toEqual(Array.from(p!.scale.subarray(0, 81)));
    expect(q!.median[82]).not.toBe(p!.median[82]);
  });

  it('gives a constant signal a positive finite scale, so a later change stays finite', () => {
    const prep = prepareSeries(series([[5, 5, 5, 5, 5, 5, 9]]), EARLY);
    expect(prep.median[6]).toBe(5);
    expect(prep.scale[6]).toBeGreaterThan(0);
    const set = buildWindows([{ prep, targets: [6] }], 2);
    expect(Number.isFinite(set.y[0]!)).toBe(true);
    expect(set.y[0]).toBeGreaterThan(0);
    // mostly constant: the mean absolute deviation takes over from a zero MAD
    const mostly = prepareSeries(series([[0, 0, 0, 0, 0, 0, 4, 1]]), EARLY);
    expect(mostly.scale[7]).toBeGreaterThan(0);
  });

  it('has no baseline for a feature without any value', () => {
    const nan = Number.NaN;
    const prep = prepareSeries(
      series([
        [nan, nan, nan, nan],
        [1, 2, 3, 4],
      ]),
      EARLY,
    );
    expect(feature(prep.median, 2, 0).every(Number.isNaN)).toBe(true);
    expect(feature(prep.median, 2, 1).slice(1).every(Number.isFinite)).toBe(true);
    expect(trainingTargets(prep, 1)).toEqual([]);
  });

  it('clips normalized inputs and targets', () => {
    const prep = prepareSeries(series([[1, 2, 3, 1e6, -1e6]]), EARLY);
    const set = buildWindows([{ prep, targets: [3, 4] }], 2);
    expect(set.y[0]).toBe(INPUT_CLIP);
    expect(set.y[1]).toBe(-INPUT_CLIP);
    expect(set.x[3]).toBe(INPUT_CLIP);
  });
});

describe('model windows (buildWindows)', () => {
  it('normalizes a window and its target with the baseline at the target step', () => {
    const rng = new Rng(9);
    const columns = [0, 1].map((f) => Array.from({ length: 200 }, () => (f + 1) * rng.normal()));
    const normalization = { baselineSteps: 32, minSteps: 4 };
    const prep = prepareSeries(series(columns), normalization);
    const window = 5;
    const targets = trainingTargets(prep, window);
    // every step with a full window and a baseline (4 values before it) is a target
    expect(targets[0]).toBe(window);
    expect(targets).toHaveLength(200 - window);
    const set = buildWindows([{ prep, targets }], window);
    targets.forEach((t, i) => {
      columns.forEach((column, f) => {
        const before = column.slice(Math.max(0, t - 32), t);
        const norm = (v: number): number =>
          (v - referenceMedian(before)) / referenceRobustSigma(before);
        for (let k = 0; k < window; k++) {
          expect(set.x[(i * window + k) * 2 + f]).toBeCloseTo(norm(column[t - window + k]!), 4);
        }
        expect(set.y[i * 2 + f]).toBeCloseTo(norm(column[t]!), 4);
      });
    });
  });
});

describe('gap handling', () => {
  it('forward-fills a short gap and masks the filled values', () => {
    const nan = Number.NaN;
    const s = series([
      [1, 2, nan, nan, 5],
      [1, 1, 1, 1, 1],
    ]);
    const prep = prepareSeries(s, EARLY, { maxGapSteps: 2 });
    expect(feature(prep.raw, 2, 0)).toEqual([1, 2, 2, 2, 5]);
    expect(feature(prep.observed, 2, 0)).toEqual([1, 1, 0, 0, 1]);
    expect(Array.from(prep.runLength)).toEqual([1, 2, 3, 4, 5]);
    // filled values do not enter the baseline: at step 4 it holds 1 and 2 only
    expect(prep.median[4 * 2]).toBe(1.5);
  });

  it('resets the run at a gap longer than maxGapSteps', () => {
    const nan = Number.NaN;
    const s = series([[1, 2, nan, nan, nan, 6, 7]]);
    const prep = prepareSeries(s, EARLY, { maxGapSteps: 2 });
    expect(Array.from(prep.runLength)).toEqual([1, 2, 3, 4, 0, 1, 2]);
  });

  it('treats a feature never seen as absent: not a value, and not a break', () => {
    const filler = new GapFiller(2, 4);
    const first = filler.push([Number.NaN, 1]);
    expect(first.broken).toBe(false);
    expect(Array.from(first.present)).toEqual([0, 1]);
    expect(Number.isNaN(first.filled[0]!)).toBe(true);
    expect(Array.from(filler.presentSteps)).toEqual([0, 1]);
    // it appears: present from now on, with its own history count
    expect(filler.push([3, 1]).broken).toBe(false);
    expect(Array.from(filler.presentSteps)).toEqual([1, 2]);
    const gap = filler.push([Number.NaN, 1]);
    expect(gap.filled[0]).toBe(3);
    expect(Array.from(gap.present)).toEqual([1, 1]);
    expect(Array.from(gap.observed)).toEqual([0, 1]);
  });

  it('breaks once when a present feature stays missing past maxGapSteps, then it is absent', () => {
    const nan = Number.NaN;
    const filler = new GapFiller(2, 2);
    filler.push([1, 1]);
    const broken = [nan, nan, nan, nan, nan].map((v) => filler.push([v, 1]).broken);
    // steps 1-2 forward-filled, step 3 drops the stale value (break), then absent, no break
    expect(broken).toEqual([false, false, true, false, false]);
    expect(filler.present[0]).toBe(0);
    expect(filler.presentSteps[1]).toBe(6);
    // no feature present at all is a break on every step
    const none = new GapFiller(2, 0);
    expect(none.push([nan, nan]).broken).toBe(true);
    expect(none.push([nan, nan]).broken).toBe(true);
    none.push([1, nan]);
    none.reset();
    expect(none.push([nan, 1]).broken).toBe(false);
    expect(Array.from(none.present)).toEqual([0, 1]);
  });

  it('keeps training windows free of absent features and of features without a baseline', () => {
    const nan = Number.NaN;
    const s = series([
      [nan, nan, nan, 4, 5, 6, 7],
      [1, 2, 3, 4, 5, 6, 7],
    ]);
    const prep = prepareSeries(s, EARLY, { maxGapSteps: 1 });
    expect(Array.from(prep.runLength)).toEqual([0, 0, 0, 1, 2, 3, 4]);
    expect(feature(prep.raw, 2, 0)).toEqual([nan, nan, nan, 4, 5, 6, 7]);
    // target 5: window 3-4 complete, feature 0 has a baseline (its value at 3) from step 4 on
    expect(trainingTargets(prep, 2)).toEqual([5, 6]);
    // with minSteps 3 feature 0 has no baseline before step 6
    const late = prepareSeries(s, { baselineSteps: 16, minSteps: 3 }, { maxGapSteps: 1 });
    expect(trainingTargets(late, 2)).toEqual([6]);
  });

  it('builds training windows only where the window is unbroken and the target fully observed', () => {
    const nan = Number.NaN;
    // steps:      0  1  2  3    4  5  6  7  8  9
    const a = [0, 1, 2, 3, nan, 5, 6, 7, 8, 9];
    const prep = prepareSeries(series([a]), EARLY, { maxGapSteps: 1 });
    // window 3: target t needs steps t-3..t-1 unbroken; step 4 is filled (so target 4 is out).
    expect(trainingTargets(prep, 3)).toEqual([3, 5, 6, 7, 8, 9]);
    const set = buildWindows([{ prep, targets: [3, 9] }], 3);
    expect(set.count).toBe(2);
    // target 3: baseline of 0, 1, 2 → median 1, MAD 1; target 9: of 0-3 and 5-8 (the filled
    // step 4 is not a value) → median 4, MAD 2.5. The window 6, 7, 8 and the target 9 use it.
    const s3 = 1.4826;
    const s9 = 1.4826 * 2.5;
    const expected = [-1 / s3, 0, 1 / s3, 2 / s9, 3 / s9, 4 / s9];
    Array.from(set.x).forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 5));
    expect(set.y[0]).toBeCloseTo(2 / s3, 5);
    expect(set.y[1]).toBeCloseTo(5 / s9, 5);
  });

  it('excludes windows that cross a long gap', () => {
    const nan = Number.NaN;
    const a = [0, 1, 2, 3, nan, nan, nan, 7, 8, 9, 10];
    const prep = prepareSeries(series([a]), EARLY, { maxGapSteps: 1 });
    expect(trainingTargets(prep, 3)).toEqual([3, 10]);
  });
});

describe('series helpers', () => {
  it('builds URI-safe series keys', () => {
    expect(seriesKey({ tenant: 't1', service: 'a/b', instance: 'pod 1' })).toBe('t1/a%2Fb/pod%201');
  });

  it('slices series and moves the start time', () => {
    const s = series([[1, 2, 3, 4]]);
    const part = sliceSeries(s, 1, 3);
    expect(part.startMs).toBe(15_000);
    expect(Array.from(part.values[0]!)).toEqual([2, 3]);
  });
});
