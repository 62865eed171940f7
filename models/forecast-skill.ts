// How much better the model forecasts each signal of one series than the online detectors'
// expectation (its recent median): 1 − E[forecast error²] / E[(value − median)²], both in the
// model's input units, over the recent normal steps. A skilful model explains the series' normal
// moves (a traffic peak, a restart) that the online statistics would flag, so it judges alone.

/** Normal steps the averages weigh (span of the exponential weights). */
const SPAN_STEPS = 240;
/** Steps a signal needs before its skill counts. */
const WARM_STEPS = 60;

export class ForecastSkill {
  private readonly modelError: Float64Array;
  private readonly medianError: Float64Array;
  private readonly counts: Int32Array;
  private readonly alpha = 2 / (SPAN_STEPS + 1);

  constructor(featureCount: number) {
    this.modelError = new Float64Array(featureCount);
    this.medianError = new Float64Array(featureCount);
    this.counts = new Int32Array(featureCount);
  }

  /** The skill on signal f so far (−∞ until it has enough steps). */
  skill(f: number): number {
    if (this.counts[f]! < WARM_STEPS || !(this.medianError[f]! > 0)) {
      return Number.NEGATIVE_INFINITY;
    }
    return 1 - this.modelError[f]! / this.medianError[f]!;
  }

  /**
   * One normal step of signal f: `normalized` is the value in the model's input units (its
   * distance from the median), `forecast` the model's forecast in the same units.
   */
  update(f: number, normalized: number, forecast: number): void {
    const a = Math.max(this.alpha, 1 / (this.counts[f]! + 1));
    this.modelError[f]! += a * ((normalized - forecast) ** 2 - this.modelError[f]!);
    this.medianError[f]! += a * (normalized ** 2 - this.medianError[f]!);
    this.counts[f]!++;
  }

  /** A window restart or a new model: the skill is measured afresh. */
  reset(): void {
    this.modelError.fill(0);
    this.medianError.fill(0);
    this.counts.fill(0);
  }
}
