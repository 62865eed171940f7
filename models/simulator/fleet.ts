// Labelled anomalies placed on simulated series, and small fleets of simulated instances split
// into training, anomaly and normal days: the protocol of the model tests and benchmarks.
import { sliceSeries, type MultiSeries } from '../features.ts';
import {
  ANOMALY_KINDS,
  DEFAULT_MAGNITUDE,
  STEPS_PER_DAY,
  STEPS_PER_HOUR,
  generateGoSeries,
  type AnomalyKind,
  type AnomalySpec,
  type LabeledEvent,
  type NormalEventKind,
} from './go-series.ts';
import { Rng } from './rng.ts';

/**
 * Places `count` anomalies between `fromStep` and `toStep`, at least `minSpacingSteps` apart,
 * cycling through `kinds`, with durations and magnitudes drawn per kind.
 */
export function planAnomalies(options: {
  seed: number;
  kinds: readonly AnomalyKind[];
  fromStep: number;
  toStep: number;
  count: number;
  minSpacingSteps?: number;
}): AnomalySpec[] {
  const rng = new Rng(options.seed ^ 0x9e3779b9);
  const spacing = options.minSpacingSteps ?? 4 * STEPS_PER_HOUR;
  const slot = Math.floor((options.toStep - options.fromStep) / options.count);
  if (slot < spacing) throw new Error('not enough room for the anomalies at that spacing');
  const out: AnomalySpec[] = [];
  for (let i = 0; i < options.count; i++) {
    const kind = options.kinds[i % options.kinds.length]!;
    const durationSteps = anomalyDuration(kind, rng);
    const latest = slot - durationSteps - STEPS_PER_HOUR;
    const startStep =
      options.fromStep +
      i * slot +
      rng.int(STEPS_PER_HOUR / 2, Math.max(STEPS_PER_HOUR / 2, latest));
    out.push({
      kind,
      startStep,
      durationSteps,
      magnitude: DEFAULT_MAGNITUDE[kind] * rng.uniform(0.8, 1.3),
    });
  }
  return out;
}

function anomalyDuration(kind: AnomalyKind, rng: Rng): number {
  switch (kind) {
    case 'goroutine_leak':
      return rng.int(120, 240);
    case 'gc_pause_spike':
      return rng.int(40, 80);
    case 'heap_growth':
      return rng.int(120, 240);
    case 'latency_shift':
      return rng.int(80, 160);
  }
}

export interface FleetInstance {
  key: string;
  /** Training part (normal data only). */
  train: MultiSeries;
  /** Everything after the training part, starting `warmupSteps` before its end. */
  test: MultiSeries;
  /** Steps of `test` that replay training data to warm the detector up (not evaluated). */
  warmupSteps: number;
  /** Labels in `test` step coordinates. */
  anomalies: Array<LabeledEvent<AnomalyKind>>;
  normalEvents: Array<LabeledEvent<NormalEventKind>>;
}

export interface FleetOptions {
  seed: number;
  instances: number;
  trainDays: number;
  /** Days after training that carry anomalies. */
  anomalyDays: number;
  /** Days after those with normal behaviour only (false-alert budget). */
  normalDays: number;
  anomaliesPerDay: number;
  /** Kinds per instance (instance i gets kinds[i % kinds.length]); default all kinds everywhere. */
  kindsByInstance?: ReadonlyArray<readonly AnomalyKind[]>;
  warmupSteps?: number;
}

/** A small fleet: per instance a normal training period, then labeled anomalies, then normal days. */
export function makeFleet(options: FleetOptions): FleetInstance[] {
  const trainSteps = options.trainDays * STEPS_PER_DAY;
  const anomalySteps = options.anomalyDays * STEPS_PER_DAY;
  const warmup = options.warmupSteps ?? 6 * STEPS_PER_HOUR;
  const out: FleetInstance[] = [];
  for (let i = 0; i < options.instances; i++) {
    const seed = options.seed * 1000 + i;
    const kinds = options.kindsByInstance?.[i % options.kindsByInstance.length] ?? ANOMALY_KINDS;
    const anomalies = planAnomalies({
      seed,
      kinds,
      fromStep: trainSteps,
      toStep: trainSteps + anomalySteps,
      count: Math.round(options.anomaliesPerDay * options.anomalyDays),
    });
    const generated = generateGoSeries({
      seed,
      days: options.trainDays + options.anomalyDays + options.normalDays,
      anomalies,
    });
    const from = trainSteps - warmup;
    const shift = <K extends string>(e: LabeledEvent<K>): LabeledEvent<K> => ({
      ...e,
      startStep: e.startStep - from,
      endStep: e.endStep - from,
    });
    out.push({
      key: `tenant-a/checkout/pod-${i}`,
      train: sliceSeries(generated.series, 0, trainSteps),
      test: sliceSeries(generated.series, from, generated.series.values[0]!.length),
      warmupSteps: warmup,
      anomalies: generated.anomalies.map(shift),
      normalEvents: generated.normalEvents.filter((e) => e.endStep >= from).map(shift),
    });
  }
  return out;
}
