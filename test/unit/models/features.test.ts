import { describe, expect, it } from 'vitest';
import {
  buildWindows,
  fitNormalization,
  GapFiller,
  hasStats,
  INPUT_CLIP,
  NO_STATS,
  prepareSeries,
  robustStats,
  seriesKey,
  sliceSeries,
  trainingTargets,
  type MultiSeries,
} from '../../../models/features.ts';

function series(columns: number[][]): MultiSeries {
  return {
    startMs: 0,
    stepSeconds: 15,
    features: columns.map((_, i) => `s${i}`),
    values: columns.map((c) => Float64Array.from(c)),
  };
}

describe('robust normalization', () => {
  it('uses the median and 1.4826 × MAD, ignoring NaN', () => {
    const stats = robustStats([1, 2, Number.NaN, 3, 4, 100]);
    expect(stats.median).toBe(3);
    // |x - 3| = 2, 1, 0, 1, 97 -> MAD 1
    expect(stats.scale).toBeCloseTo(1.4826, 6);
  });

  it('gives a constant signal a positive scale so later changes stay finite', () => {
    const stats = robustStats([5, 5, 5, 5]);
    expect(stats.median).toBe(5);
    expect(stats.scale).toBeGreaterThan(0);
    const mostlyConstant = robustStats([0, 0, 0, 0, 0, 0, 4]);
    expect(mostlyConstant.scale).toBeGreaterThan(0);
  });

  it('fits one (median, scale) per feature and normalizes with it', () => {
    const s = series([
      [10, 20, 30],
      [1, 1, 2],
    ]);
    const norm = fitNormalization(s);
    expect(norm.median).toEqual([20, 1]);
    const prep = prepareSeries(s, norm);
    expect(prep.rows[0]).toBeCloseTo((10 - 20) / norm.scale[0]!, 5);
    expect(prep.rows[1]).toBeCloseTo(0, 5);
  });

  it('marks a feature without any value as having no statistics', () => {
    const norm = fitNormalization(
      series([
        [Number.NaN, Number.NaN, Number.NaN],
        [0, 0, 0],
        [1, 2, 3],
      ]),
    );
    expect(norm.median[0]).toBe(NO_STATS.median);
    expect(norm.scale[0]).toBe(NO_STATS.scale);
    expect([0, 1, 2].map((f) => hasStats(norm, f))).toEqual([false, true, true]);
  });

  it('clips normalized inputs', () => {
    const s = series([[0, 0, 0, 1e6]]);
    const prep = prepareSeries(s, { median: [0], scale: [1] });
    expect(prep.rows[3]).toBe(INPUT_CLIP);
  });
});

describe('gap handling', () => {
  const norm = { median: [0, 0], scale: [1, 1] };

  it('forward-fills a short gap and masks the filled values', () => {
    const nan = Number.NaN;
    const s = series([
      [1, 2, nan, nan, 5],
      [1, 1, 1, 1, 1],
    ]);
    const prep = prepareSeries(s, norm, { maxGapSteps: 2 });
    expect(Array.from(prep.rows.filter((_, i) => i % 2 === 0))).toEqual([1, 2, 2, 2, 5]);
    expect(Array.from(prep.observed.filter((_, i) => i % 2 === 0))).toEqual([1, 1, 0, 0, 1]);
    expect(Array.from(prep.runLength)).toEqual([1, 2, 3, 4, 5]);
  });

  it('resets the run at a gap longer than maxGapSteps', () => {
    const nan = Number.NaN;
    const s = series([[1, 2, nan, nan, nan, 6, 7]]);
    const prep = prepareSeries(s, { median: [0], scale: [1] }, { maxGapSteps: 2 });
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

  it('keeps training windows free of absent features (input at the normalized median)', () => {
    const nan = Number.NaN;
    const s = series([
      [nan, nan, nan, 4, 5, 6, 7],
      [1, 2, 3, 4, 5, 6, 7],
    ]);
    const prep = prepareSeries(s, norm, { maxGapSteps: 1 });
    expect(Array.from(prep.runLength)).toEqual([0, 0, 0, 1, 2, 3, 4]);
    expect(Array.from(prep.rows.filter((_, i) => i % 2 === 0))).toEqual([0, 0, 0, 4, 5, 6, 7]);
    expect(trainingTargets(prep, 2)).toEqual([5, 6]);
  });

  it('builds training windows only where the window is unbroken and the target fully observed', () => {
    const nan = Number.NaN;
    // steps:      0  1  2  3    4  5  6  7  8  9
    const a = [0, 1, 2, 3, nan, 5, 6, 7, 8, 9];
    const prep = prepareSeries(series([a]), { median: [0], scale: [1] }, { maxGapSteps: 1 });
    // window 3: target t needs steps t-3..t-1 unbroken; step 4 is filled (so target 4 is out).
    expect(trainingTargets(prep, 3)).toEqual([3, 5, 6, 7, 8, 9]);
    const set = buildWindows([{ prep, targets: [3, 9] }], 3);
    expect(set.count).toBe(2);
    expect(Array.from(set.x)).toEqual([0, 1, 2, 6, 7, 8]);
    expect(Array.from(set.y)).toEqual([3, 9]);
  });

  it('excludes windows that cross a long gap', () => {
    const nan = Number.NaN;
    const a = [0, 1, 2, 3, nan, nan, nan, 7, 8, 9, 10];
    const prep = prepareSeries(series([a]), { median: [0], scale: [1] }, { maxGapSteps: 1 });
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
