// Alert delivery to an Alertmanager HA pair over real HTTP (local servers standing in for
// Alertmanager's v2 API): fan-out to every URL, retries with backoff while one is down, the
// state kept and delivered when it returns, re-sends before endsAt lapses.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import {
  AlertmanagerClient,
  Backoff,
  type PostableAlert,
} from '../../../lib/alertmanager/client.ts';
import { AlertOutbox, type OutboxAlert } from '../../../lib/alertmanager/outbox.ts';
import { WorkerMetrics } from '../../../services/anomaly-worker/metrics.ts';
import { AlertmanagerNotifier } from '../../../services/anomaly-worker/notifier.ts';
import { silentLogger } from '../../support/stack.ts';

/** A stand-in for POST /api/v2/alerts that answers `status` and records what it accepted. */
class FakeAlertmanager {
  status = 200;
  attempts = 0;
  readonly accepted: PostableAlert[][] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.url === '/-/ready')
          return void res.writeHead(this.status === 200 ? 200 : 503).end();
        this.attempts++;
        if (this.status === 200) this.accepted.push(JSON.parse(body) as PostableAlert[]);
        res.writeHead(this.status).end(this.status === 200 ? '' : 'unavailable');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  last(): PostableAlert | undefined {
    return this.accepted.at(-1)?.at(-1);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}

