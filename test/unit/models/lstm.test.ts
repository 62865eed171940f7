import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../models/backend.ts';
import type { WindowSet } from '../../../models/features.ts';
import { LstmForecaster, type FitProgress } from '../../../models/lstm.ts';

/** Two phase-shifted sines: the next step is predictable from the window. */
function sineWindows(count: number, window: number, offset: number): WindowSet {
  const F = 2;
  const x = new Float32Array(count * window * F);
  const y = new Float32Array(count * F);
  for (let i = 0; i < count; i++) {
    const start = (i + offset) * 0.37;
    for (let k = 0; k <= window; k++) {
      const a = Math.sin(start + k * 0.3);
      const b = Math.cos(start * 0.5 + k * 0.15);
      if (k < window) x.set([a, b], (i * window + k) * F);
      else y.set([a, b], i * F);
    }
  }
  return { count, window, featureCount: F, x, y };
}

describe('LstmForecaster', () => {
  it('fast batched inference matches LayersModel.predict', async () => {
    await selectBackend();
    const forecaster = LstmForecaster.create({
      features: ['a', 'b', 'c'],
      window: 12,
      units: 8,
      learningRate: 0.01,
      seed: 5,
    });
    const x = tf.randomUniform([70, 12, 3], -2, 2, 'float32', 9);
    const reference = forecaster.model.predict(x) as tf.Tensor;
    const expected = await reference.data();
    // a chunk smaller than the batch exercises the chunking too
    const fast = await forecaster.predict((await x.data()) as Float32Array, 70, 32);
    expect(fast.length).toBe(70 * 3);
    for (let i = 0; i < fast.length; i++) expect(fast[i]).toBeCloseTo(expected[i]!, 5);
    tf.dispose([x, reference]);
    forecaster.dispose();
  });

  it('learns, reports progress, and keeps the weights of the best validation epoch', async () => {
    await selectBackend();
    const forecaster = LstmForecaster.create({
      features: ['a', 'b'],
      window: 10,
      units: 8,
      learningRate: 0.02,
      seed: 1,
    });
    const train = sineWindows(600, 10, 0);
    const validation = sineWindows(120, 10, 5000);
    const initial = (await forecaster.evaluate(validation)).mse;
    const progress: FitProgress[] = [];
    const result = await forecaster.fit(train, validation, {
      epochs: 6,
      batchSize: 64,
      patience: 2,
      onProgress: (p) => progress.push(p),
    });
    expect(result.bestValLoss).toBeLessThan(initial * 0.5);
    // restored weights are those of the best epoch
    expect((await forecaster.evaluate(validation)).mse).toBeCloseTo(result.bestValLoss, 6);
    const epochEnds = progress.filter((p) => p.phase === 'epoch');
    expect(epochEnds).toHaveLength(result.epochsRun);
    expect(epochEnds.every((p) => p.valLoss !== null)).toBe(true);
    const batches = progress.filter((p) => p.phase === 'batch');
    expect(batches.length).toBe(result.epochsRun * Math.ceil(600 / 64));
    const fractions = progress.map((p) => p.fraction);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true);
    expect(fractions.at(-1)).toBeLessThanOrEqual(1);
    forecaster.dispose();
  });

  it('stops early once validation stops improving', async () => {
    await selectBackend();
    const forecaster = LstmForecaster.create({
      features: ['a', 'b'],
      window: 10,
      units: 4,
      learningRate: 0.05,
      seed: 2,
    });
    // validation targets are noise: after the first epochs it cannot keep improving
    const validation = sineWindows(100, 10, 7000);
    let s = 7;
    validation.y = validation.y.map(() => {
      s = (s * 16807) % 2147483647;
      return (s / 2147483647) * 6 - 3;
    });
    const result = await forecaster.fit(sineWindows(300, 10, 0), validation, {
      epochs: 30,
      batchSize: 64,
      patience: 1,
    });
    expect(result.epochsRun).toBeLessThan(30);
    expect(result.epochsRun - 1 - result.bestEpoch).toBe(1);
    forecaster.dispose();
  });

  it('does not leak tensors across predictions', async () => {
    await selectBackend();
    const forecaster = LstmForecaster.create({
      features: ['a'],
      window: 6,
      units: 4,
      learningRate: 0.01,
      seed: 1,
    });
    await forecaster.predict(new Float32Array(6 * 10), 10);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await forecaster.predict(new Float32Array(6 * 10), 10);
    expect(tf.memory().numTensors).toBe(before);
    forecaster.dispose();
  });
});
