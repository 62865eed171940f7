// Collector → telepipe: OTLP/HTTP requests sent to the real Collector's otlpreceiver leave its
// kafkaexporter as `otlp_proto` records (one per request, no telepipe headers) on telepipe's
// topics; telepipe's processor, built by its one builder, stores every data point, log record
// and span of them in ClickHouse, row for row, under the default tenant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../infra/stack/processes.ts';
import { selectRows, type ClickHouseClient } from '../../../lib/clickhouse/client.ts';
import { decodeRequest, encodeRequest } from '../../../lib/otlp/codec.ts';
import { DEFAULT_TENANT, RECORD_HEADERS } from '../../../lib/otlp/kafka-records.ts';
import { countItems } from '../../../lib/otlp/resources.ts';
import type { Signal } from '../../../lib/otlp/types.ts';
import type { Service } from '../../../lib/service.ts';
import { count, deleteTopics, dropTestDatabase, testClickHouse } from '../../support/clickhouse.ts';
import { METRICS_ROWS } from '../../support/clickhouseFixtures.ts';
import { readTopic } from '../../support/kafka-read.ts';
import {
  kafkaExporter,
  otlpHttpReceiver,
  signalPipelines,
  startCollector,
  type RunningCollector,
} from '../../support/otelcol.ts';
import { prepare, processorTestConfig, startProcessor } from '../../support/processor.ts';
import { freePort } from '../../support/stack.ts';
import { identitiesOf, identity, interopRequests, SIGNALS, spanItem } from './interop-data.ts';

const config = processorTestConfig();
const db = config.clickhouse.database;
const { metrics: metricsTopic, logs: logsTopic, traces: tracesTopic } = config.kafka.topics;
const sent = interopRequests();

/** Rows each table must hold: one per data point (by type), log record or span sent. */
const expectedRows: Record<Signal, Record<string, number>> = {
  metrics: Object.fromEntries(
    Object.entries(METRICS_ROWS).map(([table, perResource]) => [
      table,
      perResource * sent.metrics.resourceMetrics.length,
    ]),
  ),
  logs: { otel_logs: countItems('logs', sent.logs) },
  traces: { otel_traces: countItems('traces', sent.traces) },
};

/** The stored rows' identity lines (interop-data.ts), sorted like identitiesOf. */
async function storedIdentities(ch: ClickHouseClient, signal: Signal): Promise<string[]> {
  const lines: string[] = [];
  for (const table of Object.keys(expectedRows[signal])) {
    if (signal === 'metrics') {
      const rows = await selectRows<{ ServiceName: string; MetricName: string }>(
        ch,
        `SELECT ServiceName, MetricName FROM ${db}.${table}`,
      );
      lines.push(...rows.map((r) => identity(r.ServiceName, r.MetricName)));
    } else if (signal === 'logs') {
      const rows = await selectRows<{ ServiceName: string; Body: string }>(
        ch,
        `SELECT ServiceName, Body FROM ${db}.${table}`,
      );
      lines.push(...rows.map((r) => identity(r.ServiceName, r.Body)));
    } else {
      const rows = await selectRows<{
        ServiceName: string;
        TraceId: string;
        SpanId: string;
        SpanName: string;
      }>(ch, `SELECT ServiceName, TraceId, SpanId, SpanName FROM ${db}.${table}`);
      lines.push(
        ...rows.map((r) => identity(r.ServiceName, spanItem(r.TraceId, r.SpanId, r.SpanName))),
      );
    }
  }
  return lines.sort();
}

describe('Collector (otlpreceiver → kafkaexporter, otlp_proto) → telepipe processor → ClickHouse', () => {
  let collector: RunningCollector;
  let processor: Service;
  let ch: ClickHouseClient;

  beforeAll(async () => {
    await prepare(config);
    ch = testClickHouse(config);
    const port = await freePort();
    collector = await startCollector({
      receivers: { otlp: otlpHttpReceiver(port) },
      exporters: {
        kafka: kafkaExporter(config.kafka.brokers, {
          metrics: metricsTopic,
          logs: logsTopic,
          traces: tracesTopic,
        }),
      },
      service: { pipelines: signalPipelines(SIGNALS, 'otlp', 'kafka') },
    });
    processor = await startProcessor(config);
    for (const signal of SIGNALS) {
      const response = await fetch(`http://127.0.0.1:${port}/v1/${signal}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: encodeRequest(signal, sent[signal]),
      });
      expect(response.status, collector.output()).toBe(200);
    }
    // One deadline for all tables: when interop is broken the tests below fail on the
    // counts at once instead of each waiting for its own.
    const tables = SIGNALS.flatMap((signal) => Object.entries(expectedRows[signal]));
    await waitUntil(async () => {
      for (const [table, rows] of tables) {
        if ((await count(ch, `SELECT count() AS n FROM ${db}.${table}`)) < rows) return false;
      }
      return true;
    }, 90_000);
  }, 900_000); // a first run builds the Collector (bench/peer/collector.ts)

  afterAll(async () => {
    await collector?.stop();
    await processor?.shutdown();
    if (ch) {
      await dropTestDatabase(ch, config);
      await ch.close();
    }
    await deleteTopics(config);
  });

  it.each(SIGNALS)(
    'the Collector writes the %s request as one record without a tenant header',
    async (signal) => {
      const records = await readTopic(config.kafka, config.kafka.topics[signal]);
      expect(records).toHaveLength(1);
      expect(records[0]!.headers[RECORD_HEADERS.tenant]).toBeUndefined();
      expect(identitiesOf(signal, [decodeRequest(signal, records[0]!.value)])).toEqual(
        identitiesOf(signal, [sent[signal]]),
      );
    },
  );

  it.each(SIGNALS)(
    'the processor stores every %s item, row for row, under the default tenant',
    async (signal) => {
      for (const [table, rows] of Object.entries(expectedRows[signal])) {
        // Rows per tenant: the right count, and all of them under the default tenant.
        const tenants = await selectRows<{ TenantId: string; n: string }>(
          ch,
          `SELECT TenantId, count() AS n FROM ${db}.${table} GROUP BY TenantId`,
        );
        expect([table, tenants.map((t) => [t.TenantId, Number(t.n)])]).toEqual([
          table,
          [[DEFAULT_TENANT, rows]],
        ]);
      }
      expect(await storedIdentities(ch, signal)).toEqual(identitiesOf(signal, [sent[signal]]));
    },
  );
});
