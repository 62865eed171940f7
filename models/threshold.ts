// Nonparametric dynamic thresholding (Hundman et al., KDD 2018, "Detecting Spacecraft
// Anomalies Using LSTMs and Nonparametric Dynamic Thresholding"), as pure functions, plus the
// streaming form the detector runs per series. Deviations from the paper are marked "deviation"
// and explained in docs/detection.md.

export interface ThresholdParams {
  /** z candidates for ε = μ + zσ: zMin, zMin + zStep, ..., zMax (the paper uses 2.5..12). */
  zMin: number;
  zMax: number;
  zStep: number;
  /** Minimum percent decrease between consecutive sequence maxima to keep a sequence (p). */
  pruneP: number;
  /** EWMA span (steps) used to smooth the raw errors. */
  ewmaSpan: number;
  /** Smoothed errors kept per series to choose ε from (the paper's error window). */
  historySteps: number;
  /** ε is re-chosen every this many steps (the paper's batch size). */
  refreshEvery: number;
  /** Below this many history values ε stays at its initial value. */
  minHistory: number;
  /** Absolute floor: a smoothed error below this is never anomalous (deviation, as in telemanom). */
  minError: number;
  /** Guardrails from telemanom: a candidate ε may flag at most this fraction / sequence count. */
  maxAnomalousFraction: number;
  maxSequences: number;
}

export const DEFAULT_THRESHOLD_PARAMS: ThresholdParams = {
  zMin: 2.5,
  zMax: 12,
  zStep: 0.5,
  pruneP: 0.13,
  ewmaSpan: 6,
  historySteps: 1440,
  refreshEvery: 20,
  minHistory: 120,
  minError: 2,
  maxAnomalousFraction: 0.5,
  maxSequences: 5,
};

export function ewmaAlpha(span: number): number {
  return 2 / (span + 1);
}

/** EWMA of `values`; a NaN input (a masked step) carries the previous smoothed value. */
export function ewma(values: ArrayLike<number>, span: number): Float64Array {
  const alpha = ewmaAlpha(span);
  const out = new Float64Array(values.length);
  let s = Number.NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? Number.NaN;
    if (Number.isFinite(v)) s = Number.isFinite(s) ? alpha * v + (1 - alpha) * s : v;
    out[i] = s;
  }
  return out;
}

export interface Sequence {
  /** First and last index (inclusive) of a run of values at or above ε. */
  start: number;
  end: number;
  max: number;
}

export function sequencesAbove(values: ArrayLike<number>, epsilon: number): Sequence[] {
  const out: Sequence[] = [];
  let current: Sequence | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? Number.NaN;
    if (v >= epsilon) {
      if (current) {
        current.end = i;
        if (v > current.max) current.max = v;
      } else current = { start: i, end: i, max: v };
    } else if (current) {
      out.push(current);
      current = null;
    }
  }
  if (current) out.push(current);
  return out;
}

export interface EpsilonChoice {
  epsilon: number;
  /** The chosen z, or null when no candidate flagged anything (ε = μ + zMax·σ). */
  z: number | null;
  mean: number;
  std: number;
  score: number;
}

function meanStd(values: ArrayLike<number>): { mean: number; std: number; n: number } {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? Number.NaN;
    if (!Number.isFinite(v)) continue;
    n++;
    sum += v;
    sumSq += v * v;
  }
  if (n === 0) return { mean: 0, std: 0, n };
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(0, sumSq / n - mean * mean)), n };
}

/**
 * Chooses ε = μ + zσ over the z range maximising
 * (Δμ/μ + Δσ/σ) / (|e_a| + |E_seq|²), where Δμ, Δσ are the drops in mean and standard deviation
 * when the values at or above ε are removed, e_a those values and E_seq their contiguous runs.
 */
