// Serves the alert page (page.ts) that every alert's generatorURL points at, the score API
// (score-api.ts, docs/openapi/score.yaml) and the Alertmanager webhook (webhook.ts):
//   GET /alert?tenant=…&service=…&instance=…&signal=…&at=<unix ms>
//   POST /v1/score  {"tenant": …, "service": …, "instance": …, "signal": …, "time"? | "from"?, "to"?}
//   POST /v1/alertmanager/webhook  Alertmanager's webhook payload (version 4)
// Scores come from ClickHouse, so any replica can draw any series, also after a restart; so do
// the sources the page names (which metric each signal was read from), read from the metrics.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { BaseComponent } from '../../lib/component.ts';
import type { Logger } from '../../lib/log.ts';
import type { SeriesId } from '../../models/index.ts';
import { renderAlertPage } from './page.ts';
import type { ApiResponse } from './json-api.ts';
import type { SignalSources } from './samples.ts';
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

interface Reply {
  status: number;
  body: string;
  type: 'text/html' | 'text/plain' | 'application/json';
  headers?: Record<string, string>;
}

/** Which source each signal of a series was read from at a time (SeriesReader.sourcesAt). */
export type SourceLookup = (id: SeriesId, atMs: number) => Promise<SignalSources | undefined>;

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
    private readonly deps: {
      scores: ScoreStore;
      log: Logger;
      enricher?: AlertEnricher;
      sources?: SourceLookup;
    },
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

  private async respond(req: IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://page');
    if (url.pathname === '/v1/score') {
      return jsonPost(req, MAX_SCORE_BODY_BYTES, (raw) =>
        answerScoreRequest(raw, { scores: this.deps.scores, stepMs: this.config.stepMs }),
      );
    }
    const enricher = this.deps.enricher;
    if (url.pathname === '/v1/alertmanager/webhook' && enricher) {
      return jsonPost(req, MAX_WEBHOOK_BODY_BYTES, (raw) => enricher.answer(raw));
    }
    if (req.method !== 'GET' || url.pathname !== '/alert') {
      return {
        status: 404,
        type: 'text/plain',
        body: 'not found; alert pages are at /alert?tenant=…&service=…&instance=…&signal=…&at=…\n',
      };
    }
    const page = parsePageRequest(url.searchParams);
    if (!page)
      return {
        status: 400,
        type: 'text/plain',
        body: 'expected tenant, service, instance, signal and at (unix ms)\n',
      };
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

/** A JSON API endpoint: POST only, the body at most `maxBytes`, answered by `answer`. */
async function jsonPost(
  req: IncomingMessage,
  maxBytes: number,
  answer: (raw: string) => Promise<ApiResponse>,
): Promise<Reply> {
  const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
    status,
    type: 'application/json',
    body: JSON.stringify(body),
    ...(headers ? { headers } : {}),
  });
  if (req.method !== 'POST') {
    return json(
      405,
      { error: 'method_not_allowed', message: `POST a JSON body to ${req.url ?? ''}` },
      { allow: 'POST' },
    );
  }
  const raw = await readBody(req, maxBytes);
  if (raw === undefined) {
    return json(413, { error: 'body_too_large', message: `body is larger than ${maxBytes} bytes` });
  }
  const { status, body } = await answer(raw);
  return json(status, body);
}

/** The request body as text; undefined when it is larger than `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
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
