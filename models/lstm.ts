// A small LSTM forecaster: a window of normalized multivariate steps in, the next step of every
// feature out. Training uses tfjs-layers; inference runs a hand-unrolled graph over the same
// weights (fused matmuls with the gate activations folded in), which is ~3x faster than
// LayersModel.predict on the wasm backend because it issues about half as many kernels per step.
import * as tf from '@tensorflow/tfjs';
import type { WindowSet } from './features.ts';

export interface LstmConfig {
  features: readonly string[];
  window: number;
  units: number;
  learningRate: number;
  seed: number;
}

export const DEFAULT_LSTM_CONFIG: Omit<LstmConfig, 'features'> = {
  window: 32,
  units: 16,
  learningRate: 0.004,
  seed: 7,
};

export interface FitProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batchesPerEpoch: number;
  /** Training loss of the last batch (or epoch mean at epoch end). */
  loss: number;
  /** Validation loss, known at epoch end. */
  valLoss: number | null;
  /** Share of the planned work done, 0..1 (for a progress bar). */
  fraction: number;
  elapsedMs: number;
  phase: 'batch' | 'epoch';
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  /** Stop after this many epochs without a better validation loss; the best weights are kept. */
  patience: number;
  onProgress?: (progress: FitProgress) => void;
}

export interface FitResult {
  epochsRun: number;
  bestEpoch: number;
  bestValLoss: number;
  history: Array<{ epoch: number; loss: number; valLoss: number }>;
  durationMs: number;
}

/** Per-gate weights for the unrolled inference graph, refreshed whenever the weights change. */
interface InferenceWeights {
  /** [F + U, U] each, gate order i, f, c, o (the tfjs-layers order). */
  gateKernels: tf.Tensor2D[];
  gateBiases: tf.Tensor1D[];
  denseKernel: tf.Tensor2D;
  denseBias: tf.Tensor1D;
}

const PREDICT_CHUNK = 1024;

export class LstmForecaster {
  private inference: InferenceWeights | null = null;

  private constructor(
    readonly model: tf.LayersModel,
    readonly config: LstmConfig,
  ) {
    this.compile();
  }

