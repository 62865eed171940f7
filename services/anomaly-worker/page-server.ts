// Serves the alert page (page.ts) that every alert's generatorURL points at:
//   GET /alert?tenant=…&service=…&instance=…&signal=…&at=<unix ms>
// Scores come from ClickHouse, so any replica can draw any series, also after a restart.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { BaseComponent } from '../../lib/component.ts';
import type { Logger } from '../../lib/log.ts';
import type { SeriesId } from '../../models/index.ts';
import { renderAlertPage } from './page.ts';
import type { ScoreStore } from './scores.ts';

export interface AlertPageConfig {
  /** host:port to listen on; port 0 picks a free one. */
  address: string;
  /** Base URL users reach this server at; empty = derived from the address. */
  externalUrl: string;
  /** History drawn before the alert; half as much after it. */
  windowMs: number;
  alertname: string;
}

interface PageRequest {
  id: SeriesId;
  signal: string;
  atMs: number;
}

export class AlertPageServer extends BaseComponent {
  readonly name = 'alert_page';
  private server: Server | undefined;

  constructor(
    private readonly config: AlertPageConfig,
    private readonly deps: { scores: ScoreStore; log: Logger },
  ) {
    super();
  }

  port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** What generatorURLs start with. */
  baseUrl(): string {
    if (this.config.externalUrl) return this.config.externalUrl.replace(/\/+$/, '');
    const host = this.config.address.slice(0, this.config.address.lastIndexOf(':'));
    const reachable = host === '' || host === '0.0.0.0' || host === '::' ? hostname() : host;
    return `http://${reachable}:${this.port()}`;
  }

  protected async onStart(): Promise<void> {
    const i = this.config.address.lastIndexOf(':');
    const host = this.config.address.slice(0, i) || '0.0.0.0';
    const server = createServer((req, res) => this.onRequest(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(this.config.address.slice(i + 1)), host, () => resolve());
    });
    this.server = server;
  }

  protected async onShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.counters.received++;
    this.respond(req).then(
      ({ status, body }) => {
        this.counters.sent++;
        const type = status === 200 ? 'text/html' : 'text/plain';
        res.writeHead(status, { 'content-type': `${type}; charset=utf-8` }).end(body);
      },
      (err: unknown) => {
        this.counters.dropped++;
        this.deps.log.error({ err }, 'alert page failed');
        res
          .writeHead(503, { 'content-type': 'text/plain' })
          .end('scores are unavailable right now\n');
      },
    );
  }

  private async respond(req: IncomingMessage): Promise<{ status: number; body: string }> {
    const url = new URL(req.url ?? '/', 'http://page');
    if (req.method !== 'GET' || url.pathname !== '/alert') {
      return {
        status: 404,
        body: 'not found; alert pages are at /alert?tenant=…&service=…&instance=…&signal=…&at=…\n',
      };
    }
    const page = parsePageRequest(url.searchParams);
    if (!page)
      return { status: 400, body: 'expected tenant, service, instance, signal and at (unix ms)\n' };
    const { windowMs } = this.config;
    const scores = await this.deps.scores.read(
      page.id,
      page.atMs - windowMs,
      page.atMs + windowMs / 2,
    );
    return {
      status: 200,
      body: renderAlertPage({ alertname: this.config.alertname, ...page, scores }),
    };
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
