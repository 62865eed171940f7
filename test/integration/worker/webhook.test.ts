// The threshold-alert round trip with the real servers: a private Alertmanager running
// examples/alertmanager/threshold-enrichment.yml (the webhook URL pointed at this worker, a 1 s
// group interval) gets threshold alerts; it sends them to the worker's webhook; the worker judges
// them from the scores in ClickHouse (the stack's server) and posts the copies back; the test
// reads the copies from Alertmanager, and sees them routed: anomalous to on-call, normal held
// back. When the original resolves, so does its copy. An alert whose start is not scored yet
// is answered 503 and retried by Alertmanager until it is.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { AlertmanagerClient, type GettableAlert } from '../../../lib/alertmanager/client.ts';
import type { Config } from '../../../lib/config/index.ts';
import { workerSchema } from '../../../lib/config/sections/worker.ts';
import type { StepScore } from '../../../models/step-score.ts';
import { seriesKey, type SeriesId } from '../../../models/features.ts';
import { createWorkerService, type WorkerService } from '../../../services/anomaly-worker/main.ts';
import { ScoreStore, scoreRows } from '../../../services/anomaly-worker/scores.ts';
import { openStorage, type Storage } from '../../../services/anomaly-worker/storage.ts';
import { waitUntil } from '../../../infra/stack/processes.ts';
import { startAlertmanager, type PrivateAlertmanager } from '../../support/alertmanager.ts';
import { dropTestDatabase, migrateTestDatabase } from '../../support/clickhouse.ts';
import { freePort, testConfig, uniqueSuffix } from '../../support/stack.ts';

const STEP_MS = 15_000;
const suffix = uniqueSuffix();
const HOT: SeriesId = { tenant: 'default', service: `hot-${suffix}`, instance: 'pod-1' };
const CALM: SeriesId = { tenant: 'default', service: `calm-${suffix}`, instance: 'pod-1' };
/** Scored only up to before the alerts' start until the test adds the rest. */
const LATE: SeriesId = { tenant: 'default', service: `late-${suffix}`, instance: 'pod-1' };
/** Scores for the last 40 steps; the threshold alerts start 10 steps ago. */
const FIRST = Math.floor(Date.now() / STEP_MS) * STEP_MS - 40 * STEP_MS;
const STARTS_AT = FIRST + 30 * STEP_MS;

let config: Config;
let storage: Storage;
let worker: WorkerService | undefined;
let am: PrivateAlertmanager | undefined;
let modelsDir: string;
const client = new AlertmanagerClient();

function step(id: SeriesId, i: number): StepScore {
  const anomalous = id === HOT && i >= 29 && i <= 33;
  return {
    key: seriesKey(id),
    timestampMs: FIRST + i * STEP_MS,
    method: 'lstm',
    modelVersion: 'v20261129T000000Z',
    observed: { goroutines: anomalous ? 900 : 200 },
    expected: { goroutines: 200 },
    lower: { goroutines: 170 },
    upper: { goroutines: 230 },
    forecast: { goroutines: 201 },
    signalErrors: { goroutines: anomalous ? 9 : 0.3 },
    score: anomalous ? 0.95 : 0.05,
    ratio: anomalous ? 2.1 : 0.2,
    anomalous,
    drivingSignal: 'goroutines',
    reason: 'forecast',
    direction: 'up',
  };
}

interface WebhookConfig {
  url: string;
  http_config: { authorization: { type: string; credentials: string } };
}

/** The page server's webhook token, in the example Alertmanager config and the worker's. */
const WEBHOOK_TOKEN = `webhook-${uniqueSuffix()}-0123456789`;

/** The example routing, sending to this worker, with a group interval a test can wait for. */
function alertmanagerConfig(webhookUrl: string): string {
  const example = parse(
    readFileSync(
      join(import.meta.dirname, '../../../examples/alertmanager/threshold-enrichment.yml'),
      'utf8',
    ),
  ) as {
    route: { routes: Array<{ receiver: string; group_interval?: string }> };
    receivers: Array<{ name: string; webhook_configs?: Array<WebhookConfig> }>;
  };
  const verdictRoute = example.route.routes.find((r) => r.receiver === 'telepipe-verdict')!;
  verdictRoute.group_interval = '1s';
  const webhook = example.receivers.find((r) => r.name === 'telepipe-verdict')!
    .webhook_configs![0]!;
  webhook.url = webhookUrl;
  // The example carries the worker's webhook token; this worker requires it.
  expect(webhook.http_config.authorization.type).toBe('Bearer');
  webhook.http_config.authorization.credentials = WEBHOOK_TOKEN;
  return stringify(example);
}

function threshold(id: SeriesId, endsAt?: number, alertname = 'HighGoroutines') {
  return {
    labels: {
      alertname,
      job: id.service,
      instance: id.instance,
      severity: 'page',
    },
    annotations: { summary: `goroutines of ${id.service} above 500` },
    startsAt: new Date(STARTS_AT).toISOString(),
    ...(endsAt === undefined ? {} : { endsAt: new Date(endsAt).toISOString() }),
    generatorURL: 'http://prometheus.example.com/graph?g0.expr=go_goroutines%3E500',
  };
}

