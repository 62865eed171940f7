// What a signal did one period ago, per bucket: the bucket's mean one period ago, else two
// periods ago, else nothing; the bucket in progress and this period's buckets never count.
import { describe, expect, it } from 'vitest';
import { SeasonalProfile } from '../../../../models/online/seasonal-profile.ts';

/** A period of 60 s in 6 buckets of 10 s, from a Monday midnight. */
const T0 = Date.UTC(2026, 0, 5);
const PERIOD = 60_000;
const BUCKET = 10_000;
const at = (period: number, bucket: number, offsetMs = 0): number =>
  T0 + period * PERIOD + bucket * BUCKET + offsetMs;

/** Records `value(period, bucket)` three times per bucket (at 0, 3 and 6 s into it). */
function fill(
  profile: SeasonalProfile,
  period: number,
  value: (bucket: number, k: number) => number | null,
): void {
  for (let b = 0; b < 6; b++) {
    for (let k = 0; k < 3; k++) {
      const v = value(b, k);
      if (v !== null) profile.record(at(period, b, k * 3000), v);
    }
  }
}

describe('SeasonalProfile', () => {
  it('expects the mean of the same bucket one period ago', () => {
    const p = new SeasonalProfile(PERIOD, 6);
    fill(p, 0, (b, k) => 100 * b + k); // bucket means 1, 101, 201, ...
    // Period 0's last bucket is committed once a later bucket starts.
    p.record(at(1, 0), -1);
    for (let b = 0; b < 6; b++) {
      expect(p.expected(at(1, b, 4000)), `bucket ${b}`).toBeCloseTo(100 * b + 1, 4);
    }
  });

  it('knows nothing of the current period or a bucket still in progress', () => {
    const p = new SeasonalProfile(PERIOD, 6);
    expect(p.expected(at(0, 0))).toBeNaN();
    fill(p, 0, () => 5);
    for (let b = 0; b < 6; b++) expect(p.expected(at(0, b))).toBeNaN();
    // bucket 5 of period 0 is still open: one period later there is nothing for it yet
    expect(p.expected(at(1, 5))).toBeNaN();
    expect(p.expected(at(1, 4))).toBe(5);
  });

  it('falls back to two periods ago for a bucket without values last period, not further', () => {
    const p = new SeasonalProfile(PERIOD, 6);
    fill(p, 0, (b) => 10 + b);
    fill(p, 1, (b) => (b === 3 ? null : 20 + b)); // bucket 3 had no (normal) value in period 1
    p.record(at(2, 0), 0);
    // In period 2: bucket 3 from period 0, the others from period 1.
    expect(p.expected(at(2, 3))).toBe(13);
    expect(p.expected(at(2, 2))).toBe(22);
    fill(p, 2, (b) => (b === 3 ? null : 30 + b));
    p.record(at(3, 0), 0);
    // In period 3: bucket 3 was last written three periods ago: stale.
    expect(p.expected(at(3, 3))).toBeNaN();
    expect(p.expected(at(3, 4))).toBe(34);
  });
});
