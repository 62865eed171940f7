// ClickHouseWriter against an in-memory insert target, acknowledging to the receiver's real
// partition finalizer over a recording offset committer: batching by rows and age, one
// INSERT per table per batch, commits only after the inserts, the recorded batch end
// that makes a replay repeat the same tokens, retries, and bisection of rejected rows.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { EncodedInsert } from '../../../lib/clickhouse/client.ts';
import { Dialect, type DialectName } from '../../../lib/clickhouse/dialect.ts';
import { invalidArgument, unavailable } from '../../../lib/errors.ts';
import type { RecordRows, RowsBatch } from '../../../services/processor/acknowledgements.ts';
import { ClickHouseWriter } from '../../../services/processor/clickhouse-writer.ts';
import type { SourceRecord } from '../../../services/processor/dead-letter-exporter.ts';
import { PartitionFinalizer } from '../../../services/processor/kafka-finalizer.ts';
import { createProcessorMetrics } from '../../../services/processor/metrics.ts';
import type { OffsetCommitter } from '../../../services/processor/offsets.ts';
import { buildRows } from '../../../services/processor/rows/index.ts';
import { logsRequest, metricsRequest, SEC } from '../../support/clickhouseFixtures.ts';

const T0 = 1_700_000_000n * SEC;

interface Harness {
  writer: ClickHouseWriter;
  /** The rows of records of partition 0 of topic `t`, as the decode stage hands them over. */
  partitionRows: (...records: RecordRows[]) => RowsBatch;
  inserts: (EncodedInsert & { rows: Record<string, unknown>[] })[];
  events: string[];
  deadLettered: number[];
}

function harness(options: {
  dialect?: DialectName;
  maxRows?: number;
  maxAgeMs?: number;
  recordedEnd?: number;
  insert?: (insert: EncodedInsert, rows: Record<string, unknown>[]) => void;
  /** How many offset commits Kafka refuses first. */
  failedCommits?: number;
  /** The partition went to another member: heartbeats throw. */
  partitionLost?: boolean;
}): Harness {
  let failedCommits = options.failedCommits ?? 0;
  const inserts: Harness['inserts'] = [];
  const events: string[] = [];
  const deadLettered: number[] = [];
  const committer: OffsetCommitter = {
    commit: (_topic, partition, offset, batchEnd) => {
      if (failedCommits-- > 0) {
        events.push(`commit ${partition}@${offset} failed`);
        return Promise.reject(new Error('The coordinator is not aware of this member'));
      }
      events.push(
        batchEnd === undefined
          ? `commit ${partition}@${offset}`
          : `plan ${partition}@${offset}-${batchEnd}`,
      );
      return Promise.resolve();
    },
    recordedBatchEnd: (_t, _p, offset) =>
      Promise.resolve(offset === 3 ? options.recordedEnd : undefined),
    seek: (_topic, partition, offset) => void events.push(`seek ${partition}@${offset}`),
    heartbeat: () => {
      events.push('heartbeat');
      return options.partitionLost
        ? Promise.reject(new Error('The group is rebalancing'))
        : Promise.resolve();
    },
  };
  const deadLetters = {
    send: (records: { source: SourceRecord }[]) => {
      deadLettered.push(...records.map((r) => r.source.offset));
      return Promise.resolve();
    },
  };
  const log = pino({ level: 'silent' });
  const finalizer = new PartitionFinalizer('t', 0, {
    offsets: committer,
    deadLetters,
    retry: { initialMs: 1, maxMs: 5 },
    stopping: () => false,
    log,
  });
  const partitionRows = (...records: RecordRows[]): RowsBatch => {
    finalizer.track(
      records.map((r) => ({ offset: r.position, key: null, value: Buffer.alloc(0), headers: {} })),
    );
    return { records, finalizer };
  };
  const writer = new ClickHouseWriter(
    {
      database: 'db',
      format: 'JSONEachRow', // readable bodies for the assertions
      batch: {
        maxRows: options.maxRows ?? 1000,
        maxBytes: 1 << 24,
        maxAgeMs: options.maxAgeMs ?? 60_000,
      },
      retry: { initialMs: 1, maxMs: 5 },
    },
    () =>
      Promise.resolve({
        dialect: new Dialect(options.dialect ?? 'modern'),
        insert: (insert: EncodedInsert) => {
          const rows = Buffer.from(insert.body)
            .toString()
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, unknown>);
          options.insert?.(insert, rows);
          inserts.push({ ...insert, rows });
          events.push(`insert ${insert.table} ${rows.length}`);
          return Promise.resolve();
        },
        reachable: () => Promise.resolve(true),
        close: () => Promise.resolve(),
      }),
    createProcessorMetrics(new Registry()),
    log,
  );
  return { writer, partitionRows, inserts, events, deadLettered };
}

function logRecord(offset: number, rows = 4, body = 'ok'): RecordRows {
  const request = logsRequest({
    service: 'svc',
    t0: T0,
    count: rows,
    marker: `o${offset}`,
    body: (i) => `${body} ${offset}.${i}`,
  });
  return {
    position: offset,
    rows: buildRows('logs', request, { tenantId: 'default' }),
    receivedMs: Date.now(),
  };
}

