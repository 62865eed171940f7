// Training and scoring normalize the model's input the same way: the windows the detector feeds
// the forecaster are exactly the windows prepareSeries/buildWindows build for training at the same
// target steps (each signal in robust-z units of its rolling median and scale at that step).
import { describe, expect, it } from 'vitest';
import { Detector } from '../../../models/detector.ts';
import {
  buildWindows,
  DEFAULT_GAP_POLICY,
  DEFAULT_INPUT_NORMALIZATION,
  prepareSeries,
  sliceSeries,
  trainingTargets,
} from '../../../models/features.ts';
import { generateGoSeries } from '../../../models/simulator/go-series.ts';
import type { LoadedModel } from '../../../models/store.ts';
import { untrainedModel } from '../../support/go-series-model.ts';

const WINDOW = 8;

/** Records every window the detector asks the model to forecast, and the forecast, in order. */
function recordInputs(model: LoadedModel): Array<{ x: Float32Array; y: Float32Array }> {
  const seen: Array<{ x: Float32Array; y: Float32Array }> = [];
  const predict = model.forecaster.predict.bind(model.forecaster);
  model.forecaster.predict = async (x: Float32Array, count: number, chunk?: number) => {
    const F = model.metadata.features.length;
    const out = await predict(x, count, chunk);
    for (let i = 0; i < count; i++) {
      seen.push({
        x: x.slice(i * WINDOW * F, (i + 1) * WINDOW * F),
        y: out.slice(i * F, (i + 1) * F),
      });
    }
    return out;
  };
  return seen;
}

describe('model input', () => {
  it('is what buildWindows builds for training, at every usable target step', async () => {
    const { series: full } = generateGoSeries({
      seed: 31,
      days: 1,
      outages: [{ startStep: 700, durationSteps: 12 }],
    });
    const series = sliceSeries(full, 0, 1500);
    // a spike so large it is clipped, a short gap, and a signal that appears late
    series.values[0]![400] = 1e7;
    series.values[3]!.fill(Number.NaN, 900, 902);
    series.values[4]!.fill(Number.NaN, 0, 300);
    const model = await untrainedModel({ window: WINDOW });
    const inputs = recordInputs(model);
    const scores = await new Detector({ model }).scoreSeries('k', series, 256);

    const forecast = scores.flatMap((s, t) => (s.method === 'lstm' ? [t] : []));
    expect(inputs).toHaveLength(forecast.length);
    const inputAt = new Map(forecast.map((t, i) => [t, inputs[i]!]));

    const prep = prepareSeries(series, DEFAULT_INPUT_NORMALIZATION, DEFAULT_GAP_POLICY);
    const targets = trainingTargets(prep, WINDOW);
    expect(targets.length).toBeGreaterThan(1000);
    const training = buildWindows([{ prep, targets }], WINDOW);
    const size = WINDOW * series.features.length;
    let clipped = 0;
    targets.forEach((t, i) => {
      const fed = inputAt.get(t);
      expect(fed, `step ${t} was forecast`).toBeDefined();
      const built = training.x.subarray(i * size, (i + 1) * size);
      expect(Array.from(fed!.x), `step ${t}`).toEqual(Array.from(built));
      if (built.includes(10)) clipped++;
    });
    expect(clipped).toBeGreaterThan(0); // the spike's windows, clipped alike
    // and the forecast is read back with the same baseline: forecast = predicted · scale + median
    const F = series.features.length;
    for (const t of targets.filter((_, i) => i % 97 === 0)) {
      const predicted = inputAt.get(t)!.y;
      series.features.forEach((name, f) => {
        const expected = predicted[f]! * prep.scale[t * F + f]! + prep.median[t * F + f]!;
        expect(scores[t]!.forecast[name], `${name} at ${t}`).toBeCloseTo(expected, 6);
      });
    }
    model.forecaster.dispose();
  });
});
