import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLD_PARAMS,
  ewma,
  findAnomalies,
  pruneSequences,
  selectEpsilon,
  sequencesAbove,
  squashScore,
  StreamingThreshold,
  type ThresholdParams,
} from '../../../models/threshold.ts';

/** Deterministic "noise" in [0.8, 1.2]. */
function noise(i: number): number {
  return 1 + 0.2 * Math.sin(i * 12.9898) * Math.cos(i * 4.1414);
}

describe('ewma', () => {
  it('smooths with alpha = 2 / (span + 1) and carries over masked steps', () => {
    // span 3 -> alpha 0.5
    expect([...ewma([2, 4, Number.NaN, 8], 3)]).toEqual([2, 3, 3, 5.5]);
  });
});

describe('sequencesAbove', () => {
  it('finds contiguous runs at or above epsilon with their maxima', () => {
    expect(sequencesAbove([0, 5, 6, 0, 7], 5)).toEqual([
      { start: 1, end: 2, max: 6 },
      { start: 4, end: 4, max: 7 },
    ]);
  });
});

describe('selectEpsilon', () => {
  it('maximises (Δμ/μ + Δσ/σ) / (|e_a| + |E_seq|²) over the z range', () => {
    // mean 1.4, std 1.2; any z in [2.5, 3] cuts off the single 5: Δμ/μ = 0.4/1.4, Δσ/σ = 1,
    // |e_a| = 1, |E_seq| = 1. Ties go to the larger z, as in telemanom.
    const choice = selectEpsilon([1, 1, 1, 1, 1, 1, 1, 1, 1, 5], DEFAULT_THRESHOLD_PARAMS);
    expect(choice.mean).toBeCloseTo(1.4, 10);
    expect(choice.std).toBeCloseTo(1.2, 10);
    expect(choice.score).toBeCloseTo((0.4 / 1.4 + 1) / 2, 10);
    expect(choice.z).toBe(3);
    expect(choice.epsilon).toBeCloseTo(5, 10);
  });

  it('separates a block of large errors from the noise', () => {
    const errors = Array.from({ length: 200 }, (_, i) => (i >= 120 && i < 126 ? 10 : noise(i)));
    const choice = selectEpsilon(errors, DEFAULT_THRESHOLD_PARAMS);
    expect(choice.z).not.toBeNull();
    expect(choice.epsilon).toBeGreaterThan(1.2);
    expect(choice.epsilon).toBeLessThanOrEqual(10);
  });

  it('falls back to μ + zMax·σ when no candidate flags anything', () => {
    const flat = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 1 : 1.2));
    const choice = selectEpsilon(flat, DEFAULT_THRESHOLD_PARAMS);
    expect(choice.z).toBeNull();
    expect(choice.epsilon).toBeCloseTo(1.1 + 12 * 0.1, 6);
  });

  it('rejects candidates that flag too many sequences', () => {
    // Eight separate spikes: any ε that flags them has |E_seq| > maxSequences (5).
    const errors = Array.from({ length: 400 }, (_, i) => (i % 50 === 25 ? 6 : 1));
    expect(selectEpsilon(errors, DEFAULT_THRESHOLD_PARAMS).z).toBeNull();
    expect(
      selectEpsilon(errors, { ...DEFAULT_THRESHOLD_PARAMS, maxSequences: 10 }).z,
    ).not.toBeNull();
  });
});

describe('pruneSequences', () => {
  it('drops sequences below the last drop of at least p, walking down to the normal max', () => {
    // sorted: 10, 9.5, 3, 2.9(normal): 10→9.5 is 5% (pending), 9.5→3 is 68% (clears),
    // 3→2.9 is 3% (pending, never cleared) → only the 3 is pruned.
    expect(pruneSequences([3, 10, 9.5], 2.9, 0.13)).toEqual([false, true, true]);
  });

  it('keeps a sequence clearly above the normal maximum and prunes one that is not', () => {
    expect(pruneSequences([5], 4, 0.13)).toEqual([true]);
    expect(pruneSequences([5], 4.8, 0.13)).toEqual([false]);
  });
});

