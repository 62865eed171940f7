// Bearer-token auth of the page server over HTTP, with scores in the real ClickHouse (the stack's
// 18.16): no token → 401, a tenant's token reads only that tenant's alert pages and scores (403
// for another tenant's), an all-tenants token reads both, and the Alertmanager webhook accepts
// only its own token, sent the way Alertmanager's http_config.authorization sends it. Without
// any token the server moves to localhost and says so.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerClient } from '../../../lib/alertmanager/client.ts';
import type { Config } from '../../../lib/config/index.ts';
import { seriesKey } from '../../../models/features.ts';
import type { StepScore } from '../../../models/step-score.ts';
import { PageAuth } from '../../../services/anomaly-worker/page-auth.ts';
import { AlertPageServer } from '../../../services/anomaly-worker/page-server.ts';
import { ScoreStore, scoreRows } from '../../../services/anomaly-worker/scores.ts';
import { openStorage, type Storage } from '../../../services/anomaly-worker/storage.ts';
import { AlertEnricher } from '../../../services/anomaly-worker/webhook.ts';
import { migrateTestDatabase } from '../../support/clickhouse.ts';
import { stopPageServerAndStorage } from '../../support/page-server.ts';
import { silentLogger, testConfig, uniqueSuffix } from '../../support/stack.ts';

const STEP_MS = 15_000;
const T0 = Math.floor((Date.now() - 3_600_000) / STEP_MS) * STEP_MS;
const service = `auth-${uniqueSuffix()}`;
const seriesOf = (tenant: string) => ({ tenant, service, instance: 'pod-a' });

const TOKENS = {
  acme: 'acme-token-0123456789abcdef',
  globex: 'globex-token-0123456789abcdef',
  all: 'all-tenants-token-0123456789',
  webhook: 'webhook-token-0123456789abcdef',
};

function step(tenant: string, i: number): { id: ReturnType<typeof seriesOf>; score: StepScore } {
  const id = seriesOf(tenant);
  return {
    id,
    score: {
      key: seriesKey(id),
      timestampMs: T0 + i * STEP_MS,
      method: 'lstm',
      modelVersion: 'v20260101T000000Z',
      observed: { goroutines: 100 },
      expected: { goroutines: 100 },
      lower: { goroutines: 90 },
      upper: { goroutines: 110 },
      forecast: { goroutines: 100 },
      signalErrors: { goroutines: 0 },
      score: 0.1,
      ratio: 0.1,
      anomalous: false,
      drivingSignal: 'goroutines',
      reason: 'forecast',
      direction: 'up',
    },
  };
}

let config: Config;
let storage: Storage;
let scores: ScoreStore;
let server: AlertPageServer;
let url: string;

function pageServer(auth: PageAuth, address = '127.0.0.1:0', log = silentLogger): AlertPageServer {
  const enrichment = config.worker.enrichment;
  const enricher = new AlertEnricher(
    {
      ...enrichment,
      lookbackMs: enrichment.lookbackSeconds * 1000,
      maxWaitMs: enrichment.maxWaitSeconds * 1000,
      pendingWaitMs: 0,
      holdMs: enrichment.holdSeconds * 1000,
      stepMs: STEP_MS,
      ownAlertname: 'GoRuntimeAnomaly',
    },
    {
      scores,
      client: new AlertmanagerClient({ timeoutMs: 2000 }),
      alertmanagerUrls: config.alertmanager.urls,
      pageUrl: () => url,
      log: silentLogger,
    },
  );
  return new AlertPageServer(
    {
      address,
      externalUrl: '',
      windowMs: 3_600_000,
      alertname: 'GoRuntimeAnomaly',
      stepMs: STEP_MS,
    },
    { scores, log, enricher, auth },
  );
}

const bearer = (token: string | undefined): Record<string, string> =>
  token === undefined ? {} : { authorization: `Bearer ${token}` };

