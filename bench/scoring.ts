// Scoring and training benchmark for the anomaly detector (online detectors + LSTM forecaster).
//   npx tsx bench/scoring.ts            full run (~3 min on 2 cores), with detection quality and
//                                       static threshold alerts judged by the webhook verdict
//   npx tsx bench/scoring.ts --quick    throughput only
// Prints one JSON document, then a short table. Inference runs single-threaded on the selected
// backend (wasm here), so "per second" is per core. Detector throughput counts series-steps: one
// step of one series through Detector.scoreBatch (the online detectors of every signal, the
// batched forecast, fusion and the StepScore), with a model and without one.
import { describeMachine } from './machine.ts';
import { selectBackend } from '../models/backend.ts';
import { Detector } from '../models/detector.ts';
import {
  buildWindows,
  DEFAULT_INPUT_NORMALIZATION,
  prepareSeries,
  sliceSeries,
  trainingTargets,
  type MultiSeries,
} from '../models/features.ts';
import { LstmForecaster } from '../models/lstm.ts';
import type { SeriesPoint } from '../models/step-score.ts';
import { METADATA_FORMAT, type LoadedModel } from '../models/store.ts';
import { trainModel, type TrainResult } from '../models/train.ts';
import { makeFleet, type FleetInstance } from '../models/simulator/fleet.ts';
import { ANOMALY_KINDS, STEPS_PER_DAY } from '../models/simulator/go-series.ts';
import {
  evaluateFleet,
  qualityByKind,
  stepsToMinutes,
  type FleetEvaluation,
} from '../test/support/go-series-eval.ts';
import {
  measureEnrichment,
  MEASURED_RULES,
  MEASURED_TIMING,
} from '../test/support/threshold-alerts.ts';

const QUICK = process.argv.includes('--quick');
const BATCH_SIZES = [256, 1024, 4096];
const MEASURE_MS = 3000;
/** The configuration the worker and the quality test use. */
const TRAINING = { epochs: 6, patience: 2, stride: 3, units: 16, window: 32 } as const;

interface ThroughputRow {
  batch: number;
  windowsPerSecond: number;
  msPerBatch: number;
}

async function main(): Promise<void> {
  const backend = await selectBackend();
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    backend,
    threads: 1,
    model: { units: TRAINING.units, window: TRAINING.window, features: 6 },
  };
  result['forecaster'] = await forecasterThroughput();
  result['detector'] = await detectorThroughput(true);
  result['detectorOnline'] = await detectorThroughput(false);
  if (!QUICK) {
    const fleet = qualityFleet();
    const shared = await trainShared(fleet);
    result['training'] = trainingSummary(shared);
    const perSeries = await trainPerSeries(fleet);
    result['comparison'] = await compareSharedAndPerSeries(fleet, shared, perSeries);
    const evaluation = await evaluateFleet(fleet, shared.model, { normalDays: 1 });
    result['quality'] = qualitySummary(evaluation, fleet);
    result['qualityOnline'] = qualitySummary(
      await evaluateFleet(fleet, null, { normalDays: 1 }),
      fleet,
    );
    result['thresholdEnrichment'] = enrichmentSummary(evaluation, fleet);
    shared.model.forecaster.dispose();
    perSeries.forEach((p) => p.model.forecaster.dispose());
  }
  result['peakRssMB'] = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify(result, null, 2));
  printTable(result);
}

/** Windows forecast per second by the batched inference graph, per batch size. */
async function forecasterThroughput(): Promise<ThroughputRow[]> {
  const features = ['a', 'b', 'c', 'd', 'e', 'f'];
  const forecaster = LstmForecaster.create({
    features,
    window: TRAINING.window,
    units: TRAINING.units,
    learningRate: 0.004,
    seed: 1,
  });
  const rows: ThroughputRow[] = [];
  for (const batch of BATCH_SIZES) {
    const x = Float32Array.from({ length: batch * TRAINING.window * features.length }, (_, i) =>
      Math.sin(i),
    );
    await forecaster.predict(x, batch, batch); // warm-up
    let windows = 0;
    const started = performance.now();
    while (performance.now() - started < MEASURE_MS) {
      await forecaster.predict(x, batch, batch);
      windows += batch;
    }
    const seconds = (performance.now() - started) / 1000;
    rows.push({
      batch,
      windowsPerSecond: Math.round(windows / seconds),
      msPerBatch: round((seconds * 1000 * batch) / windows),
    });
  }
  forecaster.dispose();
  return rows;
}

