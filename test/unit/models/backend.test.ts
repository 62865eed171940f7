import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { selectBackend, wasmDistDir } from '../../../models/backend.ts';

describe('selectBackend', () => {
  it('picks wasm here (no tfjs-node), logs the choice once, and is idempotent', async () => {
    const log = { info: vi.fn(), warn: vi.fn() };
    const first = await selectBackend(log);
    expect(first).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(log.info).toHaveBeenCalledTimes(1);
    expect(log.info.mock.calls[0]?.[0]).toMatchObject({ backend: 'wasm' });
    // tfjs-node is absent, which is expected and not worth a warning
    expect(log.warn).not.toHaveBeenCalled();

    const again = await selectBackend(log);
    expect(again).toBe('wasm');
    expect(log.info).toHaveBeenCalledTimes(1);
  });

  it('points the wasm backend at the package dist folder', () => {
    const dir = wasmDistDir();
    expect(dir.endsWith(path.sep)).toBe(true);
    expect(existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
  });

  it('runs kernels on the selected backend', async () => {
    await selectBackend();
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])));
    expect(Array.from(await sum.data())).toEqual([4, 6]);
    sum.dispose();
  });
});
