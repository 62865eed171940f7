// Training writes what the detector needs to use a model (format 2): the input normalization,
// the validation error scale and the forecast skill per feature, and where its weights started;
// retraining can start from another model's weights.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildWindows,
  DEFAULT_INPUT_NORMALIZATION,
  prepareSeries,
  seriesLength,
  sliceSeries,
  trainingTargets,
  type MultiSeries,
} from '../../../models/features.ts';
import { generateGoSeries } from '../../../models/simulator/go-series.ts';
import { trainModel, type TrainResult } from '../../../models/train.ts';

const WINDOW = 8;
const series = new Map<string, MultiSeries>(
  [1, 2].map((seed) => [
    `t/s/pod-${seed}`,
    sliceSeries(generateGoSeries({ seed, days: 1 }).series, 0, 1500),
  ]),
);

let base: TrainResult;

beforeAll(async () => {
  base = await trainModel({ series, window: WINDOW, units: 4, epochs: 2, outDir: null });
}, 60_000);

afterAll(() => base.model.forecaster.dispose());

describe('trainModel metadata (format 2)', () => {
  it('stores the online input normalization, context signals and a fresh start', () => {
    const m = base.metadata;
    expect(m.format).toBe(2);
    expect(m.normalization).toEqual(DEFAULT_INPUT_NORMALIZATION);
    expect(m.contextSignals).toEqual(['request_rate']);
    expect(m.training.startedFrom).toBeNull();
    expect(m.trainingRange.series).toBe(2);
  });

  it('stores per feature the validation RMSE as error scale and the skill over the rolling median', async () => {
    // The validation windows, rebuilt: the last 15 % of each series, normalized online.
    const parts = [...series.values()].map((s) => {
      const prep = prepareSeries(s, DEFAULT_INPUT_NORMALIZATION);
      const length = seriesLength(s);
      const cut = Math.floor(length * 0.85);
      return { prep, targets: trainingTargets(prep, WINDOW, cut + WINDOW, length) };
    });
    const validation = buildWindows(parts, WINDOW);
    expect(validation.count).toBe(base.metadata.trainingRange.validationWindows);
    const predicted = await base.model.forecaster.predict(validation.x, validation.count);
    const F = validation.featureCount;
    base.metadata.features.forEach((name, f) => {
      let model = 0;
      let median = 0; // the rolling median forecasts 0 in normalized units
      for (let i = 0; i < validation.count; i++) {
        model += (predicted[i * F + f]! - validation.y[i * F + f]!) ** 2;
        median += validation.y[i * F + f]! ** 2;
      }
      const rmse = Math.sqrt(model / validation.count);
      expect(base.metadata.errorScale[f], name).toBeCloseTo(Math.max(rmse, 1e-3), 4);
      expect(base.metadata.validation.skillPerFeature[f], name).toBeCloseTo(1 - model / median, 4);
    });
  });
});

describe('trainModel from another model', () => {
  it('starts from its weights and names it', async () => {
    // With a learning rate of 0 the weights stay what they started from.
    const again = await trainModel({
      series,
      startFrom: base.model,
      learningRate: 0,
      epochs: 1,
      outDir: null,
    });
    try {
      expect(again.metadata.training.startedFrom).toBe(base.metadata.version);
      expect([again.metadata.window, again.metadata.units]).toEqual([WINDOW, 4]);
      const x = Float32Array.from({ length: 3 * WINDOW * 6 }, (_, i) => Math.sin(i));
      expect(Array.from(await again.model.forecaster.predict(x, 3))).toEqual(
        Array.from(await base.model.forecaster.predict(x, 3)),
      );
    } finally {
      again.model.forecaster.dispose();
    }
  });

  it('refuses a model of another shape', async () => {
    await expect(
      trainModel({ series, startFrom: base.model, units: 8, epochs: 1, outDir: null }),
    ).rejects.toThrow(/cannot start from/);
  });
});
