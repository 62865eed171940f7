// Streaming anomaly detection over many series. Each signal of each series is judged by online
// detectors from its first steps (spikes, level shifts, drifts such as leaks, departures from its
// daily or weekly pattern), and, once a series has a full window, by the LSTM's forecast error;
// every statistic has its own dynamic threshold and the strongest one decides (models/fusion.ts).
// Everything is causal: a score depends only on earlier steps. See docs/detection.md.
import {
  DEFAULT_CONTEXT_SIGNALS,
  DEFAULT_GAP_POLICY,
  DEFAULT_INPUT_NORMALIZATION,
  GO_SIGNALS,
  seriesLength,
  type InputNormalization,
  type MultiSeries,
} from './features.ts';
import { ALERT_DOWN, ALERT_UP } from './fusion.ts';
import { onlineParams, type OnlineParams } from './online/params.ts';
import { SeriesState, type ForecastPlan, type Observation } from './series-state.ts';
import type { SeriesPoint, StepScore } from './step-score.ts';
import type { LoadedModel } from './store.ts';

export interface DetectorOptions {
  model?: LoadedModel | null;
  /** Signal names (default: the model's features, else GO_SIGNALS). */
  features?: readonly string[];
  stepSeconds?: number;
  /** Online detector parameters over the defaults. */
  online?: Partial<OnlineParams>;
  maxGapSteps?: number;
  /** Signals left out of the score (default: the model's, else request_rate when present). */
  contextSignals?: readonly string[];
  /**
   * Signals that alert only when they rise (default: the Go runtime signals: their drops are
   * restarts or relief, not the ways a Go service fails); every other signal alerts both ways.
   */
  upOnlySignals?: readonly string[];
}

export const DEFAULT_UP_ONLY_SIGNALS: readonly string[] = GO_SIGNALS.filter(
  (s) => !DEFAULT_CONTEXT_SIGNALS.includes(s),
);

export class Detector {
  readonly features: readonly string[];
  readonly stepSeconds: number;
  private model: LoadedModel | null;
  private readonly online: OnlineParams;
  private readonly normalization: InputNormalization;
  private readonly maxGapSteps: number;
  /** Per signal, the directions it alerts on (0: a context signal). */
  private readonly alerting: Uint8Array;
  private readonly states = new Map<string, SeriesState>();

  constructor(options: DetectorOptions = {}) {
    this.model = options.model ?? null;
    const meta = this.model?.metadata;
    this.features = options.features ?? meta?.features ?? GO_SIGNALS;
    this.assertModelFits(this.model);
    this.stepSeconds = options.stepSeconds ?? meta?.stepSeconds ?? 15;
    this.online = onlineParams(options.online);
    this.normalization = meta?.normalization ?? DEFAULT_INPUT_NORMALIZATION;
    this.maxGapSteps = options.maxGapSteps ?? meta?.maxGapSteps ?? DEFAULT_GAP_POLICY.maxGapSteps;
    const context = options.contextSignals ?? meta?.contextSignals ?? DEFAULT_CONTEXT_SIGNALS;
    const upOnly = options.upOnlySignals ?? DEFAULT_UP_ONLY_SIGNALS;
    this.alerting = Uint8Array.from(this.features, (f) =>
      context.includes(f) ? 0 : upOnly.includes(f) ? ALERT_UP : ALERT_UP | ALERT_DOWN,
    );
    if (this.alerting.every((mask) => mask === 0)) {
      throw new Error('every signal is a context signal: nothing to score');
    }
  }

  get modelVersion(): string | null {
    return this.model?.metadata.version ?? null;
  }

  get seriesCount(): number {
    return this.states.size;
  }

  /**
   * Swaps the model (after retraining). Series keep their baselines and thresholds; the forecast
   * statistic restarts its history, because errors of different models are not comparable.
   */
  setModel(model: LoadedModel | null): void {
    this.assertModelFits(model);
    const normalization = model?.metadata.normalization;
    if (normalization && JSON.stringify(normalization) !== JSON.stringify(this.normalization)) {
      throw new Error(
        `the new model normalizes its input as ${JSON.stringify(normalization)}, this detector's series as ${JSON.stringify(this.normalization)}; start a new detector`,
      );
    }
    this.model = model;
    for (const state of this.states.values()) state.onModelChanged();
  }

