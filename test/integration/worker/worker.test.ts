// The worker end to end against the real ClickHouse and Alertmanager: a Go service's metrics
// with a goroutine leak are written into the migrated otel_metrics_* tables, the worker replays
// them (15 s data steps at one per wall second), the alert arrives in Alertmanager with the right
// labels and a link to a page that draws it (checked in headless Chromium), and when the series
// is normal again the alert is resolved. One of the two configured Alertmanagers is down the
// whole time (HA: the other one still gets every alert).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerClient, type GettableAlert } from '../../../lib/alertmanager/client.ts';
import { selectRows } from '../../../lib/clickhouse/client.ts';
import type { Config } from '../../../lib/config/index.ts';
import { workerSchema } from '../../../lib/config/sections/worker.ts';
import { baseModelVersion } from '../../../models/base-model.ts';
import { seriesKey, type GoSignal } from '../../../models/features.ts';
import { trainModel } from '../../../models/train.ts';
import { waitUntil } from '../../../infra/stack/processes.ts';
import { createWorkerService, type WorkerService } from '../../../services/anomaly-worker/main.ts';
import { openStorage, type Storage } from '../../../services/anomaly-worker/storage.ts';
import { dropTestDatabase, migrateTestDatabase } from '../../support/clickhouse.ts';
import {
  goServicePoints,
  insertMetricRows,
  metricRows,
  signalSeries,
} from '../../support/series-writer.ts';
import { testConfig, uniqueSuffix } from '../../support/stack.ts';

const STEP_S = 15;
const STEPS = 330;
const REPLAY_FROM_STEP = 130;
const LEAK = { from: 140, to: 160 };
const ALERTMANAGER = 'http://127.0.0.1:9093';

const service = `leaky-${uniqueSuffix()}`;
const T0 = Math.floor((Date.now() - 3 * 3600_000) / (STEP_S * 1000)) * STEP_S * 1000;
const stepTime = (step: number): number => T0 + step * STEP_S * 1000;

/** A steady Go service; `leaks` adds 40 goroutines per step during LEAK, then a restart clears them. */
function goService(leaks: boolean) {
  const noise = (t: number, salt: number): number => (((t + salt) * 7919) % 11) - 5;
  return signalSeries(T0, STEP_S, STEPS, (signal: GoSignal, t) => {
    switch (signal) {
      case 'goroutines':
        return (
          200 +
          noise(t, 1) +
          (leaks && t >= LEAK.from && t < LEAK.to ? 40 * (t - LEAK.from + 1) : 0)
        );
      case 'heap_inuse':
        return 64 * 1024 * 1024 + noise(t, 2) * 64 * 1024;
      case 'request_rate':
        return 10;
      case 'latency_p99':
        return 0.2;
      case 'gc_pause_p99':
        return 0.003;
      case 'gc_pause_total':
        return 0.004;
    }
  });
}

let config: Config;
let storage: Storage;
let worker: WorkerService | undefined;
let modelsDir: string;
const alertmanager = new AlertmanagerClient();

async function alertsOf(instance: string): Promise<GettableAlert[]> {
  const alerts = await alertmanager.getAlerts(ALERTMANAGER, {
    filter: [`service="${service}"`, `instance="${instance}"`],
  });
  return alerts.filter((a) => a.status.state === 'active');
}

