// The worker's HTTP server. Each route is its own file; this one only listens and routes:
//   GET  /alert                     the alert page (alert-page-route.ts)
//   POST /v1/score                  the score API (score-api.ts, docs/openapi/score.yaml)
//   POST /v1/alertmanager/webhook   Alertmanager's webhook, version 4 (webhook.ts)
// Every route needs a bearer token once any is configured (page-auth.ts); with none, the server
// listens on localhost only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { BaseComponent } from '../../lib/component.ts';
import {
  closeNow,
  listen,
  listeningPort,
  loopbackOnly,
  parseListenAddress,
} from '../../lib/http/server.ts';
import type { Logger } from '../../lib/log.ts';
import { AlertPageRoute, type SourceLookup } from './alert-page-route.ts';
import { jsonPost, type HttpReply } from './json-api.ts';
import { denied, PageAuth } from './page-auth.ts';
import { answerScoreRequest } from './score-api.ts';
import type { ScoreStore } from './scores.ts';
import type { AlertEnricher } from './webhook.ts';

export interface AlertPageConfig {
  /** host:port to listen on; port 0 picks a free one. */
  address: string;
  /** Base URL users reach this server at; empty = derived from the address. */
  externalUrl: string;
  /** History drawn before the alert; half as much after it. */
  windowMs: number;
  alertname: string;
  /** The scoring step; the score API's `time` picks the step containing it. */
  stepMs: number;
}

/** Largest score API request body. */
const MAX_SCORE_BODY_BYTES = 64 * 1024;
/** Largest webhook body: a notification carries every alert of its group. */
const MAX_WEBHOOK_BODY_BYTES = 4 * 1024 * 1024;

const NOT_FOUND: HttpReply = {
  status: 404,
  type: 'text/plain',
  body: 'not found; alert pages are at /alert?tenant=…&service=…&instance=…&signal=…&at=…\n',
};

export class AlertPageServer extends BaseComponent {
  readonly name = 'alert_page';
  private server: Server | undefined;
  private readonly page: AlertPageRoute;
  private readonly auth: PageAuth;
  /** Where it listens: the configured address, or its loopback twin without tokens. */
  private readonly address: string;

  constructor(
    private readonly config: AlertPageConfig,
    private readonly deps: {
      scores: ScoreStore;
      log: Logger;
      enricher?: AlertEnricher;
      sources?: SourceLookup;
      /** Unset: no tokens, localhost only. */
      auth?: PageAuth;
    },
  ) {
    super();
    this.page = new AlertPageRoute(config, deps);
    this.auth = deps.auth ?? new PageAuth([], '');
    this.address = this.auth.enabled ? config.address : loopbackOnly(config.address);
  }

  port(): number {
    return listeningPort(this.server);
  }

  /** What generatorURLs start with. */
  baseUrl(): string {
    if (this.config.externalUrl) return this.config.externalUrl.replace(/\/+$/, '');
    const { host } = parseListenAddress(this.address);
    const reachable = host === '0.0.0.0' || host === '::' ? hostname() : host;
    return `http://${reachable}:${this.port()}`;
  }

  protected async onStart(): Promise<void> {
    const server = createServer((req, res) => this.onRequest(req, res));
    await listen(server, this.address);
    this.server = server;
    if (!this.auth.enabled) {
      // A warning when the configured address was wider than localhost: the pages moved.
      const moved = this.address !== this.config.address;
      this.deps.log[moved ? 'warn' : 'info'](
        {
          configured: this.config.address,
          listening: `${this.address.replace(/:\d+$/, '')}:${this.port()}`,
        },
        'page server: no tokens configured (worker.page.auth), so it listens on localhost only; alert pages, scores and the webhook need no token there',
      );
    }
  }

  protected async onShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeNow(server);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.counters.received++;
    this.route(req).then(
      ({ status, body, type, headers }) => {
        this.counters.sent++;
        res.writeHead(status, { ...headers, 'content-type': `${type}; charset=utf-8` }).end(body);
      },
      (err: unknown) => {
        this.counters.dropped++;
        this.deps.log.error({ err, path: req.url }, 'alert page failed');
        const json = (req.url ?? '').startsWith('/v1/');
        res.writeHead(503, { 'content-type': json ? 'application/json' : 'text/plain' }).end(
          json
            ? JSON.stringify({
                error: 'unavailable',
                message: 'scores are unavailable right now',
              })
            : 'scores are unavailable right now\n',
        );
      },
    );
  }

  private async route(req: IncomingMessage): Promise<HttpReply> {
    const url = new URL(req.url ?? '/', 'http://page');
    const authorization = req.headers.authorization;
    if (url.pathname === '/v1/score') {
      const access = this.auth.pages(authorization);
      if (!access.ok) return denied(access, 'application/json');
      return jsonPost(req, MAX_SCORE_BODY_BYTES, (raw) =>
        answerScoreRequest(raw, {
          scores: this.deps.scores,
          stepMs: this.config.stepMs,
          mayRead: access.mayRead,
        }),
      );
    }
    const enricher = this.deps.enricher;
    if (url.pathname === '/v1/alertmanager/webhook' && enricher) {
      const access = this.auth.webhook(authorization);
      if (!access.ok) return denied(access, 'application/json');
      return jsonPost(req, MAX_WEBHOOK_BODY_BYTES, (raw) => enricher.answer(raw));
    }
    if (req.method !== 'GET' || url.pathname !== '/alert') return NOT_FOUND;
    const access = this.auth.pages(authorization);
    if (!access.ok) return denied(access, 'text/plain');
    return this.page.answer(url.searchParams, access.mayRead);
  }
}
