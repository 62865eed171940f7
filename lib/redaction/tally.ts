// Redaction counts by type, for one record, one request or the process lifetime.
import { PII_TYPES, type PiiType, type RedactionCounts } from './types.ts';

export class Tally {
  /** Made on the first count: most tallies (one per record) stay empty. */
  private counts: Map<PiiType, number> | undefined;

  get empty(): boolean {
    return this.counts === undefined;
  }

  add(type: PiiType, n = 1): void {
    this.counts ??= new Map();
    this.counts.set(type, (this.counts.get(type) ?? 0) + n);
  }

  merge(other: Tally): void {
    if (other.counts) for (const [type, n] of other.counts) this.add(type, n);
  }

  /** The non-zero counts, in the fixed type order (stable JSON for `redaction.summary`). */
  toCounts(): RedactionCounts {
    const counts: RedactionCounts = {};
    if (!this.counts) return counts;
    for (const type of PII_TYPES) {
      const n = this.counts.get(type);
      if (n !== undefined) counts[type] = n;
    }
    return counts;
  }

  /** Every type, zeros included: what a metrics exporter wants. */
  toFullCounts(): Record<PiiType, number> {
    return Object.fromEntries(
      PII_TYPES.map((type) => [type, this.counts?.get(type) ?? 0]),
    ) as Record<PiiType, number>;
  }
}
