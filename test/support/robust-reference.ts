// Brute-force references for the robust statistics the detector keeps incrementally: sort the
// values, take the middle. Slow and obvious, so the fast versions can be checked against them.

/** Median of the values (NaN when there are none). */
export function referenceMedian(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median absolute deviation from `center`. */
export function referenceMad(values: readonly number[], center: number): number {
  return referenceMedian(values.map((v) => Math.abs(v - center)));
}

/** 1.4826 · MAD around the median: the robust sigma of values with no ties. */
export function referenceRobustSigma(values: readonly number[]): number {
  return 1.4826 * referenceMad(values, referenceMedian(values));
}
