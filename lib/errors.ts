// One error type for the whole pipeline. Every error is classified where it arises:
// `permanent` errors are bad input and are never retried; `retryable` errors mean a
// dependency is down or slow, so the caller retries (and the client gets backpressure).
// Mapping to OTLP status codes happens once, at the receivers' edge.

export type ErrorKind = 'permanent' | 'retryable';

/** What went wrong, precise enough for a receiver to pick the protocol status. */
export type ErrorReason =
  | 'invalid_argument' // malformed or empty payload
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'resource_exhausted' // our own in-flight limit
  | 'unauthenticated'
  | 'not_found'
  | 'unavailable' // a dependency (Kafka, ClickHouse, Alertmanager) is down or slow
  | 'config' // bad configuration
  | 'schema' // storage schema missing or unknown
  | 'internal';

export class TelepipeError extends Error {
  readonly kind: ErrorKind;
  readonly reason: ErrorReason;

  constructor(reason: ErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TelepipeError';
    this.reason = reason;
    this.kind =
      reason === 'unavailable' || reason === 'resource_exhausted' ? 'retryable' : 'permanent';
  }

  get retryable(): boolean {
    return this.kind === 'retryable';
  }
}

export const invalidArgument = (message: string, cause?: unknown): TelepipeError =>
  new TelepipeError('invalid_argument', message, { cause });

export const unavailable = (message: string, cause?: unknown): TelepipeError =>
  new TelepipeError('unavailable', message, { cause });

/** Wraps anything thrown into a TelepipeError, keeping the original as `cause`. */
export function asTelepipeError(err: unknown, fallback: ErrorReason = 'internal'): TelepipeError {
  if (err instanceof TelepipeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TelepipeError(fallback, message, { cause: err });
}
