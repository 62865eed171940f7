// `telepipe train` (runTrain): reads the Go series from the real ClickHouse, trains a model on
// them and saves it as a version the worker can load; progress goes to the given output.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../lib/config/index.ts';
import { DEFAULT_INPUT_NORMALIZATION } from '../../../models/features.ts';
import { listVersions } from '../../../models/store.ts';
import { runTrain } from '../../../services/anomaly-worker/main.ts';
import { openStorage } from '../../../services/anomaly-worker/storage.ts';
import { dropTestDatabase, migrateTestDatabase, testClickHouse } from '../../support/clickhouse.ts';
import {
  goServicePoints,
  insertMetricRows,
  metricRows,
  signalSeries,
} from '../../support/series-writer.ts';
import { testConfig, uniqueSuffix } from '../../support/stack.ts';

const STEP_S = 15;
const STEPS = 480;
const T0 = Math.floor((Date.now() - 4 * 3600_000) / (STEP_S * 1000)) * STEP_S * 1000;
const service = `trainee-${uniqueSuffix()}`;
const instances = ['pod-1', 'pod-2'];
let config: Config;
let outDir: string;

beforeAll(async () => {
  config = testConfig();
  outDir = mkdtempSync(join(tmpdir(), 'telepipe-train-'));
  await migrateTestDatabase(config);
  const storage = await openStorage(config.clickhouse);
  try {
    for (const [i, instance] of instances.entries()) {
      const series = signalSeries(T0, STEP_S, STEPS, (signal, t) =>
        signal === 'goroutines'
          ? 150 + 20 * Math.sin((t + i * 7) / 12) + ((t * 7919) % 5)
          : signal === 'heap_inuse'
            ? 8e7 + 1e6 * Math.cos(t / 9)
            : signal === 'request_rate'
              ? 10
              : signal === 'latency_p99'
                ? 0.2
                : signal === 'gc_pause_p99'
                  ? 0.003
                  : 0.004,
      );
      const rows = metricRows(
        { tenant: 'acme', service, instance },
        goServicePoints(series, { flavor: 'otelLegacy' }),
      );
      await insertMetricRows(storage.client, storage.dialect, config.clickhouse.database, rows);
    }
  } finally {
    await storage.client.close();
  }
});

afterAll(async () => {
  const client = testClickHouse(config);
  await dropTestDatabase(client, config);
  await client.close();
  rmSync(outDir, { recursive: true, force: true });
});

describe('runTrain', () => {
  it('trains on ClickHouse history and saves a new model version', async () => {
    let output = '';
    const result = await runTrain(config, {
      hours: 3,
      now: new Date(T0 + STEPS * STEP_S * 1000),
      epochs: 2,
      window: 8,
      outDir,
      output: { write: (text: string) => ((output += text), true) },
    });
    const { metadata } = result;
    expect(await listVersions(join(outDir, 'go-runtime'))).toEqual([metadata.version]);
    expect(result.path).toBe(join(outDir, 'go-runtime', metadata.version));
    expect(metadata).toMatchObject({ window: 8, stepSeconds: STEP_S });
    // Inputs are normalized online per step (format 2), not with per-series statistics.
    expect(metadata.normalization).toEqual(DEFAULT_INPUT_NORMALIZATION);
    expect(metadata.trainingRange.series).toBe(2);
    // Not a terminal: one line per epoch, then where the model went.
    expect(output).toMatch(/^epoch 1\/2 loss \d/m);
    expect(output).toContain(`saved go-runtime ${metadata.version} to ${result.path} (2 series`);
  });
});
