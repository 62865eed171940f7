// A small client of the Alertmanager API v2: post alerts, read them back, check readiness.
// One call = one HTTP request to one Alertmanager; fan-out to an HA cluster and retries live
// in outbox.ts. Errors are classified where they arise: a 4xx means the alerts themselves are
// wrong (permanent), anything else (5xx, timeouts, connection refused) is retryable.
import { TelepipeError } from '../errors.ts';

/** An alert as POST /api/v2/alerts takes it; times are RFC 3339. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/** An alert as GET /api/v2/alerts returns it. */
export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  generatorURL?: string;
  fingerprint: string;
  receivers: Array<{ name: string }>;
  status: {
    state: 'active' | 'suppressed' | 'unprocessed';
    silencedBy: string[];
    inhibitedBy: string[];
  };
}

export interface AlertQuery {
  /** Label matchers, e.g. `service="checkout"`. */
  filter?: string[];
  active?: boolean;
  silenced?: boolean;
  inhibited?: boolean;
  unprocessed?: boolean;
}

export interface AlertmanagerClientOptions {
  /** Per request. */
  timeoutMs?: number;
}

export class AlertmanagerClient {
  private readonly timeoutMs: number;

  constructor(options: AlertmanagerClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  async postAlerts(baseUrl: string, alerts: readonly PostableAlert[]): Promise<void> {
    await this.request(baseUrl, 'api/v2/alerts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
  }

  async getAlerts(baseUrl: string, query: AlertQuery = {}): Promise<GettableAlert[]> {
    const params = new URLSearchParams();
    for (const matcher of query.filter ?? []) params.append('filter', matcher);
    for (const flag of ['active', 'silenced', 'inhibited', 'unprocessed'] as const) {
      const value = query[flag];
      if (value !== undefined) params.set(flag, String(value));
    }
    const suffix = params.size > 0 ? `?${params.toString()}` : '';
    const body = await this.request(baseUrl, `api/v2/alerts${suffix}`, { method: 'GET' });
    return JSON.parse(body) as GettableAlert[];
  }

  /** True when the Alertmanager answers its readiness endpoint. */
  async isReady(baseUrl: string): Promise<boolean> {
    try {
      await this.request(baseUrl, '-/ready', { method: 'GET' });
      return true;
    } catch {
      return false;
    }
  }

  private async request(baseUrl: string, path: string, init: RequestInit): Promise<string> {
    const url = endpoint(baseUrl, path);
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new TelepipeError('unavailable', `Alertmanager ${url}: ${describe(err)}`, {
        cause: err,
      });
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return text;
    const reason =
      res.status >= 400 && res.status < 500 && res.status !== 429
        ? 'invalid_argument'
        : 'unavailable';
    throw new TelepipeError(reason, `Alertmanager ${url}: HTTP ${res.status} ${text.trim()}`);
  }
}

/** `path` under the base URL, which may carry a prefix (http://host/alertmanager). */
function endpoint(baseUrl: string, path: string): string {
  return new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** ± this fraction of randomness, so HA peers and replicas do not retry in lockstep. */
  jitter?: number;
}

/** Exponential backoff: initial, 2×, 4× ... up to max, with jitter; reset after a success. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  get attempts(): number {
    return this.failures;
  }

  /** The delay before the next attempt, counting one more failure. */
  next(): number {
    const base = Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.failures);
    this.failures++;
    const jitter = this.options.jitter ?? 0.2;
    return Math.round(base * (1 - jitter + 2 * jitter * this.random()));
  }

  reset(): void {
    this.failures = 0;
  }
}