interface DetectorThroughput {
  series: number;
  model: boolean;
  /** Share of the measured series-steps the model forecast. */
  forecastShare: number;
  /** Series-steps per second: steps of one series through Detector.scoreBatch. */
  seriesStepsPerSecond: number;
  msPerStep: number;
}

/**
 * Series-steps scored per second through Detector.scoreBatch: `withModel` adds the batched
 * forecast of every series (skill 0: the online detectors judge every signal too, the costliest
 * case); without it, the online detectors alone.
 */
async function detectorThroughput(withModel: boolean): Promise<DetectorThroughput> {
  const seriesCount = 4096;
  const base = makeFleet({
    seed: 9,
    instances: 1,
    trainDays: 1,
    anomalyDays: 0,
    normalDays: 0,
    anomaliesPerDay: 0,
  })[0]!.train;
  const forecaster = withModel
    ? LstmForecaster.create({
        features: base.features,
        window: TRAINING.window,
        units: TRAINING.units,
        learningRate: 0.004,
        seed: 1,
      })
    : null;
  const keys = Array.from({ length: seriesCount }, (_, i) => `bench/svc/pod-${i}`);
  const detector = new Detector({
    model: forecaster ? benchModel(forecaster) : null,
    features: base.features,
  });
  const pointsAt = (t: number): SeriesPoint[] =>
    keys.map((key, i) => ({
      key,
      timestampMs: base.startMs + t * 15_000,
      values: base.values.map((c) => c[(t + i * 7) % c.length] ?? Number.NaN),
    }));
  // Fill the windows and the baselines first.
  for (let t = 0; t < TRAINING.window; t++) await detector.scoreBatch(pointsAt(t));
  let steps = 0;
  let lstm = 0;
  const started = performance.now();
  while (performance.now() - started < MEASURE_MS) {
    const scores = await detector.scoreBatch(pointsAt(TRAINING.window + steps));
    lstm += scores.filter((s) => s.method === 'lstm').length;
    steps++;
  }
  const seconds = (performance.now() - started) / 1000;
  forecaster?.dispose();
  return {
    series: seriesCount,
    model: withModel,
    // (the base series has scrape gaps: a series' window restarts after one)
    forecastShare: round(lstm / (steps * seriesCount), 3),
    seriesStepsPerSecond: Math.round((steps * seriesCount) / seconds),
    msPerStep: round((seconds * 1000) / steps),
  };
}

/** An untrained forecaster as a format-2 model (its weights do not change the work done). */
function benchModel(forecaster: LstmForecaster): LoadedModel {
  const F = forecaster.featureCount;
  return {
    forecaster,
    path: null,
    metadata: {
      format: METADATA_FORMAT,
      modelName: 'bench',
      version: 'v20261123T000000Z',
      createdAt: new Date(0).toISOString(),
      kind: 'lstm-forecaster',
      features: [...forecaster.config.features],
      contextSignals: ['request_rate'],
      window: forecaster.config.window,
      stepSeconds: 15,
      units: forecaster.config.units,
      learningRate: forecaster.config.learningRate,
      seed: 1,
      maxGapSteps: 4,
      normalization: DEFAULT_INPUT_NORMALIZATION,
      errorScale: Array.from({ length: F }, () => 1),
      trainingRange: { startMs: 0, endMs: 0, series: 0, trainWindows: 0, validationWindows: 0 },
      validation: { mse: 0, rmsePerFeature: [], skillPerFeature: [], epochsRun: 0, bestEpoch: 0 },
      training: { durationMs: 0, backend: 'bench', startedFrom: null },
    },
  };
}

function qualityFleet(): FleetInstance[] {
  return makeFleet({
    seed: 1,
    instances: 4,
    trainDays: 3,
    anomalyDays: 2,
    normalDays: 1,
    anomaliesPerDay: 3,
    kindsByInstance: ANOMALY_KINDS.map((k) => [k]),
  });
}

async function trainShared(fleet: readonly FleetInstance[]): Promise<TrainResult> {
  return trainModel({
    series: new Map(fleet.map((f) => [f.key, f.train])),
    ...TRAINING,
    outDir: null,
  });
}

async function trainPerSeries(fleet: readonly FleetInstance[]): Promise<TrainResult[]> {
  const out: TrainResult[] = [];
  for (const f of fleet)
    out.push(await trainModel({ series: new Map([[f.key, f.train]]), ...TRAINING, outDir: null }));
  return out;
}

