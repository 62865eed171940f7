// `telepipe redact [--json]` and `telepipe reveal <value>`, as functions over streams that
// return an exit code, so the CLI wires them in one line each and tests call them directly.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { loadConfig } from '../config/index.ts';
import type { RedactionConfig } from '../config/sections/redaction.ts';
import { decodeJsonRequest, encodeJsonRequest } from '../otlp/codec.ts';
import type { Signal } from '../otlp/types.ts';
import { ENCRYPTED_VALUE, loadKeyring } from './keyring.ts';
import { Redactor } from './redactor.ts';

export interface RedactCommandOptions {
  /** Each line is a JSON value (OTLP/JSON requests are recognised) instead of plain text. */
  json: boolean;
  /** Config file (default: $TELEPIPE_CONFIG, else the built-in defaults). */
  configPath?: string;
  /** The redaction section to use instead of loading the config. */
  config?: RedactionConfig;
  env?: NodeJS.ProcessEnv;
  stdin: Readable;
  stdout: Writable;
  stderr?: Writable;
}

/**
 * Redacts stdin line by line to stdout. A line that cannot be processed is reported on
 * stderr and left out of the output (never echoed); the exit code is then 1. The
 * `enabled` switch is for the processor only: this command always redacts.
 */
export async function runRedactCommand(options: RedactCommandOptions): Promise<number> {
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  const config = options.config ?? loadConfig({ path: options.configPath, env }).redaction;
  const redactor = new Redactor(config, loadKeyring(config.keyring, env), {
    onWarning: (message) => stderr.write(`telepipe redact: warning: ${message}\n`),
  });
  let lineNumber = 0;
  let failures = 0;
  for await (const line of createInterface({ input: options.stdin, crlfDelay: Infinity })) {
    lineNumber++;
    let redacted: string;
    try {
      redacted = options.json ? redactJsonLine(redactor, line) : redactor.redactText(line).text;
    } catch (err) {
      failures++;
      stderr.write(`telepipe redact: line ${lineNumber} skipped: ${errorMessage(err)}\n`);
      continue;
    }
    await writeLine(options.stdout, redacted);
  }
  return failures > 0 ? 1 : 0;
}

function redactJsonLine(redactor: Redactor, line: string): string {
  if (line.trim() === '') return line;
  const parsed: unknown = JSON.parse(line);
  const signal = otlpSignalOf(parsed);
  if (!signal) return JSON.stringify(redactor.redactJson(parsed).value);
  const request = decodeJsonRequest(signal, line);
  redactor.redactRequest(signal, request);
  return encodeJsonRequest(signal, request);
}

const SIGNAL_FIELDS: [string, Signal][] = [
  ['resourceLogs', 'logs'],
  ['resourceSpans', 'traces'],
  ['resourceMetrics', 'metrics'],
];

/** The signal of an OTLP/JSON Export*ServiceRequest, by its top-level field. */
function otlpSignalOf(value: unknown): Signal | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return SIGNAL_FIELDS.find(([field]) => field in value)?.[1];
}

export interface RevealCommandOptions {
  /** An `enc:v1:` value, or text containing some: each is replaced by its plaintext. */
  value: string;
  /** Keyring file; default: the keyring the config names (file or environment variable). */
  keyringPath?: string;
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  stdout?: Writable;
  stderr?: Writable;
}

/** Decrypts `enc:v1:` values. Exit code 0, 1 (nothing to decrypt or it fails), 2 (no keyring). */
export async function runRevealCommand(options: RevealCommandOptions): Promise<number> {
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  const settings = options.keyringPath
    ? { path: options.keyringPath, env: '' }
    : loadConfig({ path: options.configPath, env }).redaction.keyring;
  const keyring = loadKeyring(settings, env);
  if (!keyring) {
    stderr.write('telepipe reveal: no keyring configured (redaction.keyring.path or its env)\n');
    return 2;
  }
  if (!new RegExp(ENCRYPTED_VALUE.source).test(options.value)) {
    stderr.write('telepipe reveal: no enc:v1:<keyId>:<base64> value given\n');
    return 1;
  }
  let revealed: string;
  try {
    revealed = options.value.replace(ENCRYPTED_VALUE, (token) => keyring.decrypt(token));
  } catch (err) {
    stderr.write(`telepipe reveal: ${errorMessage(err)}\n`);
    return 1;
  }
  await writeLine(options.stdout ?? process.stdout, revealed);
  return 0;
}

async function writeLine(stream: Writable, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await once(stream, 'drain');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
