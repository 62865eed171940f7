// End to end on the worker's default config (15 s steps, the shipped base model, default alert
// timing): four real Go services start together, each run the way `npm start` runs the example.
// Three get one of the README's faults each — a goroutine leak within a minute of the service's
// first rows, GC pressure, latency — which must raise a GoRuntimeAnomaly alert within 2 minutes
// and resolve once the fault is removed. The fourth, a twin, runs fault-free for 20 minutes and
// must raise none. The measured times are printed (and written to test-output/go-faults.json).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcessor } from '../support/processor.ts';
import { createClickHouseClient, selectRows } from '../../lib/clickhouse/client.ts';
import type { Service } from '../../lib/service.ts';
import { runMigrations } from '../../lib/clickhouse/migrate.ts';
import { createIngestService, type IngestService } from '../../services/ingest/main.ts';
import { createWorkerService, type WorkerService } from '../../services/anomaly-worker/main.ts';
import { buildGoService, GoService } from '../support/go-service.ts';
import { testConfig, uniqueSuffix } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

/** The README's promise: an alert within 2 minutes of injecting a fault. */
const ALERT_WITHIN_MS = 120_000;
/** Injected this long after the faulty service's first rows: within its first minute. */
const LEAK_AFTER_FIRST_ROWS_MS = 30_000;
/** The fault-free twin must stay silent at least this long. */
const FAULT_FREE_MS = 20 * 60_000;
const RESOLVE_WITHIN_MS = 5 * 60_000;

const suffix = uniqueSuffix();
const names = {
  leak: `e2e-leak-${suffix}`,
  gc: `e2e-gc-${suffix}`,
  latency: `e2e-latency-${suffix}`,
  twin: `e2e-twin-${suffix}`,
};
const config = testConfig({
  ingest: { adminAddress: '127.0.0.1:0' },
  processor: { adminAddress: '127.0.0.1:0' },
});
config.ingest.grpc.address = '127.0.0.1:0';
config.ingest.http.address = '127.0.0.1:0';
// The worker's defaults, but for ports, an empty models folder (so the shipped base model
// scores, as on a fresh install) and no retraining during the test.
config.worker.adminAddress = '127.0.0.1:0';
config.worker.page.address = '127.0.0.1:0';
config.worker.model.dir = mkdtempSync(join(tmpdir(), 'telepipe-e2e-models-'));
config.worker.retrain.intervalHours = 0;

const db = config.clickhouse.database;
const clickhouse = createClickHouseClient(config.clickhouse);
const alertmanager = config.alertmanager.urls[0]!;
/** The example's own defaults, as `npm start` runs it. */
const EXAMPLE_ENV = { LOAD_RPS: '5', OTEL_METRIC_EXPORT_INTERVAL: '5000' };

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

let ingest: IngestService;
let processor: Service;
let worker: WorkerService;
const services = new Map<keyof typeof names, GoService>();
let startedAt = 0;
/** Every alert seen for the twin, by fingerprint-ish key; polled for the whole run. */
const twinAlerts = new Map<string, AmAlert>();
let polling = true;
let poller: Promise<void> | undefined;
const figures: Record<string, number> = {};

async function alertsFor(service: string): Promise<AmAlert[]> {
  const filter = encodeURIComponent(`service="${service}"`);
  const res = await fetch(`${alertmanager}/api/v2/alerts?filter=${filter}`);
  const alerts = (await res.json()) as AmAlert[];
  return alerts.filter((a) => Date.parse(a.endsAt) > Date.now());
}

async function firstRowsOf(service: string): Promise<void> {
  await waitFor(
    `the first rows of ${service}`,
    async () => {
      const rows = await selectRows<{ n: string | number }>(
        clickhouse,
        `SELECT count() AS n FROM ${db}.otel_metrics_sum WHERE ServiceName = '${service}'`,
      );
      return Number(rows[0]?.n ?? 0) > 0 ? true : undefined;
    },
    120_000,
    2000,
  );
}

/** What the worker scored for a service lately, for a failure's message. */
async function recentScores(service: string, limit = 60): Promise<string> {
  const res = await clickhouse.query({
    query: `SELECT Timestamp, Signal, Observed, Expected, Upper, Score, Anomalous, DrivingSignal, Method FROM ${db}.anomaly_scores WHERE ServiceName = '${service}' ORDER BY Timestamp DESC, Signal LIMIT ${limit}`,
    format: 'TabSeparated',
  });
  return res.text();
}

/**
 * Injects a fault into the faulty service, measures the time to its first alert on one of
 * `signals`, removes the fault and waits for the alert to resolve. Returns the seconds to alert.
 */