  /** Drops a series' state (it disappeared, or this replica no longer owns it). */
  forget(key: string): void {
    this.states.delete(key);
  }

  /**
   * Scores one step of many series at once: the worker's call per step. One batched forecast for
   * all series the model can score. Returns one score per accepted point, in input order (a series
   * given twice has its later point scored after the others); a point not newer than the last one
   * seen for its series is dropped.
   */
  async scoreBatch(points: readonly SeriesPoint[]): Promise<StepScore[]> {
    // A series twice in one call: its second point needs the first one's window, so score in rounds.
    const seen = new Set<string>();
    const first: SeriesPoint[] = [];
    const later: SeriesPoint[] = [];
    for (const point of points) {
      (seen.has(point.key) ? later : first).push(point);
      seen.add(point.key);
    }
    const scores = await this.scoreSteps(
      first.map((point) => ({ state: this.stateFor(point.key), point })),
    );
    return later.length > 0 ? [...scores, ...(await this.scoreBatch(later))] : scores;
  }

  /**
   * Scores a whole history of one series with exactly the streaming logic. The model's input does
   * not depend on verdicts, so the forecasts are batched over `chunkSteps` steps at a time. Used
   * offline and to warm up.
   */
  async scoreSeries(key: string, series: MultiSeries, chunkSteps = 1024): Promise<StepScore[]> {
    this.assertFeatures(series.features);
    const state = this.stateFor(key);
    const out: StepScore[] = [];
    const length = seriesLength(series);
    for (let from = 0; from < length; from += chunkSteps) {
      const points: SeriesPoint[] = [];
      for (let t = from; t < Math.min(length, from + chunkSteps); t++) {
        const values = series.values.map((column) => column[t] ?? Number.NaN);
        points.push({ key, timestampMs: series.startMs + t * series.stepSeconds * 1000, values });
      }
      out.push(...(await this.scoreSteps(points.map((point) => ({ state, point })))));
    }
    return out;
  }

  /** Replays a history so a series starts with baselines, thresholds and a full window. */
  async warmUp(key: string, history: MultiSeries): Promise<void> {
    await this.scoreSeries(key, history);
  }

  /**
   * Plans and ingests every step in order (so a series' later step sees its earlier ones), runs
   * one batched forecast, then judges every step in order.
   */
  private async scoreSteps(
    steps: ReadonlyArray<{ state: SeriesState; point: SeriesPoint }>,
  ): Promise<StepScore[]> {
    const windows = new Float32Array(steps.length * this.windowSize());
    let planned = 0;
    const ingested: Array<{
      state: SeriesState;
      ts: number;
      plan: ForecastPlan;
      obs: Observation;
    }> = [];
    for (const { state, point } of steps) {
      if (!state.advanceTo(point.timestampMs)) continue;
      const plan = state.plan(windows, planned);
      if (plan.slot >= 0) planned++;
      ingested.push({ state, ts: point.timestampMs, plan, obs: state.ingest(point.values) });
    }
    const forecasts =
      this.model && planned > 0
        ? await this.model.forecaster.predict(
            windows.subarray(0, planned * this.windowSize()),
            planned,
          )
        : new Float32Array(0);
    return ingested.map(({ state, ts, plan, obs }) => state.judge(ts, obs, plan, forecasts));
  }

  private assertFeatures(features: readonly string[]): void {
    if (features.join(',') !== this.features.join(',')) {
      throw new Error(
        `series features ${features.join(',')} differ from ${this.features.join(',')}`,
      );
    }
  }

  private assertModelFits(model: LoadedModel | null): void {
    if (model && model.metadata.features.join(',') !== this.features.join(',')) {
      throw new Error(
        `detector features ${this.features.join(',')} differ from the model's ${model.metadata.features.join(',')}`,
      );
    }
  }

  private windowSize(): number {
    return this.model ? this.model.metadata.window * this.features.length : 0;
  }

  private stateFor(key: string): SeriesState {
    let state = this.states.get(key);
    if (!state) {
      state = new SeriesState(key, {
        features: this.features,
        stepMs: this.stepSeconds * 1000,
        maxGapSteps: this.maxGapSteps,
        online: this.online,
        normalization: this.normalization,
        alerting: this.alerting,
        model: () => this.model,
      });
      this.states.set(key, state);
    }
    return state;
  }
}
