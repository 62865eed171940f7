// Derived GC signals against the real ClickHouse (the stack's 18.16 server, old dialect): series
// of a service at the current OTel Go runtime instrumentation's defaults (no GC pause metric,
// only go.memory.allocated, go.memory.gc.goal and go.config.gogc) are read back as non-empty GC
// signals named as derived; the worker replays an allocation storm in one of them and alerts
// Alertmanager with the derived source in the summary and the `source` annotation; the alert page
// names the source of each signal, derived or measured (a twin with the deprecated metrics).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerClient, type GettableAlert } from '../../../lib/alertmanager/client.ts';
import type { Config } from '../../../lib/config/index.ts';
import { workerSchema } from '../../../lib/config/sections/worker.ts';
import { createLogger } from '../../../lib/log.ts';
import type { GoSignal } from '../../../models/features.ts';
import { waitUntil } from '../../../infra/stack/processes.ts';
import { createWorkerService, type WorkerService } from '../../../services/anomaly-worker/main.ts';
import { alertPageLink } from '../../../services/anomaly-worker/page.ts';
import { AlertPageServer } from '../../../services/anomaly-worker/page-server.ts';
import { ScoreStore } from '../../../services/anomaly-worker/scores.ts';
import { SeriesReader } from '../../../services/anomaly-worker/series-reader.ts';
import { openStorage, sqlSource, type Storage } from '../../../services/anomaly-worker/storage.ts';
import { dropTestDatabase, migrateTestDatabase } from '../../support/clickhouse.ts';
import {
  goServicePoints,
  insertMetricRows,
  metricRows,
  signalSeries,
  type Flavor,
} from '../../support/series-writer.ts';
import {
  derivedGcRows,
  expectDerivedGcRead,
  FIXTURE_FROM_BUCKET,
  FIXTURE_STEP_MS,
  FIXTURE_STEPS,
} from '../../support/series-writer-fixture.ts';
import { testConfig, uniqueSuffix } from '../../support/stack.ts';

const STEP_S = 15;
const STEPS = 200;
const REPLAY_FROM_STEP = 130;
const STORM = { from: 140, to: 160 };
const ALERTMANAGER = 'http://127.0.0.1:9093';
const MiB = 1024 * 1024;

const service = `gc-derived-${uniqueSuffix()}`;
const T0 = Math.floor((Date.now() - 3 * 3600_000) / (STEP_S * 1000)) * STEP_S * 1000;
const stepTime = (step: number): number => T0 + step * STEP_S * 1000;

/**
 * A steady Go service. Written as otelDefaults, its GC values are what the worker derives when
 * the service exports no GC pause metric: about 0.5 MiB/s allocated and 1.5 GC cycles per step;
 * during STORM (`storms`) 100 MiB/s and 11 cycles, as the example's GC fault measured. Written
 * with the deprecated metrics, they are GC pauses (3 ms p99, 4 ms in total per step).
 */
function goService(flavor: Flavor, storms: boolean) {
  const noise = (t: number, salt: number): number => (((t + salt) * 7919) % 11) - 5;
  const storming = (t: number): boolean => storms && t >= STORM.from && t < STORM.to;
  const measured = flavor !== 'otelDefaults';
  return signalSeries(T0, STEP_S, STEPS, (signal: GoSignal, t) => {
    switch (signal) {
      case 'goroutines':
        return 200 + noise(t, 1);
      case 'heap_inuse':
        return 64 * MiB + noise(t, 2) * 64 * 1024;
      case 'request_rate':
        return 10;
      case 'latency_p99':
        return 0.2;
      case 'gc_pause_p99':
        if (measured) return 0.003;
        return storming(t) ? 100 * MiB : 0.5 * MiB * (1 + noise(t, 3) / 20);
      case 'gc_pause_total':
        if (measured) return 0.004;
        return storming(t) ? 11 : 1.5 + noise(t, 4) / 10;
    }
  });
}

let config: Config;
let storage: Storage;
let worker: WorkerService | undefined;
const alertmanager = new AlertmanagerClient();

async function write(instance: string, flavor: Flavor, storms: boolean): Promise<void> {
  const rows = metricRows(
    { tenant: 'acme', service, instance },
    goServicePoints(goService(flavor, storms), { flavor }),
  );
  await insertMetricRows(storage.client, storage.dialect, config.clickhouse.database, rows);
}

async function activeAlerts(instance: string): Promise<GettableAlert[]> {
  const alerts = await alertmanager.getAlerts(ALERTMANAGER, {
    filter: [`service="${service}"`, `instance="${instance}"`],
  });
  return alerts.filter((a) => a.status.state === 'active');
}

async function page(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.text();
}

const SOURCES = {
  gc_pause_p99:
    'derived: heap allocation rate (go.memory.allocated); the series exports none of ' +
    'go.memory.gc.pause.duration, process.runtime.go.gc.pause_ns, ' +
    'process.runtime.go.gc.pause_total_ns, go_gc_duration_seconds',
  gc_pause_total:
    'derived: estimated GC cycles per step (go.memory.allocated, go.memory.gc.goal, ' +
    'go.config.gogc); the series exports none of go.memory.gc.pause.duration, ' +
    'process.runtime.go.gc.pause_ns, process.runtime.go.gc.pause_total_ns, go_gc_duration_seconds',
};

