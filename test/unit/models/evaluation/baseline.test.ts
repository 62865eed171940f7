import { describe, expect, it } from 'vitest';
import { flagsAtK, rollingMaxAbsZ, stepsPerDay } from '../../../../models/evaluation/baseline.ts';
import type { LabelledFile } from '../../../../models/evaluation/corpus.ts';
import { tuneBaselineK } from '../../../../models/evaluation/tuning.ts';
import type { MultiSeries } from '../../../../models/features.ts';

const HOUR = 3600;

function grid(columns: number[][], stepSeconds = HOUR): MultiSeries {
  return {
    startMs: 0,
    stepSeconds,
    features: columns.map((_, i) => `c${i}`),
    values: columns.map((c) => Float64Array.from(c)),
  };
}

/** 10, 12, 10, 12, … : mean 11 and sample std √(24/23) over any 24 consecutive steps. */
const alternating = (n: number): number[] => Array.from({ length: n }, (_, i) => (i % 2 ? 12 : 10));

describe('rolling z-score baseline', () => {
  it('a day of history from the step: 24 rows at 1 h, 288 at 5 min', () => {
    expect(stepsPerDay(HOUR)).toBe(24);
    expect(stepsPerDay(300)).toBe(288);
  });

  it('z against the previous 24 hours only, NaN until a quarter of a day is observed', () => {
    const values = [...alternating(24), 20, ...alternating(30)];
    const z = rollingMaxAbsZ(grid([values]));
    expect(Array.from(z.subarray(0, 6)).every(Number.isNaN)).toBe(true);
    expect(z[6]).toBeGreaterThanOrEqual(0);
    // step 24: (20 − 11) / √(24/23)
    expect(z[24]).toBeCloseTo(8.8105050934, 9);
    // 24 steps later the spike has left the window again: back to |10 − 11| / √(24/23)
    expect(z[50]).toBeCloseTo(1 / Math.sqrt(24 / 23), 9);
  });

  it('matches the direct computation on a series with gaps', () => {
    const values = Array.from({ length: 120 }, (_, i) =>
      i % 17 === 3 ? Number.NaN : 100 + 10 * Math.sin(i / 5) + (i % 7),
    );
    const z = rollingMaxAbsZ(grid([values]));
    for (const t of [30, 61, 119]) {
      const history = values.slice(t - 24, t).filter(Number.isFinite);
      const mean = history.reduce((a, b) => a + b, 0) / history.length;
      const variance = history.reduce((a, b) => a + (b - mean) ** 2, 0) / (history.length - 1);
      expect(z[t]).toBeCloseTo(Math.abs(values[t]! - mean) / Math.sqrt(variance), 9);
    }
    expect(z[20]).toBeNaN(); // 20 % 17 === 3: no value, no z
  });

  it('takes the largest |z| over columns, and floors the std of a flat history', () => {
    const flat = Array.from({ length: 30 }, (_, i) => (i === 25 ? 5.01 : 5));
    const z = rollingMaxAbsZ(grid([alternating(30), flat]));
    // std 0 is raised to 0.1 % of the mean: |5.01 − 5| / 0.005
    expect(z[25]).toBeCloseTo(2, 6);
    expect(z[26]).toBeCloseTo(1 / Math.sqrt(24 / 23), 9);
  });

  it('flags |z| ≥ k', () => {
    expect(flagsAtK(Float64Array.from([1, 3, Number.NaN, 2.5]), 2.5)).toEqual([
      false,
      true,
      false,
      true,
    ]);
  });
});

function labelled(split: LabelledFile['split']): LabelledFile {
  // 200 hourly rows; a level shift at rows 100–109, inside the window 95–114
  const values = alternating(200).map((v, i) => (i >= 100 && i < 110 ? v + 10 : v));
  return {
    name: `${split ?? 'plain'}.csv`,
    split,
    rows: 200,
    grid: grid([values]),
    rowSteps: Array.from({ length: 200 }, (_, i) => i),
    windows: [{ start: 95, end: 114 }],
  };
}

describe('tuning k', () => {
  const policy = { persistSteps: 3, resolveSteps: 4 };

  it('picks the k with the best NAB standard score', () => {
    // the shift's |z| runs 8.8, 5.1, 2.7, 2.9 (the std soon takes it in): k = 2.5 fires on its
    // third step; k = 50 never fires and scores as the null detector
    const tuning = tuneBaselineK([labelled('tuning')], () => policy, [50, 2.5]);
    expect(tuning.k).toBe(2.5);
    expect(tuning.candidates[0]).toEqual({ k: 50, score: 0 });
    expect(tuning.candidates[1]!.score).toBeGreaterThan(50);
  });

  it('refuses held-out files', () => {
    expect(() => tuneBaselineK([labelled('tuning'), labelled('held-out')], () => policy)).toThrow(
      /refusing to tune on the held-out split \(held-out\.csv\)/,
    );
  });
});
