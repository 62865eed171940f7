// TensorFlow.js backend selection: the native binding where it is installed, else WebAssembly,
// else the plain JS CPU backend. The choice is made once per process.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** The part of a pino logger used here; any pino Logger fits. */
export interface ModelLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

const TFJS_NODE = '@tensorflow/tfjs-node';
const TFJS_WASM = '@tensorflow/tfjs-backend-wasm';

let selected: Promise<BackendName> | null = null;

/**
 * Picks and initializes the fastest available backend and logs which one. Idempotent: later
 * calls return the first call's result without re-initializing (or logging) anything.
 */
export function selectBackend(log?: ModelLog): Promise<BackendName> {
  selected ??= initialize(log);
  return selected;
}

async function initialize(log?: ModelLog): Promise<BackendName> {
  const started = performance.now();
  const name = (await tryNative(log)) ?? (await tryWasm(log)) ?? (await useCpu());
  log?.info(
    { backend: name, tfjs: tf.version.tfjs, initMs: Math.round(performance.now() - started) },
    `tensorflow.js backend: ${name}`,
  );
  return name;
}

async function tryNative(log?: ModelLog): Promise<BackendName | null> {
  try {
    // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
    const specifier: string = TFJS_NODE;
    await import(specifier);
  } catch (error) {
    if (!isModuleNotFound(error)) {
      log?.warn({ err: describe(error) }, `${TFJS_NODE} is installed but failed to load`);
    }
    return null;
  }
  return (await tf.setBackend('tensorflow')) ? 'tensorflow' : null;
}

async function tryWasm(log?: ModelLog): Promise<BackendName | null> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the .wasm binaries are read from the package's dist folder, not fetched.
    wasm.setWasmPaths(wasmDistDir());
    return (await tf.setBackend('wasm')) ? 'wasm' : null;
  } catch (error) {
    log?.warn({ err: describe(error) }, 'wasm backend unavailable, falling back to cpu');
    return null;
  }
}

async function useCpu(): Promise<BackendName> {
  await tf.setBackend('cpu');
  return 'cpu';
}

/** The folder holding tfjs-backend-wasm*.wasm, with a trailing separator (a path prefix). */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve(TFJS_WASM)) + path.sep;
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