function trainingSummary(t: TrainResult): Record<string, number> {
  return {
    series: t.metadata.trainingRange.series,
    trainWindows: t.metadata.trainingRange.trainWindows,
    epochs: t.metadata.validation.epochsRun,
    seconds: round(t.metadata.training.durationMs / 1000),
    validationMse: round(t.metadata.validation.mse, 4),
  };
}

/** Held-out forecast MSE (normalized units, the last, normal day) and detection quality. */
async function compareSharedAndPerSeries(
  fleet: readonly FleetInstance[],
  shared: TrainResult,
  perSeries: readonly TrainResult[],
): Promise<Record<string, unknown>> {
  const heldOut = fleet.map((f) =>
    sliceSeries(f.test, f.test.values[0]!.length - STEPS_PER_DAY, f.test.values[0]!.length),
  );
  const sharedMse = await Promise.all(fleet.map((_, i) => heldOutMse(shared.model, heldOut[i]!)));
  const ownMse = await Promise.all(
    fleet.map((_, i) => heldOutMse(perSeries[i]!.model, heldOut[i]!)),
  );
  const byKey = new Map(fleet.map((f, i) => [f.key, perSeries[i]!.model]));
  const sharedQuality = await evaluateFleet(fleet, shared.model, { normalDays: 1 });
  const ownQuality = await evaluateFleet(fleet, (key) => byKey.get(key) ?? null, { normalDays: 1 });
  // A series the shared model never saw, normalized online like every series (its own rolling
  // median and robust scale), from its first step.
  const unseen = makeFleet({
    seed: 77,
    instances: 1,
    trainDays: 1,
    anomalyDays: 0,
    normalDays: 1,
    anomaliesPerDay: 0,
  })[0]!;
  const unseenMse = await heldOutMse(shared.model, unseen.test);
  const seconds = perSeries.map((p) => p.metadata.training.durationMs / 1000);
  return {
    shared: {
      trainSeconds: round(shared.metadata.training.durationMs / 1000),
      heldOutMse: sharedMse.map((m) => round(m, 4)),
      meanHeldOutMse: round(mean(sharedMse), 4),
      unseenSeriesMse: round(unseenMse, 4),
      ...detection(sharedQuality),
    },
    perSeries: {
      trainSecondsEach: seconds.map((s) => round(s)),
      trainSecondsTotal: round(seconds.reduce((a, b) => a + b, 0)),
      heldOutMse: ownMse.map((m) => round(m, 4)),
      meanHeldOutMse: round(mean(ownMse), 4),
      ...detection(ownQuality),
    },
  };
}

function detection(e: FleetEvaluation): Record<string, number | null> {
  return {
    recall: round(e.report.recall, 3),
    precision: round(e.report.precision, 3),
    falseAlertsPerDay: round(e.falseAlertsPerDay, 2),
    medianDelayMin: stepsToMinutes(e.report.medianDelaySteps),
  };
}

/** Forecast MSE in normalized units over every usable window of `series`, normalized online. */
async function heldOutMse(model: LoadedModel, series: MultiSeries): Promise<number> {
  const prep = prepareSeries(series, model.metadata.normalization, {
    maxGapSteps: model.metadata.maxGapSteps,
  });
  const set = buildWindows(
    [{ prep, targets: trainingTargets(prep, model.metadata.window) }],
    model.metadata.window,
  );
  return (await model.forecaster.evaluate(set)).mse;
}

function qualitySummary(
  e: FleetEvaluation,
  fleet: readonly FleetInstance[],
): Record<string, unknown> {
  const byKind = Object.fromEntries(
    Object.entries(qualityByKind(e, fleet)).map(([kind, q]) => [
      kind,
      {
        events: q.events,
        detected: q.detected,
        precision: round(q.precision, 3),
        recall: round(q.recall, 3),
        f05: round(q.f05, 3),
        medianDelayMin: stepsToMinutes(q.medianDelaySteps),
        maxDelayMin: stepsToMinutes(Math.max(...q.delaysSteps)),
      },
    ]),
  );
  return {
    evaluatedSeriesDays: round(e.evaluatedDays, 2),
    alerts: e.report.alerts,
    falseAlerts: e.report.falseAlerts,
    falseAlertsPerDay: round(e.falseAlertsPerDay, 2),
    normalDayFalseAlertsPerDay: round(e.normalDayFalseAlertsPerDay, 2),
    precision: round(e.report.precision, 3),
    recall: round(e.report.recall, 3),
    f05: round(e.report.f05, 3),
    medianDelayMin: stepsToMinutes(e.report.medianDelaySteps),
    scoringSeconds: round(e.scoringMs / 1000),
    byKind,
  };
}