async function faultRoundTrip(
  name: 'leak' | 'gc' | 'latency',
  path: string,
  signals: readonly string[],
): Promise<number> {
  const service = names[name];
  const faulty = services.get(name)!;
  const injectedAt = Date.now();
  await faulty.call('POST', path);
  try {
    const alert = await waitFor(
      `a GoRuntimeAnomaly alert for ${name}`,
      async () =>
        (await alertsFor(service)).find(
          (a) =>
            a.labels['alertname'] === 'GoRuntimeAnomaly' &&
            Date.parse(a.startsAt) >= injectedAt - 15_000,
        ),
      ALERT_WITHIN_MS + 60_000,
    );
    const seconds = (Date.now() - injectedAt) / 1000;
    figures[`${name}_seconds_to_alert`] = Math.round(seconds);
    expect(signals, `${name} alerted on ${alert.labels['signal']}`).toContain(
      alert.labels['signal'],
    );
    expect(seconds * 1000, `${name}: ${seconds} s to alert`).toBeLessThanOrEqual(ALERT_WITHIN_MS);
  } catch (err) {
    process.stderr.write(
      `e2e ${name}: latest scores of ${service}:\n${await recentScores(service)}\n`,
    );
    throw err;
  } finally {
    await faulty.call('DELETE', path.split('?')[0]!);
  }
  const removedAt = Date.now();
  try {
    await waitFor(
      `the ${name} alert to resolve`,
      async () => ((await alertsFor(service)).length === 0 ? true : undefined),
      RESOLVE_WITHIN_MS,
    );
  } catch (err) {
    // Into the error itself: CI keeps the failure summary, not the whole log.
    const firing = (await alertsFor(service)).map((a) => ({ ...a.labels, ...a.annotations }));
    throw new Error(
      `${(err as Error).message}; still firing ${JSON.stringify(firing)}\nlatest scores of ${service}:\n${await recentScores(service, 24)}`,
    );
  }
  figures[`${name}_seconds_to_resolve`] = Math.round((Date.now() - removedAt) / 1000);
  return figures[`${name}_seconds_to_alert`]!;
}

async function pollTwin(): Promise<void> {
  while (polling) {
    for (const a of await alertsFor(names.twin).catch(() => [])) {
      twinAlerts.set(`${a.labels['signal']}@${a.startsAt}`, a);
    }
    await sleep(10_000);
  }
}

describe('README faults on the default worker config, beside a fault-free twin', () => {
  beforeAll(async () => {
    const binary = await buildGoService(mkdtempSync(join(tmpdir(), 'telepipe-e2e-bin-')));
    await runMigrations(config);
    ingest = await createIngestService(config);
    processor = await startProcessor(config);
    worker = await createWorkerService(config);
    const started = await Promise.all(
      Object.values(names).map((name) =>
        GoService.start(binary, ingest.grpcPort(), name, EXAMPLE_ENV),
      ),
    );
    Object.keys(names).forEach((key, i) => services.set(key as keyof typeof names, started[i]!));
    startedAt = Date.now();
    poller = pollTwin();
  }, 300_000);

  afterAll(async () => {
    polling = false;
    await poller;
    for (const service of services.values()) service.kill();
    await ingest?.service.shutdown();
    await processor?.shutdown();
    await worker?.service.shutdown();
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${db}` });
    await clickhouse.close();
    process.stderr.write(`e2e go-faults: ${JSON.stringify(figures)}\n`);
    mkdirSync('test-output', { recursive: true });
    writeFileSync('test-output/go-faults.json', JSON.stringify(figures, null, 2) + '\n');
  });

  it('alerts on a goroutine leak injected within the first minute, within 2 minutes', async () => {
    await firstRowsOf(names.leak);
    const firstRowsAt = Date.now();
    await sleep(LEAK_AFTER_FIRST_ROWS_MS);
    figures['leak_injected_seconds_after_first_rows'] = Math.round(
      (Date.now() - firstRowsAt) / 1000,
    );
    await faultRoundTrip('leak', '/fault/goroutine-leak', ['goroutines', 'heap_inuse']);
  }, 600_000);

  it('alerts on GC pressure within 2 minutes, and the alert resolves', async () => {
    await faultRoundTrip('gc', '/fault/gc-pressure', [
      'gc_pause_p99',
      'gc_pause_total',
      'heap_inuse',
    ]);
  }, 600_000);

  it('alerts on a latency fault within 2 minutes, and the alert resolves', async () => {
    await faultRoundTrip('latency', '/fault/latency?ms=300', ['latency_p99', 'goroutines']);
  }, 600_000);

  it(
    'raises no alert for the fault-free twin in 20 minutes',
    async () => {
      await firstRowsOf(names.twin);
      const remaining = startedAt + FAULT_FREE_MS - Date.now();
      if (remaining > 0) await sleep(remaining);
      figures['twin_fault_free_minutes'] = Math.round((Date.now() - startedAt) / 60_000);
      figures['twin_alerts'] = twinAlerts.size;
      const seen = [...twinAlerts.values()].map((a) => ({ ...a.labels, ...a.annotations }));
      if (seen.length > 0) {
        process.stderr.write(`e2e twin: scores:\n${await recentScores(names.twin)}\n`);
      }
      expect(seen).toEqual([]);
    },
    FAULT_FREE_MS + 120_000,
  );
});
