// An exponentially weighted location and scale of a residual stream, robust to bursts: once warm,
// each value is clipped to a few scales around the centre before it updates them. O(1) memory, for
// the residuals where a sorted window per series would cost too much (the seasonal ones).

/** Mean absolute deviation to sigma for normal data. */
const MEAN_AD_TO_SIGMA = 1.2533;
/** Values beyond this many scales from the centre update the estimate as if they were at it. */
const CLIP_SCALES = 4;

export class EwScale {
  private center = Number.NaN;
  private deviation = 0;
  private count = 0;
  private readonly alpha: number;

  /** `span`: the number of recent values that dominate the estimate. */
  constructor(
    span: number,
    private readonly warmCount: number,
  ) {
    this.alpha = 2 / (span + 1);
  }

  /** Enough values seen for `z` to mean something. */
  get warm(): boolean {
    return this.count >= this.warmCount;
  }

  /** Robust sigma (NaN before the first value). */
  get scale(): number {
    return this.count > 0 ? MEAN_AD_TO_SIGMA * this.deviation : Number.NaN;
  }

  /** Standardized value of `r` against the current estimate (NaN while cold). */
  z(r: number, floor: number): number {
    if (!this.warm) return Number.NaN;
    return (r - this.center) / Math.max(this.scale, floor);
  }

  update(r: number): void {
    if (!Number.isFinite(r)) return;
    this.count++;
    if (this.count === 1) {
      this.center = r;
      return;
    }
    const limit = CLIP_SCALES * this.scale;
    const clipped =
      this.warm && limit > 0 ? Math.max(this.center - limit, Math.min(this.center + limit, r)) : r;
    // Early on a plain running mean, so the first values are not forgotten at once.
    const a = Math.max(this.alpha, 1 / this.count);
    this.center += a * (clipped - this.center);
    this.deviation += a * (Math.abs(clipped - this.center) - this.deviation);
  }
}
