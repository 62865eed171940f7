// Bounds the memory the ingest spends on requests in progress: a request is admitted only
// while fewer than maxInFlightRequests are being handled, and its decompressed bytes are
// counted as they arrive, so a burst or a slow Kafka turns into 429s, not into heap growth.
import { TelepipeError } from '../../lib/errors.ts';

export interface InFlightLimits {
  maxInFlightBytes: number;
  maxInFlightRequests: number;
}

/** One admitted request's share of the budget; release it exactly when the request ends. */
export interface Lease {
  /** Counts `bytes` more; throws when the budget is exhausted. */
  grow(bytes: number): void;
  release(): void;
}

export class InFlightLimiter {
  private bytes = 0;
  private requests = 0;

  constructor(private readonly limits: InFlightLimits) {}

  usage(): { bytes: number; requests: number } {
    return { bytes: this.bytes, requests: this.requests };
  }

  /** Admits one request or throws resource_exhausted (→ 429 / RESOURCE_EXHAUSTED). */
  admit(): Lease {
    if (this.requests >= this.limits.maxInFlightRequests) {
      throw new TelepipeError(
        'resource_exhausted',
        `too many requests in progress (ingest.limits.maxInFlightRequests=${this.limits.maxInFlightRequests}); retry later`,
      );
    }
    this.requests += 1;
    let held = 0;
    let released = false;
    return {
      grow: (bytes) => {
        if (held + bytes > this.limits.maxInFlightBytes) {
          // Waiting would not help: this request alone is bigger than the whole budget.
          throw new TelepipeError(
            'payload_too_large',
            `request needs more than ingest.limits.maxInFlightBytes=${this.limits.maxInFlightBytes} bytes`,
          );
        }
        if (this.bytes + bytes > this.limits.maxInFlightBytes) {
          throw new TelepipeError(
            'resource_exhausted',
            `too many bytes in progress (ingest.limits.maxInFlightBytes=${this.limits.maxInFlightBytes}); retry later`,
          );
        }
        this.bytes += bytes;
        held += bytes;
      },
      release: () => {
        if (released) return;
        released = true;
        this.bytes -= held;
        this.requests -= 1;
      },
    };
  }
}
