// OTLP/HTTP receiver: POST /v1/metrics, /v1/logs and /v1/traces with binary protobuf
// (application/x-protobuf) or OTLP/JSON (application/json) bodies, optionally gzip or
// deflate compressed, over HTTP/1.1 or HTTPS.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { BaseComponent } from '../../lib/component.ts';
import { TelepipeError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { encodeJsonResponse, encodeResponse } from '../../lib/otlp/codec.ts';
import type { Signal } from '../../lib/otlp/types.ts';
import { readBody, type BodyLimits } from '../../lib/http/body.ts';
import { listen, listeningPort } from '../../lib/http/server.ts';
import type { BodyEncoding, ExportOutcome, Intake } from './intake.ts';
import { countOutcome, settledWithin, type ListenerConfig } from './listener.ts';
import type { IngestMetrics } from './metrics.ts';
import { httpErrorResponse, logLevel, type HttpReply } from './status.ts';

export interface OtlpHttpReceiverConfig extends ListenerConfig {
  limits: BodyLimits;
}

const ROUTES = new Map<string, Signal>([
  ['/v1/metrics', 'metrics'],
  ['/v1/logs', 'logs'],
  ['/v1/traces', 'traces'],
]);

const MEDIA_TYPES = new Map<string, BodyEncoding>([
  ['application/x-protobuf', 'protobuf'],
  ['application/protobuf', 'protobuf'],
  ['application/json', 'json'],
]);

const CONTENT_TYPE: Record<BodyEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

export class OtlpHttpReceiver extends BaseComponent {
  readonly name = 'otlp_http_receiver';
  private server: Server | undefined;
  /** Requests being answered, so that shutdown can wait for them. */
  private readonly calls = new Set<Promise<void>>();

  constructor(
    private readonly config: OtlpHttpReceiverConfig,
    private readonly intake: Intake,
    private readonly log: Logger,
    private readonly metrics: IngestMetrics,
  ) {
    super();
  }

  /** The port listened on (useful with port 0); 0 when not started. */
  port(): number {
    return listeningPort(this.server);
  }

  protected async onStart(): Promise<void> {
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      const call = this.handle(req, res);
      this.calls.add(call);
      const forget = (): void => void this.calls.delete(call);
      call.then(forget, forget);
    };
    const { tls } = this.config;
    const server = tls ? createHttpsServer(tls, onRequest) : createServer(onRequest);
    await listen(
      server,
      this.config.address,
      (err) =>
        new TelepipeError(
          'config',
          `OTLP/HTTP cannot listen on ${this.config.address}: ${err.message}`,
          { cause: err },
        ),
    );
    this.server = server;
  }

  protected async onShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await settledWithin(Promise.all(this.calls), this.config.drainTimeoutMs);
    server.closeAllConnections();
    await closed;
  }

  /** Answers one request; never rejects. */
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const signal = ROUTES.get((req.url ?? '/').split('?')[0] ?? '/');
    const reply = await this.reply(req, signal);
    res.writeHead(reply.status, reply.headers).end(reply.body);
    this.metrics.observe('http', signal ?? 'unknown', String(reply.status), startedAt);
  }

  private async reply(req: IncomingMessage, signal: Signal | undefined): Promise<HttpReply> {
    try {
      if (signal === undefined || req.method !== 'POST') {
        throw new TelepipeError(
          'not_found',
          `no OTLP endpoint at ${req.method ?? ''} ${req.url ?? ''}; POST to /v1/metrics, /v1/logs or /v1/traces`,
        );
      }
      const encoding = bodyEncoding(req);
      const outcome = await this.intake.export({
        signal,
        encoding,
        header: (name) => firstValue(req.headers[name]),
        readBody: (lease) => readBody(req, this.config.limits, lease),
      });
      countOutcome(this.counters, outcome);
      return {
        status: 200,
        headers: { 'content-type': CONTENT_TYPE[encoding] },
        body: successBody(signal, encoding, outcome),
      };
    } catch (err) {
      const reply = httpErrorResponse(err, replyEncoding(req), this.config.retryAfterSeconds);
      this.log[logLevel(reply.error)](
        { err: reply.error, status: reply.status, path: req.url },
        'OTLP/HTTP request failed',
      );
      return reply;
    }
  }
}

function successBody(
  signal: Signal,
  encoding: BodyEncoding,
  outcome: ExportOutcome,
): Uint8Array | string {
  return encoding === 'json'
    ? encodeJsonResponse(signal, outcome.partial)
    : encodeResponse(signal, outcome.partial);
}

function mediaType(req: IncomingMessage): string {
  const [type = ''] = (req.headers['content-type'] ?? '').split(';');
  return type.trim().toLowerCase();
}

function bodyEncoding(req: IncomingMessage): BodyEncoding {
  const type = mediaType(req);
  const encoding = MEDIA_TYPES.get(type);
  if (encoding) return encoding;
  throw new TelepipeError(
    'unsupported_media_type',
    `unsupported Content-Type "${type}"; send application/x-protobuf or application/json`,
  );
}

/** Error replies use protobuf only for clients that sent protobuf; JSON reads better elsewhere. */
function replyEncoding(req: IncomingMessage): BodyEncoding {
  return MEDIA_TYPES.get(mediaType(req)) ?? 'json';
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