const servers: FakeAlertmanager[] = [];
async function alertmanagers(n: number): Promise<{ ams: FakeAlertmanager[]; urls: string[] }> {
  const ams = Array.from({ length: n }, () => new FakeAlertmanager());
  servers.push(...ams);
  return { ams, urls: await Promise.all(ams.map((am) => am.start())) };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const firing = (startsAtMs: number): OutboxAlert => ({
  labels: { alertname: 'GoRuntimeAnomaly', service: 'checkout', signal: 'goroutines' },
  annotations: { summary: 'goroutines leak' },
  generatorURL: 'http://worker/alert?x=1',
  startsAtMs,
  endsAtMs: null,
});

function outbox(urls: string[], now: () => number): AlertOutbox {
  return new AlertOutbox({
    urls,
    client: new AlertmanagerClient({ timeoutMs: 2000 }),
    resendIntervalMs: 60_000,
    expireAfterMs: 300_000,
    backoff: { initialMs: 1000, maxMs: 8000, jitter: 0 },
    now,
  });
}

describe('AlertOutbox', () => {
  it('sends every alert to every Alertmanager of an HA cluster', async () => {
    const { ams, urls } = await alertmanagers(2);
    const box = outbox(urls, () => 1_000_000);
    box.put('a', firing(1_000_000), true);
    const reports = await box.flush();
    expect(reports.map((r) => r.ok)).toEqual([true, true]);
    for (const am of ams) {
      expect(am.last()).toMatchObject({
        labels: { alertname: 'GoRuntimeAnomaly', service: 'checkout', signal: 'goroutines' },
        startsAt: new Date(1_000_000).toISOString(),
        endsAt: new Date(1_000_000 + 300_000).toISOString(),
        generatorURL: 'http://worker/alert?x=1',
      });
    }
  });

  it('retries a failing Alertmanager with backoff, keeps the state, and delivers the latest one on return', async () => {
    const { ams, urls } = await alertmanagers(2);
    const [up, down] = ams as [FakeAlertmanager, FakeAlertmanager];
    down.status = 503;
    let now = 1_000_000;
    const box = outbox(urls, () => now);
    box.put('a', firing(now), true);
    const first = await box.flush();
    expect(first.find((r) => r.url === urls[1])).toMatchObject({ ok: false, firing: 1 });
    expect(up.accepted).toHaveLength(1);
    expect(box.pending()).toBe(1);

    // Within the backoff nothing is attempted; after it, the next attempt fails and backs off twice as long.
    now += 500;
    expect(await box.flush()).toEqual([]);
    now += 600;
    await box.flush();
    expect(down.attempts).toBe(2);
    now += 1500;
    expect(await box.flush()).toEqual([]);

    // Meanwhile the alert resolved; the healthy peer hears it now, the other when it is back.
    box.put('a', { ...firing(1_000_000), endsAtMs: now }, true);
    const resolvedAt = now;
    await box.flush();
    expect(up.last()?.endsAt).toBe(new Date(resolvedAt).toISOString());
    down.status = 200;
    now += 1000;
    const recovered = await box.flush();
    expect(recovered).toEqual([expect.objectContaining({ url: urls[1], ok: true, resolved: 1 })]);
    expect(down.accepted).toHaveLength(1);
    expect(down.last()?.endsAt).toBe(new Date(resolvedAt).toISOString());
    expect(box.pending()).toBe(0);
    // Delivered resolved alerts are forgotten: nothing more to send.
    now += 120_000;
    expect(await box.flush()).toEqual([]);
  });

  it('re-sends a firing alert every resend interval with endsAt pushed ahead, never letting it lapse', async () => {
    const { ams, urls } = await alertmanagers(1);
    const am = ams[0]!;
    let now = 1_000_000;
    const box = outbox(urls, () => now);
    box.put('a', firing(now), true);
    await box.flush();
    // A refresh of the annotations is not urgent: it rides along with the next re-send.
    box.put('a', { ...firing(1_000_000), annotations: { summary: 'worse' } }, false);
    now += 30_000;
    expect(await box.flush()).toEqual([]);
    now += 30_000;
    await box.flush();
    expect(am.accepted).toHaveLength(2);
    const resent = am.last()!;
    expect(resent.annotations?.summary).toBe('worse');
    expect(resent.startsAt).toBe(new Date(1_000_000).toISOString());
    expect(Date.parse(resent.endsAt!)).toBe(now + 300_000);
    // Each re-send comes well before the previous endsAt.
    expect(Date.parse(am.accepted[0]![0]!.endsAt!)).toBeGreaterThan(now);
  });

  it('drops alerts an Alertmanager rejects as invalid instead of retrying them forever', async () => {
    const { ams, urls } = await alertmanagers(1);
    ams[0]!.status = 400;
    const box = outbox(urls, () => 1_000_000);
    box.put('a', firing(1_000_000), true);
    const [report] = await box.flush();
    expect(report).toMatchObject({ ok: false, rejected: 1 });
    expect(box.pending()).toBe(0);
  });

  it('treats a refused connection as retryable', async () => {
    const { ams, urls } = await alertmanagers(1);
    await ams[0]!.stop();
    const box = outbox(urls, () => 1_000_000);
    box.put('a', firing(1_000_000), true);
    const [report] = await box.flush();
    expect(report).toMatchObject({ ok: false, rejected: 0 });
    expect(box.pending()).toBe(1);
  });
});

describe('Backoff', () => {
  it('doubles up to the maximum and starts over after a reset', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    expect([1, 2, 3, 4, 5].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1000]);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it('jitters within ± the given fraction', () => {
    expect(new Backoff({ initialMs: 1000, maxMs: 1000, jitter: 0.2 }, () => 0).next()).toBe(800);
    expect(new Backoff({ initialMs: 1000, maxMs: 1000, jitter: 0.2 }, () => 1).next()).toBe(1200);
  });
});

describe('AlertmanagerNotifier', () => {
  it('keeps retrying on its own while Alertmanager is down and delivers once it recovers', async () => {
    const { ams, urls } = await alertmanagers(1);
    const am = ams[0]!;
    am.status = 503;
    const metrics = new WorkerMetrics(new Registry());
    const notifier = new AlertmanagerNotifier(
      {
        urls,
        resendIntervalMs: 60_000,
        expireAfterMs: 300_000,
        requestTimeoutMs: 2000,
        retryInitialMs: 20,
        retryMaxMs: 100,
        flushIntervalMs: 20,
      },
      { metrics, log: silentLogger },
    );
    await notifier.start();
    try {
      expect(await notifier.anyReachable()).toBe(false);
      notifier.send('a', firing(Date.now()), true);
      await until(() => am.attempts >= 3);
      expect(am.accepted).toHaveLength(0);
      expect(notifier.pending()).toBe(1);
      am.status = 200;
      await until(() => notifier.pending() === 0);
      expect(am.accepted).toHaveLength(1);
      expect(am.last()?.labels.signal).toBe('goroutines');
      expect(await notifier.anyReachable()).toBe(true);
      const sent = await metrics.alertsSent.get();
      expect(sent.values.find((v) => v.labels.state === 'firing')?.value).toBe(1);
      expect((await metrics.alertsFailed.get()).values[0]?.value).toBeGreaterThanOrEqual(3);
    } finally {
      await notifier.shutdown();
    }
  });
});

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