describe('ClickHouseWriter', () => {
  it('inserts a batch once a table reaches maxRows, then commits past it', async () => {
    const h = harness({ maxRows: 10 });
    await h.writer.start();
    await h.writer.consume(h.partitionRows(logRecord(0), logRecord(1)));
    expect(h.inserts).toEqual([]);
    await h.writer.consume(h.partitionRows(logRecord(2), logRecord(3)));
    // Records 0..2 hold 12 rows ≥ 10: one INSERT, the end recorded before it, the commit after.
    expect(h.events).toEqual(['plan 0@0-2', 'insert otel_logs 12', 'commit 0@3']);
    expect(h.inserts[0]!.settings).toMatchObject({ insert_deduplication_token: 't:0:0-2' });
    await h.writer.shutdown(); // flushes record 3
    expect(h.events.slice(3)).toEqual(['plan 0@3-3', 'insert otel_logs 4', 'commit 0@4']);
  });

  it('inserts when the oldest row reaches maxAgeMs', async () => {
    const h = harness({ maxAgeMs: 30 });
    await h.writer.start();
    await h.writer.consume(h.partitionRows(logRecord(0)));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(h.events).toEqual(['plan 0@0-0', 'insert otel_logs 4', 'commit 0@1']);
    await h.writer.shutdown();
  });

  it('sends one INSERT per table of a batch', async () => {
    const h = harness({ dialect: 'old' });
    await h.writer.start();
    const rows = buildRows('metrics', metricsRequest({ service: 's', t0: T0, goroutines: 1 }), {
      tenantId: 'x',
    });
    await h.writer.consume(h.partitionRows({ position: 0, rows, receivedMs: undefined }));
    await h.writer.shutdown();
    expect(h.inserts.map((i) => `${i.table} ${i.rows.length}`).sort()).toEqual([
      'otel_metrics_exponential_histogram 1',
      'otel_metrics_gauge 1',
      'otel_metrics_histogram 4',
      'otel_metrics_sum 2',
      'otel_metrics_summary 1',
    ]);
    // Old servers: no tokens, no recorded batch end; still one commit after all inserts.
    expect(h.inserts.every((i) => Object.keys(i.settings ?? {}).length === 0)).toBe(true);
    expect(h.events.filter((e) => !e.startsWith('insert'))).toEqual(['commit 0@1']);
  });

  it('replays a crashed batch exactly: same end, same token, whatever the thresholds say', async () => {
    const h = harness({ maxRows: 4, recordedEnd: 5 });
    await h.writer.start();
    await h.writer.consume(h.partitionRows(logRecord(3), logRecord(4)));
    expect(h.inserts).toEqual([]); // 8 rows ≥ maxRows, but the recorded batch ends at 5
    await h.writer.consume(h.partitionRows(logRecord(5), logRecord(6)));
    expect(h.events.slice(0, 2)).toEqual(['insert otel_logs 12', 'commit 0@6']);
    expect(h.inserts[0]!.settings).toMatchObject({ insert_deduplication_token: 't:0:3-5' });
    await h.writer.shutdown();
  });

  it('retries an unavailable server with backoff and heartbeats, then stores once', async () => {
    let failures = 2;
    const h = harness({
      insert: () => {
        if (failures-- > 0) throw unavailable('connection refused');
      },
    });
    await h.writer.start();
    await h.writer.consume(h.partitionRows(logRecord(0)));
    await h.writer.shutdown();
    expect(h.events).toEqual([
      'plan 0@0-0',
      'heartbeat',
      'heartbeat',
      'insert otel_logs 4',
      'commit 0@1',
    ]);
  });

  it('dead-letters only the records whose rows are rejected, and stores the rest', async () => {
    const h = harness({
      dialect: 'old',
      insert: (_insert, rows) => {
        if (rows.some((r) => String(r.Body).startsWith('poison')))
          throw invalidArgument('Code: 395, throwIf');
      },
    });
    await h.writer.start();
    await h.writer.consume(
      h.partitionRows(
        logRecord(0),
        logRecord(1),
        logRecord(2, 4, 'poison'),
        logRecord(3),
        logRecord(4),
      ),
    );
    await h.writer.shutdown();
    expect(h.deadLettered).toEqual([2]);
    const stored = h.inserts.flatMap((i) =>
      i.rows.map((r) => String(r.Body).split(' ')[1]!.split('.')[0]),
    );
    expect([...new Set(stored)].sort()).toEqual(['0', '1', '3', '4']);
    expect(stored).toHaveLength(16);
    expect(h.events[h.events.length - 1]).toBe('commit 0@5');
  });

  it('drops an unstored batch when the partition is re-read from an earlier offset', async () => {
    const h = harness({ dialect: 'old' });
    await h.writer.start();
    await h.writer.consume(h.partitionRows(logRecord(0), logRecord(1)));
    await h.writer.consume(h.partitionRows(logRecord(0))); // e.g. after a rebalance
    await h.writer.shutdown();
    expect(h.events).toEqual(['insert otel_logs 4', 'commit 0@1']);
  });

  it('retries a refused offset commit while it owns the partition, and goes on', async () => {
    const h = harness({ dialect: 'old', maxRows: 4, failedCommits: 1 });
    await h.writer.start();
    await h.writer.consume(h.partitionRows(logRecord(0), logRecord(1)));
    expect(h.events).toEqual([
      'insert otel_logs 4',
      'commit 0@1 failed',
      'heartbeat',
      'commit 0@1',
      'insert otel_logs 4',
      'commit 0@2',
    ]);
  });

  it('stores nothing more of a partition it lost before a commit: only that batch is replayed', async () => {
    const h = harness({ dialect: 'old', maxRows: 4, failedCommits: 1, partitionLost: true });
    await h.writer.start();
    await h.writer.consume(h.partitionRows(logRecord(0), logRecord(1), logRecord(2)));
    // Records 1 and 2 were fetched before the loss: the new owner reads them (and 0) again.
    expect(h.events).toEqual(['insert otel_logs 4', 'commit 0@1 failed', 'heartbeat', 'seek 0@0']);
  });
});