beforeAll(async () => {
  config = testConfig();
  modelsDir = mkdtempSync(join(tmpdir(), 'telepipe-models-'));
  config.alertmanager = { urls: [ALERTMANAGER, 'http://127.0.0.1:9'] };
  config.worker = workerSchema.parse({
    adminAddress: '127.0.0.1:0',
    stepSeconds: STEP_S,
    ingestDelaySeconds: 0,
    replay: { from: new Date(stepTime(REPLAY_FROM_STEP)).toISOString(), speed: STEP_S },
    model: { dir: modelsDir, reloadIntervalSeconds: 1 },
    retrain: { intervalHours: 0 },
    alerts: {
      pendingSteps: 2,
      resolveSteps: 3,
      resendIntervalSeconds: 5,
      expireAfterSeconds: 900,
      retryInitialMs: 200,
      retryMaxMs: 2000,
      runbookUrls: { goroutines: 'https://runbooks.example.com/go/goroutines' },
    },
    page: { address: '127.0.0.1:0', windowMinutes: 60 },
  });
  await migrateTestDatabase(config);
  storage = await openStorage(config.clickhouse);
  for (const [instance, leaks] of [
    ['pod-leak', true],
    ['pod-ok', false],
  ] as const) {
    const rows = metricRows(
      { tenant: 'acme', service, instance },
      goServicePoints(goService(leaks), { flavor: 'otel' }),
    );
    await insertMetricRows(storage.client, storage.dialect, config.clickhouse.database, rows);
  }
  worker = await createWorkerService(config);
});

afterAll(async () => {
  await worker?.service.shutdown();
  if (storage) {
    await dropTestDatabase(storage.client, config);
    await storage.client.close();
  }
  rmSync(modelsDir, { recursive: true, force: true });
});

describe('anomaly worker against ClickHouse and Alertmanager', () => {
  it('alerts on a goroutine leak, links a readable picture, and resolves when it is over', async () => {
    const admin = `http://127.0.0.1:${worker!.service.adminPort()}`;
    const ready = await fetch(`${admin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      checks: { clickhouse: true, alertmanager: true },
    });

    // Firing: the leak starts at step 140; the online detectors flag it, then 2 pending steps.
    let alert: GettableAlert | undefined;
    expect(
      await waitUntil(
        async () => (alert = (await alertsOf('pod-leak'))[0]) !== undefined,
        120_000,
        500,
      ),
    ).toBe(true);
    expect(alert!.labels).toEqual({
      alertname: 'GoRuntimeAnomaly',
      severity: 'warning',
      tenant: 'acme',
      service,
      instance: 'pod-leak',
      signal: 'goroutines',
    });
    // No model was trained here: the worker scores on the shipped base model, which forecasts
    // the series once it has a window (else the online detectors judge alone).
    const baseVersion = await baseModelVersion();
    expect(baseVersion).toMatch(/^v\d{8}T\d{6}Z$/);
    expect(alert!.annotations.model_version).toBe(baseVersion);
    const byModel = alert!.annotations.method === 'lstm';
    expect(alert!.annotations.method).toMatch(/^(online|lstm)$/);
    expect(alert!.annotations.detector).toMatch(/^(spike|level|drift|forecast) up$/);
    expect(alert!.annotations.summary).toMatch(
      /^Goroutines of leaky-\S+ \(pod-leak\) is anomalous: \d+ vs expected 2\d\d$/,
    );
    expect(alert!.annotations.description).toContain(
      byModel
        ? `Flagged by the online detectors and the LSTM forecaster (model ${baseVersion})`
        : 'Flagged by the online detectors (no model forecasts this series yet)',
    );
    // The runbook hint for goroutines, its configured link, and what moved with it.
    expect(alert!.annotations.runbook).toContain('/debug/pprof/goroutine?debug=2');
    expect(alert!.annotations.runbook_url).toBe('https://runbooks.example.com/go/goroutines');
    expect(alert!.annotations.correlated).toMatch(
      /^goroutines ×\d+\.\d while .*heap_inuse.* flat$/,
    );
    expect(Number(alert!.annotations.observed)).toBeGreaterThan(250);
    // endsAt is far ahead (expireAfterSeconds 900): it can only go away by being resolved.
    const firingEndsAt = Date.parse(alert!.endsAt);
    expect(firingEndsAt).toBeGreaterThan(Date.now() + 600_000);
    expect(alert!.generatorURL!.startsWith(`${worker!.pageUrl()}/alert?`)).toBe(true);
    expect(await alertsOf('pod-ok')).toEqual([]);

    // Resolved: the leak ends at step 160 (a restart). The drift statistic stays above its
    // threshold until the quarantine adopts the held values (64 steps after the first flag, step
    // ~205, measured), then after 3 normal steps the worker sends endsAt = now.
    expect(
      await waitUntil(async () => (await alertsOf('pod-leak')).length === 0, 120_000, 500),
    ).toBe(true);
    expect(Date.now()).toBeLessThan(firingEndsAt);
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(
        `telepipe_worker_alerts_sent_total\\{url="${ALERTMANAGER}",state="resolved"\\} [1-9]`,
      ),
    );
    expect(metrics).toMatch(
      /telepipe_worker_alerts_failed_total\{url="http:\/\/127.0.0.1:9"\} [1-9]/,
    );
    expect(metrics).toMatch(/telepipe_worker_series 2/);

    const stored = await selectRows<{ n: string }>(
      storage.client,
      `SELECT count() AS n FROM ${config.clickhouse.database}.anomaly_scores WHERE ServiceName = '${service}' AND Anomalous = 1 AND DrivingSignal = 'goroutines'`,
    );
    expect(Number(stored[0]!.n)).toBeGreaterThan(0);

    await checkAlertPage(alert!.generatorURL!, byModel ? baseVersion : null);
  });

  it('switches to a newly saved model without a restart', async () => {
    // A tiny model trained on the normal behaviour of both instances, saved where the worker looks.
    const normal = goService(false);
    const keys = ['pod-leak', 'pod-ok'].map((instance) =>
      seriesKey({ tenant: 'acme', service, instance }),
    );
    const trained = await trainModel({
      series: new Map(keys.map((key) => [key, normal])),
      window: 8,
      units: 4,
      epochs: 1,
      outDir: modelsDir,
      modelName: config.worker.model.name,
    });
    trained.model.forecaster.dispose();
    const version = trained.metadata.version;
    const lstmScores = `SELECT count() AS n FROM ${config.clickhouse.database}.anomaly_scores
      WHERE ServiceName = '${service}' AND Method = 'lstm' AND ModelVersion = '${version}'`;
    const scoredWithModel = async (): Promise<boolean> =>
      Number((await selectRows<{ n: string }>(storage.client, lstmScores))[0]?.n ?? 0) > 0;
    expect(await waitUntil(scoredWithModel, 60_000, 500)).toBe(true);
    const metrics = await (
      await fetch(`http://127.0.0.1:${worker!.service.adminPort()}/metrics`)
    ).text();
    expect(metrics).toContain(`telepipe_worker_model_info{version="${version}"} 1`);
  });
});

