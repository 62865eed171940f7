import { describe, expect, it } from 'vitest';
import { histogramQuantile, summaryQuantile } from '../../../services/anomaly-worker/quantile.ts';

describe('histogramQuantile', () => {
  const bounds = [0.1, 0.5, 1];

  it('interpolates linearly inside the bucket holding the rank', () => {
    // 50 in (0, 0.1], 50 in (0.1, 0.5]: the median is the top of the first bucket, p75 halfway up the second.
    expect(histogramQuantile(0.5, bounds, [50, 50, 0, 0])).toBeCloseTo(0.1, 12);
    expect(histogramQuantile(0.75, bounds, [50, 50, 0, 0])).toBeCloseTo(0.3, 12);
  });

  it('returns the highest finite bound for a rank in the +Inf bucket', () => {
    expect(histogramQuantile(0.99, bounds, [1, 0, 0, 99])).toBe(1);
  });

  it('is NaN when nothing was counted', () => {
    expect(histogramQuantile(0.99, bounds, [0, 0, 0, 0])).toBeNaN();
  });

  it('with spared outliers, keeps the rank below the largest observations of a small count', () => {
    // 15 pauses up to 0.1 and one in (0.5, 1]: p99 is that one, unless it is spared.
    expect(histogramQuantile(0.99, bounds, [15, 0, 1, 0])).toBeGreaterThan(0.5);
    expect(histogramQuantile(0.99, bounds, [15, 0, 1, 0], 1)).toBeLessThanOrEqual(0.1);
    // Two of them set it.
    expect(histogramQuantile(0.99, bounds, [14, 0, 2, 0], 1)).toBeGreaterThan(0.5);
    // Many observations: the usual rank, and a lone value is its own quantile.
    expect(histogramQuantile(0.99, bounds, [990, 0, 10, 0], 1)).toBe(
      histogramQuantile(0.99, bounds, [990, 0, 10, 0]),
    );
    expect(histogramQuantile(0.99, bounds, [0, 0, 1, 0], 1)).toBeGreaterThan(0.5);
  });

  it('skips empty buckets below the rank', () => {
    expect(histogramQuantile(0.5, [0, 0.1, 0.5], [0, 0, 10, 0])).toBeCloseTo(0.3, 12);
  });
});

describe('summaryQuantile', () => {
  it('takes the smallest reported quantile at or above q', () => {
    expect(summaryQuantile(0.99, [0, 0.25, 0.5, 0.75, 1], [1, 2, 3, 4, 5])).toBe(5);
    expect(summaryQuantile(0.5, [0.99, 0.5, 0.9], [9, 5, 8])).toBe(5);
  });

  it('falls back to the largest quantile, and NaN when there is none', () => {
    expect(summaryQuantile(0.999, [0.5, 0.9], [5, 9])).toBe(9);
    expect(summaryQuantile(0.99, [], [])).toBeNaN();
  });
});