/**
 * Static threshold rules on the same fleet, judged by the webhook's verdict from the same
 * scores: the measured rules, and thresholds a little lower and higher.
 */
function enrichmentSummary(
  e: FleetEvaluation,
  fleet: readonly FleetInstance[],
): Array<Record<string, unknown>> {
  const scores = e.perInstance.map((p) => p.scores);
  return [0.99, MEASURED_RULES.quantile, 0.999].map((quantile) => {
    const m = measureEnrichment(fleet, scores, { ...MEASURED_RULES, quantile }, MEASURED_TIMING);
    return {
      thresholdQuantile: quantile,
      forSteps: m.rules.forSteps,
      lookbackSteps: m.timing.lookbackSteps,
      repeatSteps: m.timing.repeatSteps,
      normalAlerts: m.normalAlerts,
      markedNormal: m.markedNormal,
      markedNormalShare: round(m.markedNormal / Math.max(1, m.normalAlerts), 3),
      anomalies: m.trueEvents,
      anomaliesKept: m.eventsKept,
      anomalyAlerts: m.trueAlerts,
      anomalyAlertsKept: m.kept,
      anomalyAlertsKeptAtFirst: m.keptAtFirst,
      unknown: m.unknown,
    };
  });
}

function printTable(result: Record<string, unknown>): void {
  const lines: string[] = ['', 'what                                   value'];
  const add = (what: string, value: unknown): void => {
    lines.push(`${what.padEnd(38)} ${String(value)}`);
  };
  for (const row of result['forecaster'] as ThroughputRow[]) {
    add(`windows/s/core, batch ${row.batch}`, row.windowsPerSecond);
  }
  for (const key of ['detector', 'detectorOnline']) {
    const d = result[key] as DetectorThroughput;
    add(
      `detector series-steps/s, ${d.model ? 'model' : 'no model'} (${d.series}/step)`,
      `${d.seriesStepsPerSecond} (${d.msPerStep} ms/step)`,
    );
  }
  const t = result['training'] as Record<string, number> | undefined;
  if (t)
    add(
      `train shared (${t['series']} series, ${t['trainWindows']} win)`,
      `${t['seconds']} s, ${t['epochs']} epochs`,
    );
  const c = result['comparison'] as Record<string, Record<string, unknown>> | undefined;
  if (c) {
    add(
      'held-out MSE shared / per-series',
      `${String(c['shared']?.['meanHeldOutMse'])} / ${String(c['perSeries']?.['meanHeldOutMse'])}`,
    );
    add('held-out MSE shared, series it never saw', String(c['shared']?.['unseenSeriesMse']));
    add(
      'train s shared / per-series total',
      `${String(c['shared']?.['trainSeconds'])} / ${String(c['perSeries']?.['trainSecondsTotal'])}`,
    );
  }
  const q = result['quality'] as Record<string, unknown> | undefined;
  if (q) {
    add(
      'recall / precision / F0.5',
      `${String(q['recall'])} / ${String(q['precision'])} / ${String(q['f05'])}`,
    );
    add('false alerts per series-day', q['falseAlertsPerDay']);
    add('median detection delay (min)', q['medianDelayMin']);
  }
  const o = result['qualityOnline'] as Record<string, unknown> | undefined;
  if (o) {
    add(
      'no model: recall / precision / F0.5',
      `${String(o['recall'])} / ${String(o['precision'])} / ${String(o['f05'])}`,
    );
    add('no model: false alerts per series-day', o['falseAlertsPerDay']);
  }
  for (const r of (result['thresholdEnrichment'] as Array<Record<string, unknown>> | undefined) ??
    []) {
    add(
      `threshold q${String(r['thresholdQuantile'])}: normal held / kept`,
      `${String(r['markedNormal'])}/${String(r['normalAlerts'])} held, ` +
        `${String(r['anomaliesKept'])}/${String(r['anomalies'])} anomalies kept ` +
        `(${String(r['anomalyAlertsKept'])}/${String(r['anomalyAlerts'])} alerts)`,
    );
  }
  add('peak RSS (MB)', result['peakRssMB']);
  console.log(lines.join('\n'));
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

await main();
