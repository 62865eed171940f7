// Scaffolding shared by every telepipe service: JSON logs, an admin HTTP server with
// /healthz, /readyz and Prometheus /metrics, optional OpenTelemetry self-tracing, and a
// graceful shutdown on SIGTERM/SIGINT (stop accepting, drain, flush, commit) with a deadline.
import { createServer, type Server } from 'node:http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Component } from './component.ts';
import type { Config } from './config/index.ts';
import { createLogger, type Logger } from './log.ts';
import { closeNow, listen, listeningPort } from './http/server.ts';

/** A dependency check for /readyz; resolves true when the dependency is reachable. */
export type ReadinessCheck = () => Promise<boolean>;

/** How long a shutdown may take when the service sets no deadline of its own. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25000;

export interface ServiceOptions {
  name: string;
  config: Config;
  /** host:port of the admin server; port 0 picks a free one. */
  adminAddress: string;
  /** Started in order, shut down in reverse order. */
  components: Component[];
  readiness?: Record<string, ReadinessCheck>;
  shutdownTimeoutMs?: number;
  registry?: Registry;
  logger?: Logger;
}

export class Service {
  readonly log: Logger;
  readonly registry: Registry;
  private admin: Server | undefined;
  private sdk: NodeSDK | undefined;
  private ready = false;
  private stopping: Promise<void> | undefined;
  private readonly signalHandler = (signal: NodeJS.Signals): void => this.onSignal(signal);

  constructor(private readonly options: ServiceOptions) {
    this.log = options.logger ?? createLogger(options.name, options.config);
    this.registry = options.registry ?? new Registry();
  }

  /** The service's components, in start order. */
  get components(): readonly Component[] {
    return this.options.components;
  }

  /** Address of the admin server once started (host, port). */
  adminPort(): number {
    return listeningPort(this.admin);
  }

  /** Starts everything; if any part fails, what did start is shut down before the error is thrown. */
  async start(): Promise<void> {
    try {
      this.startSelfTracing();
      this.registerComponentMetrics();
      collectDefaultMetrics({ register: this.registry, prefix: 'telepipe_' });
      await this.startAdminServer();
      for (const component of this.options.components) {
        await component.start();
        this.log.info({ component: component.name }, 'component started');
      }
    } catch (err) {
      await this.shutdown().catch((cleanupErr: unknown) =>
        this.log.warn({ err: cleanupErr }, 'cleanup after a failed start did not complete'),
      );
      throw err;
    }
    this.ready = true;
    this.log.info({ admin: this.adminPort() }, `${this.options.name} started`);
  }

  /** Installs SIGTERM/SIGINT handlers that shut the service down and exit. */
  handleSignals(): void {
    process.once('SIGTERM', this.signalHandler);
    process.once('SIGINT', this.signalHandler);
  }

  /** Graceful stop with a deadline; safe to call more than once. */
  shutdown(): Promise<void> {
    this.stopping ??= this.runShutdown();
    return this.stopping;
  }

  private onSignal(signal: NodeJS.Signals): void {
    this.log.info({ signal }, 'shutting down');
    this.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        this.log.error({ err }, 'shutdown did not complete cleanly');
        process.exit(1);
      },
    );
  }

  private async runShutdown(): Promise<void> {
    this.ready = false;
    const timeoutMs = this.options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`shutdown exceeded its ${timeoutMs} ms deadline`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.stopComponents(), deadline]);
    } finally {
      clearTimeout(timer);
      await this.stopAdminServer();
      await this.sdk
        ?.shutdown()
        .catch((err: unknown) => this.log.warn({ err }, 'self-tracing shutdown failed'));
      process.off('SIGTERM', this.signalHandler);
      process.off('SIGINT', this.signalHandler);
      this.stopping = undefined;
    }
  }

  private async stopComponents(): Promise<void> {
    for (const component of [...this.options.components].reverse()) {
      await component.shutdown();
      this.log.info({ component: component.name, stats: component.stats() }, 'component stopped');
    }
  }

  private startSelfTracing(): void {
    const { otlpEndpoint, sampleRatio } = this.options.config.telemetry;
    if (!otlpEndpoint || this.sdk) return;
    this.sdk = new NodeSDK({
      resource: resourceFromAttributes({ 'service.name': `telepipe-${this.options.name}` }),
      traceExporter: new OTLPTraceExporter({ url: otlpEndpoint }),
      sampler: new TraceIdRatioBasedSampler(sampleRatio),
      instrumentations: [],
    });
    this.sdk.start();
    this.log.info({ otlpEndpoint }, 'self-tracing enabled');
  }

  /** received/sent/dropped of every component, read at scrape time. */
  private registerComponentMetrics(): void {
    if (this.registry.getSingleMetric('telepipe_component_items_total')) return;
    const components = this.options.components;
    new Counter({
      name: 'telepipe_component_items_total',
      help: 'Items each component received, sent and dropped',
      labelNames: ['component', 'outcome'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const c of components) {
          const s = c.stats();
          this.inc({ component: c.name, outcome: 'received' }, s.received);
          this.inc({ component: c.name, outcome: 'sent' }, s.sent);
          this.inc({ component: c.name, outcome: 'dropped' }, s.dropped);
        }
      },
    });
    const isReady = (): boolean => this.ready;
    new Gauge({
      name: 'telepipe_ready',
      help: '1 when the service is started and not shutting down',
      registers: [this.registry],
      // Summed over worker processes (lib/workers/pool.ts) it would count them; 1 only
      // while all are.
      aggregator: 'min',
      collect() {
        this.set(isReady() ? 1 : 0);
      },
    });
  }

  private async startAdminServer(): Promise<void> {
    if (this.admin) return;
    const server = createServer((req, res) => {
      this.handleAdmin(req.url ?? '/').then(
        ({ status, type, body }) => res.writeHead(status, { 'content-type': type }).end(body),
        (err: unknown) => {
          this.log.error({ err }, 'admin request failed');
          res.writeHead(500).end();
        },
      );
    });
    await listen(server, this.options.adminAddress);
    this.admin = server;
  }

  private async stopAdminServer(): Promise<void> {
    const server = this.admin;
    this.admin = undefined;
    if (server) await closeNow(server);
  }

  private async handleAdmin(url: string): Promise<{ status: number; type: string; body: string }> {
    const path = url.split('?')[0];
    if (path === '/healthz') return { status: 200, type: 'text/plain', body: 'ok\n' };
    if (path === '/readyz') return this.readiness();
    if (path === '/metrics') {
      return { status: 200, type: this.registry.contentType, body: await this.registry.metrics() };
    }
    return { status: 404, type: 'text/plain', body: 'not found\n' };
  }

  private async readiness(): Promise<{ status: number; type: string; body: string }> {
    const checks = Object.entries(this.options.readiness ?? {});
    const results = await Promise.all(
      checks.map(async ([name, check]) => [name, await check().catch(() => false)] as const),
    );
    const ready = this.ready && results.every(([, ok]) => ok);
    const body = JSON.stringify({
      ready,
      started: this.ready,
      checks: Object.fromEntries(results),
    });
    return { status: ready ? 200 : 503, type: 'application/json', body };
  }
}