  static create(config: LstmConfig): LstmForecaster {
    const featureCount = config.features.length;
    const model = tf.sequential({ name: 'lstm_forecaster' });
    model.add(
      tf.layers.lstm({
        units: config.units,
        inputShape: [config.window, featureCount],
        // Plain sigmoid (the tfjs default is hardSigmoid) so the fused inference matches exactly.
        recurrentActivation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotUniform({ seed: config.seed }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: config.seed + 1 }),
        unitForgetBias: true,
      }),
    );
    model.add(
      tf.layers.dense({
        units: featureCount,
        kernelInitializer: tf.initializers.glorotUniform({ seed: config.seed + 2 }),
      }),
    );
    return new LstmForecaster(model, config);
  }

  static fromModel(model: tf.LayersModel, config: LstmConfig): LstmForecaster {
    const input = model.inputs[0]?.shape;
    if (input?.[1] !== config.window || input[2] !== config.features.length) {
      throw new Error(
        `model input ${JSON.stringify(input)} does not match window ${config.window} × ${config.features.length} features`,
      );
    }
    return new LstmForecaster(model, config);
  }

  get featureCount(): number {
    return this.config.features.length;
  }

  private compile(): void {
    this.model.compile({
      optimizer: tf.train.adam(this.config.learningRate),
      loss: 'meanSquaredError',
    });
  }

  /**
   * Trains on `train`, evaluating `validation` after each epoch; stops early after `patience`
   * epochs without improvement and restores the best weights. Batches are shuffled with a
   * seeded permutation so a run is reproducible.
   */
  async fit(train: WindowSet, validation: WindowSet, options: FitOptions): Promise<FitResult> {
    const started = performance.now();
    const batchesPerEpoch = Math.ceil(train.count / options.batchSize);
    const history: FitResult['history'] = [];
    const random = seededRandom(this.config.seed);
    let best = { epoch: -1, valLoss: Number.POSITIVE_INFINITY, weights: [] as tf.Tensor[] };
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const loss = await this.fitEpoch(train, options, random, (batch, batchLoss) =>
        options.onProgress?.({
          epoch,
          epochs: options.epochs,
          batch,
          batchesPerEpoch,
          loss: batchLoss,
          valLoss: null,
          fraction: (epoch + (batch + 1) / batchesPerEpoch) / options.epochs,
          elapsedMs: performance.now() - started,
          phase: 'batch',
        }),
      );
      this.invalidateInference();
      const valLoss = (await this.evaluate(validation)).mse;
      history.push({ epoch, loss, valLoss });
      options.onProgress?.({
        epoch,
        epochs: options.epochs,
        batch: batchesPerEpoch - 1,
        batchesPerEpoch,
        loss,
        valLoss,
        fraction: (epoch + 1) / options.epochs,
        elapsedMs: performance.now() - started,
        phase: 'epoch',
      });
      if (valLoss < best.valLoss) {
        tf.dispose(best.weights);
        best = { epoch, valLoss, weights: this.model.getWeights().map((w) => w.clone()) };
      } else if (epoch - best.epoch >= options.patience) break;
    }
    if (best.weights.length > 0) {
      this.model.setWeights(best.weights);
      tf.dispose(best.weights);
      this.invalidateInference();
    }
    return {
      epochsRun: history.length,
      bestEpoch: best.epoch,
      bestValLoss: best.valLoss,
      history,
      durationMs: performance.now() - started,
    };
  }

  private async fitEpoch(
    train: WindowSet,
    options: FitOptions,
    random: () => number,
    onBatch: (batch: number, loss: number) => void,
  ): Promise<number> {
    const order = shuffledIndices(train.count, random);
    const xs = gatherRows(train.x, order, train.window * train.featureCount);
    const ys = gatherRows(train.y, order, train.featureCount);
    const x = tf.tensor3d(xs, [train.count, train.window, train.featureCount]);
    const y = tf.tensor2d(ys, [train.count, train.featureCount]);
    try {
      const result = await this.model.fit(x, y, {
        epochs: 1,
        batchSize: options.batchSize,
        shuffle: false,
        verbose: 0,
        callbacks: {
          onBatchEnd: (batch, logs) => onBatch(batch, Number(logs?.['loss'] ?? Number.NaN)),
        },
      });
      return Number(result.history['loss']?.[0] ?? Number.NaN);
    } finally {
      tf.dispose([x, y]);
    }
  }

  /** Mean squared error overall and root mean squared error per feature on a window set. */
  async evaluate(set: WindowSet): Promise<{ mse: number; rmsePerFeature: number[] }> {
    const predicted = await this.predict(set.x, set.count);
    const F = set.featureCount;
    const sumSq = new Float64Array(F);
    for (let i = 0; i < set.count * F; i++) {
      const d = (predicted[i] ?? 0) - (set.y[i] ?? 0);
      sumSq[i % F] = (sumSq[i % F] ?? 0) + d * d;
    }
    const perFeature = [...sumSq].map((s) => s / Math.max(1, set.count));
    const mse = perFeature.reduce((a, b) => a + b, 0) / Math.max(1, F);
    return { mse, rmsePerFeature: perFeature.map(Math.sqrt) };
  }

  /**
   * Forecasts the next step for `count` windows laid out as [count, window, F] (normalized).
   * Returns [count, F]. Runs in chunks so memory stays bounded whatever the batch.
   */
  async predict(x: Float32Array, count: number, chunk = PREDICT_CHUNK): Promise<Float32Array> {
    const F = this.featureCount;
    const W = this.config.window;
    const out = new Float32Array(count * F);
    const weights = this.inferenceWeights();
    for (let start = 0; start < count; start += chunk) {
      const n = Math.min(chunk, count - start);
      const input = tf.tensor3d(x.subarray(start * W * F, (start + n) * W * F), [n, W, F]);
      const forecast = forward(input, weights, this.config.units);
      try {
        out.set(await forecast.data<'float32'>(), start * F);
      } finally {
        tf.dispose([input, forecast]);
      }
    }
    return out;
  }

  /** Starts from another forecaster's weights (same window, units and features). */
  copyWeightsFrom(other: LstmForecaster): void {
    const { window, units, features } = other.config;
    if (
      window !== this.config.window ||
      units !== this.config.units ||
      features.join(',') !== this.config.features.join(',')
    ) {
      throw new Error(
        `cannot start from a model with window ${window}, ${units} units and features ${features.join(',')}: this one has window ${this.config.window}, ${this.config.units} units and features ${this.config.features.join(',')}`,
      );
    }
    const weights = other.model.getWeights().map((w) => w.clone());
    this.model.setWeights(weights);
    tf.dispose(weights);
    this.invalidateInference();
  }

  private inferenceWeights(): InferenceWeights {
    this.inference ??= extractInferenceWeights(this.model, this.config.units);
    return this.inference;
  }

  private invalidateInference(): void {
    if (!this.inference) return;
    const w = this.inference;
    tf.dispose([...w.gateKernels, ...w.gateBiases, w.denseKernel, w.denseBias]);
    this.inference = null;
  }

  dispose(): void {
    this.invalidateInference();
    this.model.dispose();
  }
}