describe('findAnomalies', () => {
  it('keeps the clear anomaly and prunes a bump barely above the noise', () => {
    const errors = Array.from({ length: 600 }, (_, i) => {
      if (i >= 400 && i < 430) return 12;
      return noise(i);
    });
    const result = findAnomalies(errors, { ...DEFAULT_THRESHOLD_PARAMS, minError: 0 });
    expect(result.anomalies).toHaveLength(1);
    const [anomaly] = result.anomalies;
    expect(anomaly!.start).toBeGreaterThanOrEqual(400);
    expect(anomaly!.start).toBeLessThan(405);
    expect(anomaly!.end).toBeGreaterThan(428);
  });

  it('applies the minError floor', () => {
    const errors = Array.from({ length: 300 }, (_, i) =>
      i >= 200 && i < 220 ? 0.5 : 0.05 * noise(i),
    );
    expect(
      findAnomalies(errors, { ...DEFAULT_THRESHOLD_PARAMS, minError: 0 }).anomalies,
    ).toHaveLength(1);
    expect(
      findAnomalies(errors, { ...DEFAULT_THRESHOLD_PARAMS, minError: 2 }).anomalies,
    ).toHaveLength(0);
  });
});

describe('squashScore', () => {
  it('maps the smoothed error relative to ε into [0, 1], 0.5 at ε', () => {
    expect(squashScore(2, 2)).toBeCloseTo(0.5, 10);
    expect(squashScore(4, 2)).toBeGreaterThan(0.9);
    expect(squashScore(1, 2)).toBeLessThan(0.1);
    expect(squashScore(0, 2)).toBe(0);
    expect(squashScore(Number.NaN, 2)).toBe(0);
  });
});

describe('StreamingThreshold', () => {
  const params: ThresholdParams = {
    ...DEFAULT_THRESHOLD_PARAMS,
    minError: 0,
    minHistory: 100,
    refreshEvery: 10,
  };

  function feed(threshold: StreamingThreshold, values: readonly number[]): boolean[] {
    return values.map((v) => threshold.update(v).anomalous);
  }

  it('flags a sustained excursion and nothing in the noise before it', () => {
    const t = new StreamingThreshold(params, 3);
    const before = feed(
      t,
      Array.from({ length: 500 }, (_, i) => noise(i)),
    );
    const during = feed(
      t,
      Array.from({ length: 30 }, () => 8),
    );
    expect(before.some(Boolean)).toBe(false);
    expect(during.filter(Boolean).length).toBeGreaterThan(25);
  });

  it('prunes an excursion that is not clearly above the largest normal error', () => {
    const t = new StreamingThreshold(params, 3);
    feed(
      t,
      Array.from({ length: 500 }, (_, i) => noise(i)),
    );
    // The smoothed noise peaks around 1.1; an excursion to ~1.2 is within p = 13% of it.
    const small = feed(
      t,
      Array.from({ length: 10 }, () => 1.2),
    );
    expect(small.some(Boolean)).toBe(false);
  });

  it('still sees a second, smaller anomaly soon after a long one (capped history)', () => {
    const t = new StreamingThreshold({ ...params, historySteps: 1440 }, 3);
    feed(
      t,
      Array.from({ length: 600 }, (_, i) => noise(i)),
    );
    feed(
      t,
      Array.from({ length: 200 }, () => 15),
    );
    feed(
      t,
      Array.from({ length: 300 }, (_, i) => noise(i + 1000)),
    );
    const second = feed(
      t,
      Array.from({ length: 30 }, () => 4),
    );
    expect(second.filter(Boolean).length).toBeGreaterThan(20);
  });

  it('reports the initial ε until it has minHistory values, and never below minError', () => {
    const t = new StreamingThreshold({ ...params, minError: 2 }, 1);
    expect(t.update(1).threshold).toBe(2);
    const quiet = new StreamingThreshold(params, 5);
    expect(quiet.update(1).threshold).toBe(5);
  });

  it('makes no decision on a masked step', () => {
    const t = new StreamingThreshold(params, 1);
    t.update(10);
    const step = t.update(Number.NaN);
    expect(step.anomalous).toBe(false);
    expect(step.above).toBe(false);
  });
});