export function selectEpsilon(
  smoothed: ArrayLike<number>,
  params: Pick<
    ThresholdParams,
    'zMin' | 'zMax' | 'zStep' | 'maxAnomalousFraction' | 'maxSequences'
  >,
): EpsilonChoice {
  const { mean, std, n } = meanStd(smoothed);
  let best: EpsilonChoice = { epsilon: mean + params.zMax * std, z: null, mean, std, score: 0 };
  if (n === 0 || std === 0) return best;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let z = params.zMin; z <= params.zMax + 1e-9; z += params.zStep) {
    const epsilon = mean + z * std;
    const candidate = scoreCandidate(smoothed, epsilon, mean, std);
    if (candidate.anomalous === 0) continue;
    if (candidate.anomalous >= n * params.maxAnomalousFraction) continue;
    if (candidate.sequences > params.maxSequences) continue;
    if (candidate.score >= bestScore) {
      bestScore = candidate.score;
      best = { epsilon, z, mean, std, score: candidate.score };
    }
  }
  return best;
}

function scoreCandidate(
  values: ArrayLike<number>,
  epsilon: number,
  mean: number,
  std: number,
): { score: number; anomalous: number; sequences: number } {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let anomalous = 0;
  let sequences = 0;
  let inSequence = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? Number.NaN;
    if (!Number.isFinite(v)) continue;
    if (v >= epsilon) {
      anomalous++;
      if (!inSequence) sequences++;
      inSequence = true;
    } else {
      inSequence = false;
      n++;
      sum += v;
      sumSq += v * v;
    }
  }
  const belowMean = n > 0 ? sum / n : 0;
  const belowStd = n > 0 ? Math.sqrt(Math.max(0, sumSq / n - belowMean * belowMean)) : 0;
  const dMean = mean !== 0 ? (mean - belowMean) / mean : 0;
  const dStd = (std - belowStd) / std;
  return { score: (dMean + dStd) / (anomalous + sequences * sequences), anomalous, sequences };
}

/**
 * Pruning: sequence maxima sorted in descending order, with the largest non-anomalous value
 * appended; walking down, a step whose percent decrease is below p marks the larger value as
 * "not separated", and any decrease of at least p clears the marks above it. Returns one keep
 * flag per input maximum.
 */
export function pruneSequences(maxima: readonly number[], normalMax: number, p: number): boolean[] {
  const order = maxima.map((_, i) => i).sort((a, b) => (maxima[b] ?? 0) - (maxima[a] ?? 0));
  const sorted = [...order.map((i) => maxima[i] ?? 0), normalMax];
  const keep = new Array<boolean>(maxima.length).fill(true);
  let pending: number[] = [];
  for (let k = 0; k < order.length; k++) {
    const hi = sorted[k] ?? 0;
    const lo = sorted[k + 1] ?? 0;
    pending.push(order[k] ?? 0);
    if (hi > 0 && (hi - lo) / hi >= p) pending = [];
  }
  for (const i of pending) keep[i] = false;
  return keep;
}

export interface BatchAnomalies {
  smoothed: Float64Array;
  choice: EpsilonChoice;
  /** Sequences that survived pruning (and the minError floor). */
  anomalies: Sequence[];
  pruned: Sequence[];
}

/** The paper's method over one error window at once (offline analysis and tests). */
export function findAnomalies(
  errors: ArrayLike<number>,
  params: ThresholdParams = DEFAULT_THRESHOLD_PARAMS,
): BatchAnomalies {
  const smoothed = ewma(errors, params.ewmaSpan);
  const choice = selectEpsilon(smoothed, params);
  const sequences = sequencesAbove(smoothed, choice.epsilon);
  const normalMax = maxBelow(smoothed, choice.epsilon);
  const keep = pruneSequences(
    sequences.map((s) => s.max),
    normalMax,
    params.pruneP,
  );
  const anomalies: Sequence[] = [];
  const pruned: Sequence[] = [];
  sequences.forEach((s, i) => (keep[i] && s.max >= params.minError ? anomalies : pruned).push(s));
  return { smoothed, choice, anomalies, pruned };
}

function maxBelow(values: ArrayLike<number>, epsilon: number): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? Number.NaN;
    if (v < epsilon && v > max) max = v;
  }
  return max;
}

/**
 * Maps a smoothed error to [0, 1] relative to the threshold: 0.5 at ε, ~0.94 at 2ε, ~0.06 at ε/2.
 * A logistic in log(e/ε) with slope 4, so the score reads the same whatever the error scale.
 */
export function squashScore(smoothed: number, epsilon: number): number {
  if (!(smoothed > 0) || !Number.isFinite(smoothed)) return 0;
  if (!(epsilon > 0)) return 1;
  return 1 / (1 + (epsilon / smoothed) ** 4);
}

