// The last `capacity` values of a signal, kept both in arrival order (a ring) and sorted, so the
// median and the median absolute deviation cost O(capacity) per step instead of a sort.

/** 1.4826 · MAD estimates the standard deviation of normal data. */
export const MAD_TO_SIGMA = 1.4826;
/** Mean absolute deviation to sigma, the fallback when more than half the values are equal. */
const MEAN_AD_TO_SIGMA = 1.2533;

export class SortedWindow {
  private readonly ring: Float64Array;
  private readonly sorted: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.ring = new Float64Array(capacity);
    this.sorted = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Adds a finite value, dropping the oldest when full. */
  push(value: number): void {
    if (this.count === this.capacity) {
      this.removeSorted(this.ring[this.next]!);
    } else this.count++;
    this.ring[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    this.insertSorted(value);
  }

  clear(): void {
    this.count = 0;
    this.next = 0;
  }

  median(): number {
    const n = this.count;
    if (n === 0) return Number.NaN;
    const mid = n >> 1;
    return n % 2 === 1 ? this.sorted[mid]! : (this.sorted[mid - 1]! + this.sorted[mid]!) / 2;
  }

  /**
   * Robust sigma around `center`: 1.4826 · MAD, else (more than half the values equal) the mean
   * absolute deviation, else a share of the magnitude, so a flat signal still gets a finite scale
   * and a later change shows up as a large but finite z.
   */
  robustScale(center: number): number {
    const floor = Math.max(Math.abs(center) * 1e-3, 1e-12);
    const mad = MAD_TO_SIGMA * this.medianDeviation(center);
    if (mad > floor) return mad;
    let sum = 0;
    for (let i = 0; i < this.count; i++) sum += Math.abs(this.sorted[i]! - center);
    const meanAd = this.count > 0 ? (MEAN_AD_TO_SIGMA * sum) / this.count : 0;
    return meanAd > floor ? meanAd : Math.max(floor, Math.abs(center) * 0.01);
  }

  /** Largest value held (NaN when empty). */
  max(): number {
    return this.count > 0 ? this.sorted[this.count - 1]! : Number.NaN;
  }

  /** Values in arrival order, oldest first (a copy). */
  values(): Float64Array {
    const out = new Float64Array(this.count);
    for (let k = 0; k < this.count; k++) {
      out[k] = this.ring[(this.next - this.count + k + this.capacity) % this.capacity]!;
    }
    return out;
  }

  /**
   * Median of |x − center| by walking outwards from `center` through the sorted values: the
   * deviations on each side are already ordered, so merging them is linear.
   */
  private medianDeviation(center: number): number {
    const n = this.count;
    if (n === 0) return 0;
    let right = lowerBound(this.sorted, n, center);
    let left = right - 1;
    const take = (n >> 1) + 1;
    let previous = 0;
    let current = 0;
    for (let k = 0; k < take; k++) {
      const dl = left >= 0 ? center - this.sorted[left]! : Number.POSITIVE_INFINITY;
      const dr = right < n ? this.sorted[right]! - center : Number.POSITIVE_INFINITY;
      previous = current;
      if (dl <= dr) {
        current = dl;
        left--;
      } else {
        current = dr;
        right++;
      }
    }
    return n % 2 === 1 ? current : (previous + current) / 2;
  }

  private insertSorted(value: number): void {
    const used = this.count - 1;
    const at = lowerBound(this.sorted, used, value);
    this.sorted.copyWithin(at + 1, at, used);
    this.sorted[at] = value;
  }

  private removeSorted(value: number): void {
    const at = lowerBound(this.sorted, this.count, value);
    this.sorted.copyWithin(at, at + 1, this.count);
  }
}

/** First index in sorted[0, n) whose value is not below `value`. */
function lowerBound(sorted: Float64Array, n: number, value: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