function extractInferenceWeights(model: tf.LayersModel, units: number): InferenceWeights {
  return tf.tidy(() => {
    const [kernel, recurrent, bias] = requireWeights(model.layers[0], 3) as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor1D,
    ];
    const [denseKernel, denseBias] = requireWeights(model.layers[1], 2) as [
      tf.Tensor2D,
      tf.Tensor1D,
    ];
    const stacked = tf.concat([kernel, recurrent], 0);
    const gateKernels = tf.split<tf.Tensor2D>(stacked, 4, 1);
    const gateBiases = tf.split<tf.Tensor1D>(bias, 4, 0);
    if (gateKernels[0]?.shape[1] !== units) throw new Error('unexpected LSTM weight layout');
    return {
      gateKernels,
      gateBiases,
      denseKernel: denseKernel.clone(),
      denseBias: denseBias.clone(),
    };
  });
}

function requireWeights(layer: tf.layers.Layer | undefined, n: number): tf.Tensor[] {
  const weights = layer?.getWeights() ?? [];
  if (weights.length !== n) throw new Error(`expected ${n} weights on ${layer?.name ?? 'layer'}`);
  return weights;
}

/**
 * One LSTM layer + dense head, unrolled over time: per step 4 fused matmuls (gate activations
 * folded in) and 6 elementwise ops. Each step runs in its own tidy so only the running state
 * (h, c) outlives it, which keeps the wasm heap small for large batches.
 */
function forward(input: tf.Tensor3D, w: InferenceWeights, units: number): tf.Tensor2D {
  const batch = input.shape[0];
  const steps = tf.unstack(input, 1) as tf.Tensor2D[];
  const [ki, kf, kc, ko] = w.gateKernels as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const [bi, bf, bc, bo] = w.gateBiases as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  let h = tf.zeros<tf.Rank.R2>([batch, units]);
  let c = tf.zeros<tf.Rank.R2>([batch, units]);
  for (const xt of steps) {
    const [nextH, nextC] = tf.tidy(() => {
      const xh = tf.concat([xt, h], 1);
      const i = tf.fused.matMul({ a: xh, b: ki, bias: bi, activation: 'sigmoid' });
      const f = tf.fused.matMul({ a: xh, b: kf, bias: bf, activation: 'sigmoid' });
      const g = tf.tanh(tf.fused.matMul({ a: xh, b: kc, bias: bc }));
      const o = tf.fused.matMul({ a: xh, b: ko, bias: bo, activation: 'sigmoid' });
      const cell = tf.add<tf.Tensor2D>(tf.mul(f, c), tf.mul(i, g));
      return [tf.mul<tf.Tensor2D>(o, tf.tanh(cell)), cell];
    });
    tf.dispose([h, c, xt]);
    h = nextH;
    c = nextC;
  }
  const out = tf.fused.matMul({ a: h, b: w.denseKernel, bias: w.denseBias }) as tf.Tensor2D;
  tf.dispose([h, c]);
  return out;
}

/** Deterministic PRNG (mulberry32) for shuffling. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffledIndices(n: number, random: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = order[i] ?? 0;
    order[i] = order[j] ?? 0;
    order[j] = tmp;
  }
  return order;
}

function gatherRows(source: Float32Array, order: Int32Array, rowSize: number): Float32Array {
  const out = new Float32Array(order.length * rowSize);
  for (let i = 0; i < order.length; i++) {
    const from = (order[i] ?? 0) * rowSize;
    out.set(source.subarray(from, from + rowSize), i * rowSize);
  }
  return out;
}