async function score(
  tenant: string,
  token?: string,
): Promise<{ status: number; body: { error?: string; message?: string } }> {
  const res = await fetch(`${url}/v1/score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: JSON.stringify({ ...seriesOf(tenant), signal: 'goroutines' }),
  });
  return { status: res.status, body: (await res.json()) as { error?: string; message?: string } };
}

async function page(
  tenant: string,
  token?: string,
): Promise<{ status: number; text: string; challenge: string | null }> {
  const params = new URLSearchParams({
    ...seriesOf(tenant),
    signal: 'goroutines',
    at: String(T0 + 2 * STEP_MS),
  });
  const res = await fetch(`${url}/alert?${params.toString()}`, { headers: bearer(token) });
  return {
    status: res.status,
    text: await res.text(),
    challenge: res.headers.get('www-authenticate'),
  };
}

/** An empty notification, as Alertmanager's webhook sends it (version 4). */
async function webhook(authorization?: string): Promise<number> {
  const res = await fetch(`${url}/v1/alertmanager/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ version: '4', status: 'firing', alerts: [] }),
  });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  config = testConfig();
  await migrateTestDatabase(config);
  storage = await openStorage(config.clickhouse);
  scores = new ScoreStore(() => storage);
  await scores.write(scoreRows([0, 1, 2, 3].flatMap((i) => [step('acme', i), step('globex', i)])));
  server = pageServer(
    new PageAuth(
      [
        { token: TOKENS.acme, tenant: 'acme' },
        { token: TOKENS.globex, tenant: 'globex' },
        { token: TOKENS.all, tenant: '*' },
      ],
      TOKENS.webhook,
    ),
  );
  await server.start();
  url = `http://127.0.0.1:${server.port()}`;
});

afterAll(async () => {
  await stopPageServerAndStorage(server, storage, config);
});

describe('page server auth', () => {
  it('answers 401 without a token, or with an unknown one, naming the header to send', async () => {
    const noToken = await score('acme');
    expect(noToken.status).toBe(401);
    expect(noToken.body).toMatchObject({
      error: 'unauthenticated',
      message: expect.stringMatching(/missing bearer token.*Authorization: Bearer/),
    });
    expect(await score('acme', 'not-a-token-at-all-00000')).toMatchObject({
      status: 401,
      body: { message: expect.stringMatching(/unknown bearer token/) },
    });
    const noTokenPage = await page('acme');
    expect(noTokenPage).toMatchObject({ status: 401, challenge: 'Bearer realm="telepipe"' });
    expect(await webhook()).toBe(401);
    const basic = await fetch(`${url}/v1/score`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`x:${TOKENS.acme}`).toString('base64')}` },
      body: '{}',
    });
    expect(basic.status).toBe(401);
  });

  it("a tenant's token reads its own scores and pages, and gets 403 for another tenant's", async () => {
    const own = await score('acme', TOKENS.acme);
    expect(own.status).toBe(200);
    expect(await page('acme', TOKENS.acme)).toMatchObject({
      status: 200,
      text: expect.stringMatching(/<html/i),
    });
    const other = await score('globex', TOKENS.acme);
    expect(other).toMatchObject({
      status: 403,
      body: { error: 'forbidden', message: expect.stringMatching(/may not read tenant "globex"/) },
    });
    const otherPage = await page('globex', TOKENS.acme);
    expect(otherPage).toMatchObject({
      status: 403,
      text: expect.stringMatching(/may not read tenant "globex"/),
    });
    expect((await score('acme', TOKENS.globex)).status).toBe(403);
    expect((await score('globex', TOKENS.globex)).status).toBe(200);
  });

  it('an all-tenants token reads every tenant', async () => {
    expect((await score('acme', TOKENS.all)).status).toBe(200);
    expect((await score('globex', TOKENS.all)).status).toBe(200);
    expect((await page('globex', TOKENS.all)).status).toBe(200);
  });

  it('the webhook accepts only its own token, and its token opens nothing else', async () => {
    expect(await webhook(`Bearer ${TOKENS.webhook}`)).toBe(200);
    for (const token of [TOKENS.acme, TOKENS.all])
      expect(await webhook(`Bearer ${token}`)).toBe(403);
    expect(await webhook(`Bearer wrong-${TOKENS.webhook}`)).toBe(401);
    const scoreWithWebhookToken = await score('acme', TOKENS.webhook);
    expect(scoreWithWebhookToken).toMatchObject({
      status: 403,
      body: { message: expect.stringMatching(/webhook token opens only/) },
    });
  });
});

describe('page server without tokens', () => {
  it('listens on localhost only, whatever the address, and logs so at start', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        lines.push(chunk.toString());
        done();
      },
    });
    const open = pageServer(new PageAuth([], ''), '0.0.0.0:0', pino({ level: 'warn' }, sink));
    await open.start();
    try {
      const port = open.port();
      expect(open.baseUrl()).toBe(`http://127.0.0.1:${port}`);
      expect(lines.join('')).toMatch(/no tokens configured.*localhost only/);
      // Unauthenticated, but only for this host.
      const res = await fetch(`http://127.0.0.1:${port}/v1/score`, {
        method: 'POST',
        body: JSON.stringify({ ...seriesOf('acme'), signal: 'goroutines' }),
      });
      expect(res.status).toBe(200);
    } finally {
      await open.shutdown();
    }
  });
});