/**
 * Opens the alert's page in headless Chromium, checks the drawing and saves a screenshot.
 * `modelVersion`: the model that scored the alert's step (null: the online detectors alone).
 */
async function checkAlertPage(url: string, modelVersion: string | null): Promise<void> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1040, height: 1200 } });
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    const main = page.locator('svg.chart[data-signal="goroutines"]');
    await expect.poll(() => main.count()).toBe(1);
    expect(await main.locator('path.series').count()).toBeGreaterThan(0);
    expect(await main.locator('path.forecast').count()).toBe(1);
    expect(await main.locator('path.threshold').count()).toBe(1);
    expect(await main.locator('circle.anomaly').count()).toBeGreaterThanOrEqual(3);
    expect(await main.locator('line.alert-time').count()).toBe(1);
    expect(await page.locator('svg.chart').count()).toBe(6);
    expect(await page.locator('h1').textContent()).toBe(
      `GoRuntimeAnomaly: Goroutines of ${service}`,
    );
    if (modelVersion === null) {
      expect(await page.locator('.note').textContent()).toMatch(/online detectors alone/);
    } else {
      expect(await page.locator('.note').count()).toBe(0);
      expect(await page.locator('table.facts').textContent()).toContain(
        `online detectors and LSTM model ${modelVersion}`,
      );
    }
    // The series line really spans the plot: drawn, not an empty path.
    const box = await main.locator('path.series').first().boundingBox();
    expect(box!.width).toBeGreaterThan(400);
    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/alert-page.png', fullPage: true });
  } finally {
    await browser.close();
  }
}
