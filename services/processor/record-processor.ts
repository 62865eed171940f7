// The processing stage between decoding and storage, as the decode stage sees it. The
// redaction engine (lib/redaction, RedactionStage) implements it; the processor's
// builder always plugs it in, so there is no pass-through default to forget.
import type { ExportRequestBySignal, Signal } from '../../lib/otlp/types.ts';

export type ProcessResult<S extends Signal = Signal> =
  { ok: true; request: ExportRequestBySignal[S] } | { ok: false; error: Error };

export interface RecordProcessor {
  process<S extends Signal>(
    signal: S,
    request: ExportRequestBySignal[S],
  ): ProcessResult<S> | Promise<ProcessResult<S>>;
}
