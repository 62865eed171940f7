// GET /alert?tenant=…&service=…&instance=…&signal=…&at=<unix ms> on the page server: the page
// every alert's generatorURL points at (page.ts draws it). Scores come from ClickHouse, so any
// replica can draw any series, also after a restart; so do the sources the page names (which
// metric each signal was read from), read from the metrics.
import type { Logger } from '../../lib/log.ts';
import type { SeriesId } from '../../models/index.ts';
import type { HttpReply } from './json-api.ts';
import { denied, tenantForbidden } from './page-auth.ts';
import { renderAlertPage } from './page.ts';
import type { SignalSources } from './samples.ts';
import type { ScoreStore } from './scores.ts';

/** Which source each signal of a series was read from at a time (SeriesReader.sourcesAt). */
export type SourceLookup = (id: SeriesId, atMs: number) => Promise<SignalSources | undefined>;

export interface AlertPageRouteConfig {
  /** History drawn before the alert; half as much after it. */
  windowMs: number;
  alertname: string;
}

interface PageRequest {
  id: SeriesId;
  signal: string;
  atMs: number;
}

export class AlertPageRoute {
  constructor(
    private readonly config: AlertPageRouteConfig,
    private readonly deps: { scores: ScoreStore; log: Logger; sources?: SourceLookup },
  ) {}

  /** `mayRead` says whether the caller's token may see a tenant's pages (page-auth.ts). */
  async answer(
    params: URLSearchParams,
    mayRead: (tenant: string) => boolean = () => true,
  ): Promise<HttpReply> {
    const page = parsePageRequest(params);
    if (!page)
      return {
        status: 400,
        type: 'text/plain',
        body: 'expected tenant, service, instance, signal and at (unix ms)\n',
      };
    if (!mayRead(page.id.tenant)) return denied(tenantForbidden(page.id.tenant), 'text/plain');
    const { windowMs } = this.config;
    const [scores, sources] = await Promise.all([
      this.deps.scores.read(page.id, page.atMs - windowMs, page.atMs + windowMs / 2),
      this.sourcesOf(page),
    ]);
    return {
      status: 200,
      type: 'text/html',
      body: renderAlertPage({
        alertname: this.config.alertname,
        ...page,
        scores,
        ...(sources ? { sources } : {}),
      }),
    };
  }

  /** The page is still worth drawing when the metrics cannot be read: it then names no sources. */
  private async sourcesOf(page: PageRequest): Promise<SignalSources | undefined> {
    const lookup = this.deps.sources;
    if (!lookup) return undefined;
    try {
      return await lookup(page.id, page.atMs);
    } catch (err) {
      this.deps.log.warn(
        { err, series: page.id },
        'alert page: cannot read which metrics the signals came from; the page names no sources',
      );
      return undefined;
    }
  }
}

function parsePageRequest(params: URLSearchParams): PageRequest | undefined {
  const [tenant, service, instance, signal, at] = [
    'tenant',
    'service',
    'instance',
    'signal',
    'at',
  ].map((k) => params.get(k));
  const atMs = Number(at);
  if (tenant == null || service == null || instance == null || !signal || !Number.isFinite(atMs))
    return undefined;
  return { id: { tenant, service, instance }, signal, atMs };
}
