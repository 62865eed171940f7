// Reliable alert delivery to every Alertmanager of an HA cluster (each one must receive every
// alert; the cluster deduplicates notifications). Per Alertmanager the outbox keeps the latest
// state of each alert until that Alertmanager accepted it: a firing alert is re-sent every
// `resendIntervalMs` with endsAt pushed `expireAfterMs` ahead, a resolved one once with its
// endsAt in the past. A failing Alertmanager is retried with exponential backoff while the
// others carry on; nothing is lost while it is down, and it gets the current state on return.
import { TelepipeError } from '../errors.ts';
import { AlertmanagerClient, Backoff, type BackoffOptions, type PostableAlert } from './client.ts';

export interface OutboxAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL?: string;
  startsAtMs: number;
  /** Null while firing; the resolution time once resolved. */
  endsAtMs: number | null;
}

export interface OutboxOptions {
  urls: readonly string[];
  client: AlertmanagerClient;
  resendIntervalMs: number;
  expireAfterMs: number;
  backoff: BackoffOptions;
  now?: () => number;
}

/** What one flush did for one Alertmanager. */
export interface DeliveryReport {
  url: string;
  ok: boolean;
  firing: number;
  resolved: number;
  /** Alerts the Alertmanager rejected as invalid (4xx): retrying cannot help, so they go. */
  rejected: number;
  error?: string;
}

interface Entry {
  alert: OutboxAlert;
  /** Must be sent at the next opportunity (new, changed state, not yet accepted). */
  due: boolean;
  lastSentMs: number | undefined;
}

class Destination {
  readonly entries = new Map<string, Entry>();
  nextAttemptMs = 0;
  inFlight = false;

  constructor(
    readonly url: string,
    readonly backoff: Backoff,
  ) {}
}

export class AlertOutbox {
  private readonly destinations: Destination[];
  private readonly now: () => number;

  constructor(private readonly options: OutboxOptions) {
    this.now = options.now ?? Date.now;
    this.destinations = options.urls.map(
      (url) => new Destination(url, new Backoff(options.backoff)),
    );
  }

  /**
   * Records an alert's latest state under `key` (one key per label set). `urgent` sends it at
   * the next flush (fired, resolved); otherwise it only refreshes what the next re-send carries.
   */
  put(key: string, alert: OutboxAlert, urgent: boolean): void {
    for (const d of this.destinations) {
      const existing = d.entries.get(key);
      d.entries.set(key, {
        alert,
        due: urgent || !existing || existing.due,
        lastSentMs: existing?.lastSentMs,
      });
    }
  }

  /** Alerts some Alertmanager has not accepted yet in their latest state. */
  pending(): number {
    return Math.max(
      0,
      ...this.destinations.map((d) => [...d.entries.values()].filter((e) => e.due).length),
    );
  }

  /** Sends what is due to every Alertmanager not backing off; never throws. */
  async flush(): Promise<DeliveryReport[]> {
    const now = this.now();
    const attempts = this.destinations
      .filter((d) => !d.inFlight && now >= d.nextAttemptMs)
      .map((d) => ({ d, batch: this.dueEntries(d, now) }))
      .filter(({ batch }) => batch.length > 0)
      .map(({ d, batch }) => this.deliver(d, batch));
    return Promise.all(attempts);
  }

  private dueEntries(d: Destination, now: number): Array<[string, Entry]> {
    const resendBefore = now - this.options.resendIntervalMs;
    return [...d.entries].filter(
      ([, e]) =>
        e.due ||
        (e.alert.endsAtMs === null && (e.lastSentMs === undefined || e.lastSentMs <= resendBefore)),
    );
  }

  private async deliver(d: Destination, batch: Array<[string, Entry]>): Promise<DeliveryReport> {
    const now = this.now();
    const resolved = batch.filter(([, e]) => e.alert.endsAtMs !== null).length;
    const report = { url: d.url, firing: batch.length - resolved, resolved, rejected: 0 };
    d.inFlight = true;
    try {
      await this.options.client.postAlerts(
        d.url,
        batch.map(([, e]) => this.postable(e.alert, now)),
      );
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      if (err instanceof TelepipeError && !err.retryable) {
        for (const [key, sent] of batch) this.settle(d, key, sent, now, true);
        return { ...report, ok: false, rejected: batch.length, error };
      }
      d.nextAttemptMs = this.now() + d.backoff.next();
      return { ...report, ok: false, error };
    } finally {
      d.inFlight = false;
    }
    d.backoff.reset();
    d.nextAttemptMs = 0;
    for (const [key, sent] of batch) this.settle(d, key, sent, now, false);
    return { ...report, ok: true };
  }

  /**
   * After an answer: a resolved (or rejected) alert is forgotten, a firing one waits for its
   * re-send. A state put() while the request was in flight is kept and stays due.
   */
  private settle(d: Destination, key: string, sent: Entry, now: number, rejected: boolean): void {
    const current = d.entries.get(key);
    if (!current || current.alert !== sent.alert) return;
    if (rejected || sent.alert.endsAtMs !== null) d.entries.delete(key);
    else d.entries.set(key, { ...current, due: false, lastSentMs: now });
  }

  private postable(alert: OutboxAlert, now: number): PostableAlert {
    const endsAtMs = alert.endsAtMs ?? now + this.options.expireAfterMs;
    return {
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: new Date(alert.startsAtMs).toISOString(),
      endsAt: new Date(endsAtMs).toISOString(),
      ...(alert.generatorURL ? { generatorURL: alert.generatorURL } : {}),
    };
  }
}