export interface ThresholdStep {
  smoothed: number;
  threshold: number;
  /** Smoothed error at or above ε (and above minError). */
  above: boolean;
  /** `above` and the current sequence survives pruning against recent sequences. */
  anomalous: boolean;
}

/**
 * The per-series streaming form. Each step: EWMA the error; compare with ε; a run of values above
 * ε is a sequence whose running maximum is pruned against the maxima of earlier sequences still
 * inside the history and the largest non-anomalous history value. Every `refreshEvery` steps ε
 * is re-chosen on the history with `selectEpsilon`.
 * Deviation: steps flagged anomalous enter the history capped at ε, so one long anomaly does not
 * inflate μ and σ and blind the detector to the next one for a whole history window.
 */
export class StreamingThreshold {
  private readonly history: Float32Array;
  private historyCount = 0;
  private historyNext = 0;
  private stepsSinceRefresh = 0;
  private smoothed = Number.NaN;
  private epsilon: number;
  private normalMax = 0;
  private openMax = 0;
  private openAnomalous = false;
  private closed: Array<{ max: number; endStep: number }> = [];
  private step = 0;
  private readonly alpha: number;

  constructor(
    readonly params: ThresholdParams,
    private readonly initialEpsilon: number,
  ) {
    this.history = new Float32Array(params.historySteps);
    this.epsilon = Math.max(initialEpsilon, params.minError);
    this.normalMax = this.epsilon;
    this.alpha = ewmaAlpha(params.ewmaSpan);
  }

  get threshold(): number {
    return this.epsilon;
  }

  /** Feeds one raw error (NaN = nothing observed this step: no decision, nothing recorded). */
  update(error: number): ThresholdStep {
    if (Number.isFinite(error)) {
      this.smoothed = Number.isFinite(this.smoothed)
        ? this.alpha * error + (1 - this.alpha) * this.smoothed
        : error;
    }
    return this.decide(Number.isFinite(error) ? this.smoothed : Number.NaN);
  }

  /** Feeds one already smoothed error (the detector smooths per signal and aggregates after). */
  decide(s: number): ThresholdStep {
    this.step++;
    if (!Number.isFinite(s)) {
      return { smoothed: s, threshold: this.epsilon, above: false, anomalous: false };
    }
    const above = s >= this.epsilon && s >= this.params.minError;
    let anomalous = false;
    if (above) {
      this.openMax = Math.max(this.openMax, s);
      anomalous = this.survivesPruning(this.openMax);
      this.openAnomalous = anomalous;
    } else this.closeSequence();
    this.record(anomalous ? Math.min(s, this.epsilon) : s);
    const threshold = this.epsilon;
    if (++this.stepsSinceRefresh >= this.params.refreshEvery) this.refresh();
    return { smoothed: s, threshold, above, anomalous };
  }

  private survivesPruning(max: number): boolean {
    const horizon = this.step - this.params.historySteps;
    this.closed = this.closed.filter((c) => c.endStep > horizon);
    const maxima = [max, ...this.closed.map((c) => c.max)];
    return pruneSequences(maxima, this.normalMax, this.params.pruneP)[0] ?? false;
  }

  private closeSequence(): void {
    if (this.openMax > 0) this.closed.push({ max: this.openMax, endStep: this.step - 1 });
    this.openMax = 0;
    this.openAnomalous = false;
  }

  private record(value: number): void {
    this.history[this.historyNext] = value;
    this.historyNext = (this.historyNext + 1) % this.history.length;
    this.historyCount = Math.min(this.historyCount + 1, this.history.length);
  }

  private refresh(): void {
    this.stepsSinceRefresh = 0;
    if (this.historyCount < this.params.minHistory) return;
    const values =
      this.historyCount === this.history.length
        ? this.history
        : this.history.subarray(0, this.historyCount);
    const choice = selectEpsilon(values, this.params);
    this.epsilon = Math.max(choice.epsilon, this.params.minError);
    this.normalMax = maxBelow(values, this.epsilon);
  }

  /** Whether the run in progress is flagged (for callers that render state). */
  get inAnomaly(): boolean {
    return this.openAnomalous;
  }
}