beforeAll(async () => {
  config = testConfig();
  config.alertmanager = { urls: [ALERTMANAGER] };
  config.worker = workerSchema.parse({
    adminAddress: '127.0.0.1:0',
    stepSeconds: STEP_S,
    ingestDelaySeconds: 0,
    replay: { from: new Date(stepTime(REPLAY_FROM_STEP)).toISOString(), speed: STEP_S },
    retrain: { intervalHours: 0 },
    alerts: {
      pendingSteps: 2,
      resendIntervalSeconds: 5,
      expireAfterSeconds: 120,
      retryInitialMs: 200,
      retryMaxMs: 2000,
    },
    page: { address: '127.0.0.1:0', windowMinutes: 60 },
  });
  await migrateTestDatabase(config);
  storage = await openStorage(config.clickhouse);
  await write('pod-storm', 'otelDefaults', true);
  await write('pod-legacy', 'otelLegacy', false);
  await insertMetricRows(
    storage.client,
    storage.dialect,
    config.clickhouse.database,
    derivedGcRows({ tenant: 'acme', service: `${service}-fixture`, instance: 'pod-a' }),
  );
});

afterAll(async () => {
  await worker?.service.shutdown();
  if (storage) {
    await dropTestDatabase(storage.client, config);
    await storage.client.close();
  }
});

describe('derived GC signals against ClickHouse and Alertmanager', () => {
  it('reads the GC signals of a service without GC pause metrics, across a counter reset', async () => {
    expect(storage.dialect.name).toBe('old');
    const source = sqlSource(storage);
    const reader = new SeriesReader(() => source, {
      stepMs: FIXTURE_STEP_MS,
      signals: config.worker.signals,
      instanceAttributes: config.worker.instanceAttributes,
      maxGapSteps: config.worker.maxGapSteps,
      shard: { index: 0, count: 1 },
    });
    const id = { tenant: 'acme', service: `${service}-fixture`, instance: 'pod-a' };
    const windows = await reader.read(
      FIXTURE_FROM_BUCKET + 2,
      FIXTURE_FROM_BUCKET + FIXTURE_STEPS,
      [id.service],
    );
    expectDerivedGcRead(windows, id, 2, FIXTURE_STEPS);
  });

  it('alerts on an allocation storm, naming the derived source, and the page names every source', async () => {
    worker = await createWorkerService(config);
    let alert: GettableAlert | undefined;
    expect(
      await waitUntil(
        async () => (alert = (await activeAlerts('pod-storm'))[0]) !== undefined,
        120_000,
        500,
      ),
    ).toBe(true);
    const signal = alert!.labels.signal as 'gc_pause_p99' | 'gc_pause_total';
    expect(['gc_pause_p99', 'gc_pause_total']).toContain(signal);
    expect(alert!.annotations.source).toBe(SOURCES[signal]);
    expect(alert!.annotations.summary).toMatch(
      /^GC pause (p99 \(derived: heap allocation rate\)|total per step \(derived: estimated GC cycles per step\)) of gc-derived-\S+ \(pod-storm\) is anomalous: /,
    );
    // Both GC signals moved: the allocation rate ~200-fold, the cycles ~7-fold.
    expect(alert!.annotations.correlated).toMatch(/gc_pause_p99 ×\d+/);
    expect(alert!.annotations.correlated).toMatch(/gc_pause_total ×\d+/);
    expect(await activeAlerts('pod-legacy')).toEqual([]);

    const html = await page(alert!.generatorURL!);
    expect(html).toContain(`<tr><th>Source</th><td>${SOURCES[signal]}</td></tr>`);
    expect(html).toContain('GC pause p99 (derived: heap allocation rate)</text>');
    expect(html).toContain(
      'GC pause total per step (derived: estimated GC cycles per step)</text>',
    );
    // The twin exports the deprecated metrics: its GC pauses are measured, and say from what.
    const twin = await page(
      alertPageLink(
        worker.pageUrl(),
        { tenant: 'acme', service, instance: 'pod-legacy' },
        'gc_pause_p99',
        Number(new URL(alert!.generatorURL!).searchParams.get('at')),
      ),
    );
    expect(twin).toContain('<tr><th>Source</th><td>process.runtime.go.gc.pause_ns</td></tr>');
    expect(twin).toContain('>GC pause p99</text>');
    expect(twin).not.toContain('(derived:');
  });

  it('still draws the page when the metrics cannot be read for the sources', async () => {
    const server = new AlertPageServer(
      {
        address: '127.0.0.1:0',
        externalUrl: '',
        windowMs: 3_600_000,
        alertname: 'GoRuntimeAnomaly',
        stepMs: STEP_S * 1000,
      },
      {
        scores: new ScoreStore(() => storage),
        log: createLogger('test', config),
        sources: () => Promise.reject(new Error('ClickHouse went away')),
      },
    );
    await server.start();
    try {
      const html = await page(
        alertPageLink(
          server.baseUrl(),
          { tenant: 'acme', service, instance: 'pod-storm' },
          'gc_pause_total',
          stepTime(STORM.from),
        ),
      );
      expect(html).toContain('<svg ');
      expect(html).not.toContain('<th>Source</th>');
    } finally {
      await server.shutdown();
    }
  });
});
