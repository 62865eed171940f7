// What the crash and fault tests hold each engine to (docs/storage.md, Delivery): no row
// lost anywhere; no row stored twice where inserts carry deduplication tokens (modern);
// on 18.16 at most one batch per partition stored twice per fault: the batch whose INSERT
// succeeded before its offset commit did.
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { ClickHouseClient } from '../../../lib/clickhouse/client.ts';
import { attr } from '../../../lib/clickhouse/queries.ts';
import type { Config } from '../../../lib/config/index.ts';
import { count } from '../../support/clickhouse.ts';
import type { Engine } from '../../support/engines.ts';

/** Distinct log rows stored (every row sent has its own `seq` attribute). */
export const uniqueLogRowsSql = (engine: Engine, config: Config): string =>
  `SELECT uniqExact(${attr(engine.dialect, 'LogAttributes', 'seq')}) AS n FROM ${config.clickhouse.database}.otel_logs`;

/** The most rows one batch per partition holds: a batch closes on the record taking it to `maxRows`. */
export const batchPerPartitionRows = (config: Config, rowsPerRecord: number): number =>
  config.kafka.partitions * (config.processor.batch.maxRows + rowsPerRecord - 1);

/** The most rows 18.16 may store twice after `faults` faults: one batch per partition each. */
export const duplicateBound = (config: Config, rowsPerRecord: number, faults: number): number =>
  faults * batchPerPartitionRows(config, rowsPerRecord);

/**
 * Polls often until `sql` (returning `n`) exceeds `than`: a fault injected then comes right
 * after a store, while the batches of other partitions are in flight.
 */
export async function waitForMore(
  ch: ClickHouseClient,
  sql: string,
  than: number,
): Promise<number> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const n = await count(ch, sql);
    if (n > than || Date.now() > deadline) return n;
    await sleep(25);
  }
}

export interface DeliveryFigures {
  sent: number;
  stored: number;
  duplicated: number;
  bound: number;
}

/**
 * Asserts the engine's delivery guarantee for `sent` log rows after `faults` faults, once
 * every row arrived; prints the figures (docs/storage.md quotes them).
 */
export async function expectDelivery(
  ch: ClickHouseClient,
  engine: Engine,
  config: Config,
  run: { label: string; sent: number; rowsPerRecord: number; faults: number },
): Promise<DeliveryFigures> {
  expect(await count(ch, uniqueLogRowsSql(engine, config))).toBe(run.sent);
  const stored = await count(
    ch,
    `SELECT count() AS n FROM ${config.clickhouse.database}.otel_logs`,
  );
  const figures = {
    sent: run.sent,
    stored,
    duplicated: stored - run.sent,
    bound: engine.exactlyOnce ? 0 : duplicateBound(config, run.rowsPerRecord, run.faults),
  };
  process.stderr.write(
    `[delivery] ${run.label} on ${engine.name}: faults=${run.faults} sent=${figures.sent} ` +
      `stored=${figures.stored} duplicated=${figures.duplicated} bound=${figures.bound}\n`,
  );
  if (engine.exactlyOnce) expect(stored).toBe(run.sent);
  else expect(figures.duplicated).toBeLessThanOrEqual(figures.bound);
  return figures;
}
