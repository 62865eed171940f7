// The processor's redaction step. It never fails open: any error while redacting becomes
// `{ ok: false }`, and the processor then sends the record to the dead-letter topic
// instead of storage. With `enabled: false` it passes requests through untouched.
import type { RedactionConfig } from '../config/sections/redaction.ts';
import { TelepipeError } from '../errors.ts';
import type { ExportRequestBySignal, Signal } from '../otlp/types.ts';
import { loadKeyring, type Keyring } from './keyring.ts';
import { Redactor, type RedactorOptions } from './redactor.ts';
import { Tally } from './tally.ts';
import type { PiiType, RedactionSummary } from './types.ts';

export type StageResult<S extends Signal> =
  | { ok: true; request: ExportRequestBySignal[S]; summary: RedactionSummary }
  | { ok: false; error: TelepipeError };

export interface RedactionStageOptions extends RedactorOptions {
  /** Use this keyring instead of loading the configured one. */
  keyring?: Keyring;
  /** Where the keyring's environment variable is read (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

const NOTHING_REDACTED: RedactionSummary = Object.freeze({ redacted: false, counts: {} });

export class RedactionStage {
  readonly enabled: boolean;
  private readonly redactor: Redactor | undefined;
  private failureCount = 0;

  /** Throws (a `config` TelepipeError) when a configured keyring cannot be loaded. */
  constructor(config: RedactionConfig, options: RedactionStageOptions = {}) {
    this.enabled = config.enabled;
    this.redactor = config.enabled
      ? new Redactor(config, options.keyring ?? loadKeyring(config.keyring, options.env), options)
      : undefined;
  }

  /**
   * Redacts `request` in place. On `ok: false` the request may be half-redacted: do not
   * store it; dead-letter the original record.
   */
  process<S extends Signal>(signal: S, request: ExportRequestBySignal[S]): StageResult<S> {
    if (!this.redactor) return { ok: true, request, summary: NOTHING_REDACTED };
    try {
      return { ok: true, request, summary: this.redactor.redactRequest(signal, request) };
    } catch (err) {
      this.failureCount++;
      const reason = err instanceof Error ? err.message : String(err);
      return {
        ok: false,
        error: new TelepipeError('internal', `redaction failed, record not stored: ${reason}`, {
          cause: err,
        }),
      };
    }
  }

  /** Cumulative redactions by type (all zero when disabled). */
  countsByType(): Record<PiiType, number> {
    return this.redactor?.countsByType() ?? new Tally().toFullCounts();
  }

  /** Requests that failed redaction since start. */
  get failures(): number {
    return this.failureCount;
  }

  get warnings(): readonly string[] {
    return this.redactor?.warnings ?? [];
  }
}
