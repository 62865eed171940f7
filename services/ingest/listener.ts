// What the gRPC and HTTP receivers share: their listener config, the
// counting of request outcomes, and a bounded wait used to drain calls on shutdown.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComponentStats } from '../../lib/component.ts';
import type { ExportOutcome } from './intake.ts';
import type { TlsKeyPair } from './tls.ts';

export interface ListenerConfig {
  /** host:port; port 0 picks a free port. */
  address: string;
  /** TLS certificate and key, or undefined for plaintext. */
  tls: TlsKeyPair | undefined;
  /** Seconds a client should wait before retrying after 429/503 (gRPC: RetryInfo). */
  retryAfterSeconds: number;
  /** How long shutdown waits for calls in progress before closing connections. */
  drainTimeoutMs: number;
}

/** Items received, sent on (acknowledged by Kafka) and dropped (rejected as invalid). */
export function countOutcome(counters: ComponentStats, outcome: ExportOutcome): void {
  const rejected = outcome.partial?.rejected ?? 0;
  counters.received += outcome.accepted + rejected;
  counters.sent += outcome.accepted;
  counters.dropped += rejected;
}

/** True when `work` settled within `timeoutMs`. */
export async function settledWithin(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  const ac = new AbortController();
  const timedOut = sleep(timeoutMs, false, { signal: ac.signal }).catch(() => false);
  try {
    return await Promise.race([work.then(settled, settled), timedOut]);
  } finally {
    ac.abort();
  }
}

const settled = (): boolean => true;
