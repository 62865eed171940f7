// telepipe's configuration: one YAML file (path from --config or TELEPIPE_CONFIG) plus
// environment overrides, validated at start. With no file at all the defaults run
// against the local stack. Reference: docs/configuration.md.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { TelepipeError } from '../errors.ts';
import {
  alertmanagerSchema,
  clickhouseSchema,
  kafkaSchema,
  logSchema,
  telemetrySchema,
} from './sections/common.ts';
import { ingestSchema } from './sections/ingest.ts';
import { processorSchema } from './sections/processor.ts';
import { redactionSchema } from './sections/redaction.ts';
import { stackSchema } from './sections/stack.ts';
import { workerSchema } from './sections/worker.ts';

export const configSchema = z
  .object({
    log: logSchema,
    telemetry: telemetrySchema,
    kafka: kafkaSchema,
    clickhouse: clickhouseSchema,
    alertmanager: alertmanagerSchema,
    ingest: ingestSchema,
    processor: processorSchema,
    redaction: redactionSchema,
    worker: workerSchema,
    stack: stackSchema,
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

/** Prefix of environment overrides; `__` separates nesting: TELEPIPE_KAFKA__BROKERS=a:9092,b:9092. */
export const ENV_PREFIX = 'TELEPIPE_';

export interface LoadConfigOptions {
  path?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const path = options.path ?? env.TELEPIPE_CONFIG;
  const fromFile = path ? readConfigFile(path) : {};
  const merged = applyEnvOverrides(fromFile, env);
  return parseConfig(merged, path ?? 'defaults');
}

/** Validates a raw config object; the error names every bad key and what was expected. */
export function parseConfig(raw: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `  - ${issuePath(issue.path)}: ${issue.message}`,
  );
  throw new TelepipeError('config', `invalid configuration (${source}):\n${problems.join('\n')}`);
}

function issuePath(path: PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TelepipeError(
      'config',
      `cannot read config file ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new TelepipeError(
      'config',
      `config file ${path} is not valid YAML: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (parsed == null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TelepipeError(
      'config',
      `config file ${path} must hold a YAML mapping at the top level`,
    );
  }
  return parsed as Record<string, unknown>;
}

/**
 * TELEPIPE_A__B_C=value sets a.bC: sections and keys are separated by `__`, and
 * snake_case env words become the camelCase keys of the file (or the snake_case key
 * itself where the defaults have one, e.g. worker.signals.gc_pause_p99). Values are read
 * as YAML scalars, so numbers and booleans keep their types.
 */
export function applyEnvOverrides(
  base: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  const out = structuredClone(base);
  const defaults: unknown = configSchema.parse({});
  for (const [name, value] of Object.entries(env)) {
    // Every key lives in a section, so an override always has `__`; other TELEPIPE_*
    // variables (e.g. Kubernetes service links like TELEPIPE_INGEST_PORT) are not ours.
    if (!name.startsWith(ENV_PREFIX) || !name.includes('__') || value === undefined) continue;
    const words = name.slice(ENV_PREFIX.length).split('__');
    setPath(out, keysForEnvWords(words, defaults), parseScalar(value));
  }
  return out;
}

function keysForEnvWords(words: string[], defaults: unknown): string[] {
  let node = defaults;
  return words.map((word) => {
    const snake = word.toLowerCase();
    const camel = snake.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    const known =
      node !== null && typeof node === 'object' ? (node as Record<string, unknown>) : {};
    const key = snake in known ? snake : camel;
    node = known[key];
    return key;
  });
}

function parseScalar(value: string): unknown {
  try {
    const parsed: unknown = parseYaml(value);
    return parsed === null ? value : parsed;
  } catch {
    return value;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  path.slice(0, -1).forEach((key) => {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  });
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}
