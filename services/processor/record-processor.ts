// The processing stage between decoding and storage. The redaction engine implements
// this interface; until it is plugged in, records pass through unchanged.
import type { ExportRequestBySignal, Signal } from '../../lib/otlp/types.ts';

export type ProcessResult<S extends Signal = Signal> =
  { ok: true; request: ExportRequestBySignal[S] } | { ok: false; error: Error };

export interface RecordProcessor {
  process<S extends Signal>(
    signal: S,
    request: ExportRequestBySignal[S],
  ): ProcessResult<S> | Promise<ProcessResult<S>>;
}

/** Hands every request on unchanged (redaction off). */
export const passThroughProcessor: RecordProcessor = {
  process: (_signal, request) => ({ ok: true, request }),
};
