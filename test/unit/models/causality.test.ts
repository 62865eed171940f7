// Causality (issue 14, item 1): a step's score depends only on the steps before it. Scoring a
// truncated input gives exactly the same StepScores for every step it still has, with and
// without a model, on random series and simulated Go series with gaps, anomalies and normal
// events; and streaming the steps one by one gives exactly what scoring the history at once does.
import { describe, expect, it } from 'vitest';
import { Detector } from '../../../models/detector.ts';
import { GO_SIGNALS, sliceSeries, type MultiSeries } from '../../../models/features.ts';
import { planAnomalies } from '../../../models/simulator/fleet.ts';
import { generateGoSeries } from '../../../models/simulator/go-series.ts';
import { Rng } from '../../../models/simulator/rng.ts';
import type { LoadedModel } from '../../../models/store.ts';
import type { StepScore } from '../../../models/step-score.ts';
import { untrainedModel } from '../../support/go-series-model.ts';

const STEPS = 2600;
/** Before, inside and after the scoring chunks (1024 steps), each with a long gap after it. */
const CUTS = [150, 1100, 1500, 2200];

/** Random walks, noise, spikes, short and long gaps (one signal absent for a while). */
function randomSeries(seed: number): MultiSeries {
  const rng = new Rng(seed);
  const values = GO_SIGNALS.map((_, f) => {
    const column = new Float64Array(STEPS);
    let level = 100 * (f + 1);
    for (let t = 0; t < STEPS; t++) {
      level += rng.normal() * (f + 1);
      const spike = rng.next() < 0.01 ? 20 * (f + 1) * rng.uniform(2, 6) : 0;
      column[t] = level + (f + 1) * 3 * rng.normal() + spike;
      if (rng.next() < 0.02) column[t] = Number.NaN;
    }
    return column;
  });
  for (const column of values) {
    column.fill(Number.NaN, 1300, 1312); // a long gap of every signal
    column.fill(Number.NaN, 2300, 2303); // a short one
  }
  values[2]!.fill(Number.NaN, 1700, 1800); // one signal gone for a while
  values[5]!.fill(Number.NaN, 0, 400); // one that appears late
  return { startMs: Date.UTC(2026, 10, 16), stepSeconds: 15, features: GO_SIGNALS, values };
}

/** A simulated Go service with its normal events and injected anomalies, and a long outage. */
function simulated(seed: number): MultiSeries {
  const anomalies = planAnomalies({
    seed,
    kinds: ['goroutine_leak', 'gc_pause_spike', 'heap_growth', 'latency_shift'],
    fromStep: 200,
    toStep: STEPS,
    count: 2,
    minSpacingSteps: 600,
  });
  const { series } = generateGoSeries({
    seed,
    days: 1,
    anomalies,
    outages: [{ startStep: 1250, durationSteps: 20 }],
  });
  return sliceSeries(series, 0, STEPS);
}

async function scored(model: LoadedModel | null, series: MultiSeries): Promise<StepScore[]> {
  return new Detector({ model }).scoreSeries('k', series);
}

async function expectCausal(model: LoadedModel | null, series: MultiSeries): Promise<void> {
  const full = await scored(model, series);
  expect(full).toHaveLength(STEPS);
  for (const cut of CUTS) {
    const truncated = await scored(model, sliceSeries(series, 0, cut));
    expect(truncated, `cut at ${cut}`).toEqual(full.slice(0, cut));
  }
}

describe('causality: truncating the input leaves every earlier score unchanged', () => {
  it.each([
    ['random series', () => randomSeries(1)],
    ['simulated Go series', () => simulated(2)],
  ])('without a model: %s', async (_, make) => {
    await expectCausal(null, make());
  });

  it.each([
    ['random series', () => randomSeries(3)],
    ['simulated Go series', () => simulated(4)],
  ])('with a model: %s', async (_, make) => {
    const model = await untrainedModel({ window: 8 });
    try {
      const series = make();
      await expectCausal(model, series);
      // the model did score (not a vacuous comparison of online scores)
      const full = await scored(model, series);
      expect(full.filter((s) => s.method === 'lstm').length).toBeGreaterThan(STEPS / 2);
    } finally {
      model.forecaster.dispose();
    }
  });
});

describe('causality: streaming one step at a time equals scoring the history at once', () => {
  it('scoreBatch step by step over several series gives exactly the scoreSeries scores', async () => {
    const model = await untrainedModel({ window: 8 });
    try {
      const series = [randomSeries(5), simulated(6)];
      const keys = ['t/a/random', 't/a/simulated'];
      const detector = new Detector({ model });
      const streamed: StepScore[][] = keys.map(() => []);
      for (let t = 0; t < STEPS; t++) {
        const points = keys.map((key, i) => ({
          key,
          timestampMs: series[i]!.startMs + t * 15_000,
          values: series[i]!.values.map((c) => c[t] ?? Number.NaN),
        }));
        for (const s of await detector.scoreBatch(points)) streamed[keys.indexOf(s.key)]!.push(s);
      }
      for (const [i, key] of keys.entries()) {
        const atOnce = await new Detector({ model }).scoreSeries(key, series[i]!);
        expect(streamed[i], key).toEqual(atOnce);
      }
    } finally {
      model.forecaster.dispose();
    }
  });
});
