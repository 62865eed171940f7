// Quantiles from the two distribution types Go services export.

/**
 * Prometheus' histogram_quantile: find the bucket holding rank q·total and interpolate
 * linearly inside it. `counts` are per bucket (not cumulative), one more than `bounds` (the
 * last is +Inf). The first bucket's lower edge is 0 when its upper edge is positive; a rank in
 * the +Inf bucket returns the highest finite bound. NaN when nothing was counted.
 * With `spared` > 0 the rank stays at least that many observations below the top (but not
 * below the first), so that many outliers alone cannot set a high quantile of few observations.
 */
export function histogramQuantile(
  q: number,
  bounds: readonly number[],
  counts: readonly number[],
  spared = 0,
): number {
  let total = 0;
  for (const c of counts) total += c;
  if (!(total > 0)) return Number.NaN;
  const rank = Math.min(q * total, Math.max(total - spared, 1));
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] ?? 0;
    cumulative += count;
    if (cumulative < rank || count === 0) continue;
    if (i >= bounds.length) return bounds[bounds.length - 1] ?? Number.NaN;
    const upper = bounds[i]!;
    const lower = i === 0 ? Math.min(0, upper) : bounds[i - 1]!;
    if (i === 0 && upper <= 0) return upper;
    return lower + ((upper - lower) * (rank - (cumulative - count))) / count;
  }
  return bounds[bounds.length - 1] ?? Number.NaN;
}

/**
 * A summary reports fixed quantiles (client_golang's GC summary: 0, 0.25, 0.5, 0.75, 1); take
 * the smallest reported one at or above q, else the largest.
 */
export function summaryQuantile(
  q: number,
  quantiles: readonly number[],
  values: readonly number[],
): number {
  let best = -1;
  let largest = -1;
  quantiles.forEach((quantile, i) => {
    if (largest < 0 || quantile > quantiles[largest]!) largest = i;
    if (quantile >= q && (best < 0 || quantile < quantiles[best]!)) best = i;
  });
  const index = best >= 0 ? best : largest;
  return index >= 0 ? (values[index] ?? Number.NaN) : Number.NaN;
}
