// ClickHouse helpers for tests against the real server: a client, row counts, a migrated
// per-test database, and producing OTLP records to the test topics like the ingest does.
import { pino } from 'pino';
import {
  createClickHouseClient,
  selectRows,
  type ClickHouseClient,
} from '../../lib/clickhouse/client.ts';
import type { Config } from '../../lib/config/index.ts';
import { KafkaAdmin } from '../../lib/kafka/admin.ts';
import type { OutgoingRecord } from '../../lib/kafka/client.ts';
import { KafkaProducer } from '../../lib/kafka/producer.ts';
import { encodeRequest } from '../../lib/otlp/codec.ts';
import { recordHeaders } from '../../lib/otlp/kafka-records.ts';
import { resourceKey } from '../../lib/otlp/resources.ts';
import type { ExportRequestBySignal, Signal } from '../../lib/otlp/types.ts';
import { migrate } from '../../lib/clickhouse/migrate.ts';
import { waitUntil } from '../../infra/stack/processes.ts';

const silent = pino({ level: 'silent' });

export function testClickHouse(config: Config): ClickHouseClient {
  return createClickHouseClient(config.clickhouse);
}

export async function migrateTestDatabase(config: Config): Promise<void> {
  const client = testClickHouse(config);
  try {
    await migrate(client, config.clickhouse);
  } finally {
    await client.close();
  }
}

export async function dropTestDatabase(client: ClickHouseClient, config: Config): Promise<void> {
  await client.command({ query: `DROP DATABASE IF EXISTS ${config.clickhouse.database}` });
}

export async function count(client: ClickHouseClient, sql: string): Promise<number> {
  const rows = await selectRows<{ n: string | number }>(client, sql);
  return Number(rows[0]?.n ?? 0);
}

/** Polls until `sql` (returning `n`) reaches at least `expected`; returns the last value. */
export async function waitForCount(
  client: ClickHouseClient,
  sql: string,
  expected: number,
  timeoutMs = 90_000,
): Promise<number> {
  let last = -1;
  await waitUntil(
    async () => {
      last = await count(client, sql);
      return last >= expected;
    },
    timeoutMs,
    300,
  );
  return last;
}

export async function createTopics(config: Config): Promise<void> {
  const admin = new KafkaAdmin(config.kafka, silent);
  try {
    const { topics } = config.kafka;
    await admin.ensureTopics(
      [topics.metrics, topics.logs, topics.traces, topics.deadLetter].map((topic) => ({ topic })),
    );
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(config: Config): Promise<void> {
  const admin = new KafkaAdmin(config.kafka, silent);
  try {
    const { topics } = config.kafka;
    await admin.deleteTopics([topics.metrics, topics.logs, topics.traces, topics.deadLetter]);
  } finally {
    await admin.disconnect();
  }
}

/** A record as the ingest produces it: one resource, resource key, tenant and receive time headers. */
export function otlpRecord<S extends Signal>(
  config: Config,
  signal: S,
  request: ExportRequestBySignal[S],
  tenant?: string,
): OutgoingRecord {
  const resourceOf = (r: ExportRequestBySignal[Signal]) =>
    'resourceMetrics' in r
      ? r.resourceMetrics[0]?.resource
      : 'resourceLogs' in r
        ? r.resourceLogs[0]?.resource
        : r.resourceSpans[0]?.resource;
  const headers = recordHeaders({
    receivedNs: BigInt(Date.now()) * 1_000_000n,
    ...(tenant ? { tenant } : {}),
  });
  return {
    topic: config.kafka.topics[signal],
    key: resourceKey(resourceOf(request)),
    value: encodeRequest(signal, request),
    headers,
  };
}

export async function produce(config: Config, records: OutgoingRecord[]): Promise<void> {
  const producer = new KafkaProducer(config.kafka, silent);
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 500) await producer.send(records.slice(i, i + 500));
  } finally {
    await producer.disconnect();
  }
}
