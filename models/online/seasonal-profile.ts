// What a signal did one period ago (a day, a week), at a coarse resolution: the mean of each
// bucket of the period, written when the bucket ends. The residual against it removes a daily or
// weekly pattern that a recent-history baseline cannot know about.

export class SeasonalProfile {
  private readonly means: Float32Array;
  /** Absolute bucket number each slot was written for (-1 = never). */
  private readonly stamps: Int32Array;
  private readonly bucketMs: number;
  private current = -1;
  private sum = 0;
  private count = 0;

  constructor(
    readonly periodMs: number,
    readonly buckets: number,
  ) {
    this.bucketMs = periodMs / buckets;
    this.means = new Float32Array(buckets);
    this.stamps = new Int32Array(buckets).fill(-1);
  }

  /**
   * The value expected at `timestampMs`: its bucket's mean one period ago, else two periods ago
   * (that bucket had no normal value last time); NaN without either.
   */
  expected(timestampMs: number): number {
    const bucket = this.bucketOf(timestampMs);
    const slot = bucket % this.buckets;
    const age = bucket - this.stamps[slot]!;
    return this.stamps[slot]! >= 0 && age >= this.buckets && age <= 2 * this.buckets
      ? this.means[slot]!
      : Number.NaN;
  }

  /** Records a normal value (anomalous ones stay out, so an incident does not echo a period later). */
  record(timestampMs: number, value: number): void {
    const bucket = this.bucketOf(timestampMs);
    if (bucket !== this.current) {
      this.commit();
      this.current = bucket;
    }
    this.sum += value;
    this.count++;
  }

  private commit(): void {
    if (this.current >= 0 && this.count > 0) {
      const slot = this.current % this.buckets;
      this.means[slot] = this.sum / this.count;
      this.stamps[slot] = this.current;
    }
    this.sum = 0;
    this.count = 0;
  }

  private bucketOf(timestampMs: number): number {
    return Math.floor(timestampMs / this.bucketMs);
  }
}