/** A counter of the worker's /metrics (0 when absent). */
async function fetchMetric(series: string): Promise<number> {
  const text = await (
    await fetch(`http://127.0.0.1:${worker!.service.adminPort()}/metrics`)
  ).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function copies(): Promise<GettableAlert[]> {
  const alerts = await client.getAlerts(am!.url, {
    filter: ['anomaly_verdict=~".+"', 'alertname="HighGoroutines"'],
  });
  return alerts.sort((a, b) => (a.labels['job']! < b.labels['job']! ? -1 : 1));
}

beforeAll(async () => {
  config = testConfig();
  modelsDir = mkdtempSync(join(tmpdir(), 'telepipe-models-'));
  await migrateTestDatabase(config);
  storage = await openStorage(config.clickhouse);
  const scores = new ScoreStore(() => storage);
  const steps = [HOT, CALM, LATE].flatMap((id) =>
    Array.from({ length: id === LATE ? 28 : 40 }, (_, i) => ({ id, score: step(id, i) })),
  );
  await scores.write(scoreRows(steps));

  const pagePort = await freePort();
  am = await startAlertmanager(
    alertmanagerConfig(`http://127.0.0.1:${pagePort}/v1/alertmanager/webhook`),
  );
  config.alertmanager = { urls: [am.url] };
  config.worker = workerSchema.parse({
    adminAddress: '127.0.0.1:0',
    model: { dir: modelsDir },
    retrain: { intervalHours: 0 },
    page: { address: `127.0.0.1:${pagePort}`, auth: { webhookToken: WEBHOOK_TOKEN } },
    // Answer 503 soon, so the test sees Alertmanager retry.
    enrichment: { pendingWaitSeconds: 1 },
  });
  worker = await createWorkerService(config);
}, 60_000);

afterAll(async () => {
  await worker?.service.shutdown();
  await am?.stop();
  if (storage) {
    await dropTestDatabase(storage.client, config);
    await storage.client.close();
  }
  rmSync(modelsDir, { recursive: true, force: true });
});

describe('Alertmanager → webhook → worker → Alertmanager', () => {
  it('reads back enriched threshold alerts, routed by their verdict', async () => {
    await client.postAlerts(am!.url, [threshold(HOT), threshold(CALM)]);
    let enriched: GettableAlert[] = [];
    expect(await waitUntil(async () => (enriched = await copies()).length === 2, 30_000, 250)).toBe(
      true,
    );
    const [calm, hot] = enriched;
    expect(hot).toMatchObject({
      labels: { ...threshold(HOT).labels, anomaly_verdict: 'anomalous' },
      annotations: {
        summary: `goroutines of ${HOT.service} above 500`,
        anomaly_score: '0.950',
        anomaly_series: `default/${HOT.service}/pod-1`,
        anomaly_model_version: 'v20261129T000000Z',
      },
      startsAt: new Date(STARTS_AT).toISOString(),
      generatorURL: threshold(HOT).generatorURL,
      receivers: [{ name: 'oncall' }],
    });
    expect(hot!.annotations['anomaly_page']).toMatch(
      new RegExp(
        `/alert\\?tenant=default&service=${HOT.service}&instance=pod-1&signal=goroutines&at=\\d+$`,
      ),
    );
    expect(calm).toMatchObject({
      labels: { ...threshold(CALM).labels, anomaly_verdict: 'normal' },
      annotations: { anomaly_score: '0.050' },
      receivers: [{ name: 'held-back' }],
    });
    // The originals went to the worker only.
    const originals = await client.getAlerts(am!.url, {
      filter: ['anomaly_verdict=""', 'alertname="HighGoroutines"'],
    });
    expect(originals.map((a) => a.receivers)).toEqual([
      [{ name: 'telepipe-verdict' }],
      [{ name: 'telepipe-verdict' }],
    ]);
  });

  it('resolves the copy when the original resolves', async () => {
    await client.postAlerts(am!.url, [threshold(HOT, Date.now() - 1000)]);
    expect(
      await waitUntil(
        async () => (await copies()).map((a) => a.labels['job']).join() === CALM.service,
        30_000,
        250,
      ),
    ).toBe(true);
  });

  it('has Alertmanager retry while the alert’s start is not scored, and enriches it once it is', async () => {
    await client.postAlerts(am!.url, [threshold(LATE, undefined, 'HighHeap')]);
    const lateCopies = () =>
      client.getAlerts(am!.url, { filter: ['anomaly_verdict=~".+"', 'alertname="HighHeap"'] });
    // The worker answers 503; Alertmanager keeps the notification and retries.
    expect(
      await waitUntil(
        async () =>
          (await fetchMetric('telepipe_worker_webhook_alerts_total{outcome="pending"}')) > 0,
        20_000,
        250,
      ),
    ).toBe(true);
    expect(await lateCopies()).toEqual([]);
    await new ScoreStore(() => storage).write(
      scoreRows(Array.from({ length: 12 }, (_, k) => ({ id: LATE, score: step(LATE, 28 + k) }))),
    );
    let late: GettableAlert[] = [];
    expect(await waitUntil(async () => (late = await lateCopies()).length === 1, 60_000, 250)).toBe(
      true,
    );
    expect(late[0]!.labels).toMatchObject({ job: LATE.service, anomaly_verdict: 'normal' });
  });

  it('routes telepipe_bypass alerts straight to on-call, unjudged', async () => {
    const labels = { alertname: 'TelepipeVerdictWebhookFailing', telepipe_bypass: 'true' };
    await client.postAlerts(am!.url, [{ labels, annotations: {} }]);
    const [bypass] = await client.getAlerts(am!.url, {
      filter: ['alertname="TelepipeVerdictWebhookFailing"'],
    });
    expect(bypass).toMatchObject({ labels, receivers: [{ name: 'oncall' }] });
  });

  it('answers a malformed notification with a 400 naming the field', async () => {
    const res = await fetch(`http://127.0.0.1:${worker!.pagePort()}/v1/alertmanager/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
      body: JSON.stringify({ version: '4', alerts: [{ status: 'firing', labels: {} }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'bad_request', field: 'alerts.0.startsAt' });
  });
});
