// The dynamic threshold of one statistic of one series, from extreme-value statistics of its own
// recent history: the statistic's maxima over blocks of steps are taken as Gumbel-distributed and
// the threshold is the level they exceed once in `returnPeriodBlocks` blocks (method of moments).
// So a statistic with heavy tails gets a threshold far above its usual maxima and a steady one a
// threshold just above them, and each exceeds its threshold at about the same, chosen, rate.
// The threshold never drops below `margin` times the largest recent block maximum (the pruning
// rule of Hundman et al.: an excursion must stand clearly above the normal tail), nor below a
// prior that fades from `initial` to `floor` as the history fills.
//
// Memory: `blocks` numbers per statistic and series.

export interface CalibrationParams {
  /** History: `blocks` block maxima of `blockSteps` steps each. */
  blocks: number;
  blockSteps: number;
  /**
   * The threshold is exceeded by normal data about once in this many days (converted to blocks
   * with the series' step), per statistic and direction.
   */
  returnPeriodDays: number;
  /** A value must exceed the largest recent block maximum by this factor. */
  margin: number;
  /** Threshold never below this, in the statistic's units (robust z). */
  floor: number;
  /**
   * Threshold of a statistic without history; it fades linearly to the floor over the first
   * `priorSteps` values, so a brand-new series is judged conservatively but at once.
   */
  initial: number;
  priorSteps: number;
  /**
   * The first steps of an excursion enter the history as they are, later ones capped at the
   * threshold: a short spike that recurs (a nightly job) raises the threshold to its own height
   * and stops alerting, while a long incident cannot blind the statistic.
   */
  uncappedSteps: number;
}

/** Completed blocks left out of the threshold (see `threshold`). */
const GUARD_BLOCKS = 1;
/** Euler–Mascheroni constant: the Gumbel mean is μ + γβ. */
const EULER_GAMMA = 0.5772156649;

export class Calibrator {
  private readonly maxima: Float64Array;
  private block = 0;
  private inBlock = 0;
  private filledBlocks = 0;
  private seen = 0;
  private run = 0;
  private readonly returnLevel: number;

  constructor(
    private readonly params: CalibrationParams,
    stepSeconds: number,
  ) {
    this.maxima = new Float64Array(params.blocks);
    const returnPeriodBlocks = Math.max(
      2,
      (params.returnPeriodDays * 86_400) / (params.blockSteps * stepSeconds),
    );
    // Gumbel reduced variate of the return period, in standard deviations of the block maxima.
    const y = -Math.log(-Math.log(1 - 1 / returnPeriodBlocks));
    this.returnLevel = (Math.sqrt(6) / Math.PI) * (y - EULER_GAMMA);
  }

  /** The threshold for the coming value. */
  threshold(): number {
    const { blocks, margin, floor, initial } = this.params;
    const fill = Math.min(1, this.seen / this.params.priorSteps);
    const prior = initial + (floor - initial) * fill;
    // Completed blocks except the newest: an excursion in progress (a slow leak) must not raise
    // its own threshold before it has gone on for at least a whole block.
    const n = this.filledBlocks - GUARD_BLOCKS;
    if (n <= 0) return prior;
    let max = 0;
    let sum = 0;
    let sumSq = 0;
    for (let k = 1 + GUARD_BLOCKS; k <= this.filledBlocks; k++) {
      const m = this.maxima[(this.block - k + blocks) % blocks]!;
      if (m > max) max = m;
      sum += m;
      sumSq += m * m;
    }
    const mean = sum / n;
    const std = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
    const extreme = n >= 2 ? mean + this.returnLevel * std : 0;
    return Math.max(prior, margin * max, extreme);
  }

  /**
   * Records a value. Past the first `uncappedSteps` steps of an excursion, an anomalous value
   * enters capped at the threshold it crossed, so one long incident neither blinds the statistic
   * to the next one nor passes as normal at once.
   */
  record(value: number, threshold: number): void {
    if (!Number.isFinite(value)) return;
    this.run = value >= threshold ? this.run + 1 : 0;
    const entered = this.run <= this.params.uncappedSteps ? value : Math.min(value, threshold);
    if (this.inBlock === this.params.blockSteps) {
      this.block = (this.block + 1) % this.params.blocks;
      this.maxima[this.block] = 0;
      this.inBlock = 0;
      this.filledBlocks = Math.min(this.filledBlocks + 1, this.params.blocks - 1);
    }
    if (entered > this.maxima[this.block]!) this.maxima[this.block] = entered;
    this.inBlock++;
    this.seen++;
  }

  reset(): void {
    this.maxima.fill(0);
    this.block = 0;
    this.inBlock = 0;
    this.filledBlocks = 0;
    this.seen = 0;
    this.run = 0;
  }
}
