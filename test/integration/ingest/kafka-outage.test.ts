// Stops the real Kafka broker while OpenTelemetry exporters keep sending: the exporters get
// retryable errors (HTTP 503, gRPC UNAVAILABLE), Kafka comes back, and every data point an
// exporter was told was accepted is in Kafka. Kafka is always restarted, even on failure.
import { ValueType } from '@opentelemetry/api';
import { OTLPMetricExporter as MetricsGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { stopPid } from '../../../infra/stack/processes.ts';
import { KafkaServer } from '../../../infra/stack/servers.ts';
import { stackUp } from '../../../infra/stack/stack.ts';
import { loadConfig } from '../../../lib/config/index.ts';
import { KafkaAdmin } from '../../../lib/kafka/admin.ts';
import { decodeRequest } from '../../../lib/otlp/codec.ts';
import { attributeString } from '../../../lib/otlp/resources.ts';
import { createIngestService, type IngestService } from '../../../services/ingest/main.ts';
import { readTopic } from '../../support/kafka-read.ts';
import { silentLogger, testConfig, uniqueSuffix } from '../../support/stack.ts';

const base = testConfig();
const config = {
  ...base,
  ingest: {
    ...base.ingest,
    adminAddress: '127.0.0.1:0',
    grpc: { address: '127.0.0.1:0' },
    http: { address: '127.0.0.1:0' },
    limits: { ...base.ingest.limits, retryAfterSeconds: 1 },
    producer: { ...base.ingest.producer, ackTimeoutMs: 2000 },
  },
};
const run = uniqueSuffix();
// ExportResultCode.SUCCESS; the SDK packages carry their own copies of that enum.
const SUCCESS = 0;

/** One gauge data point whose value and `seq` attribute number the export. */
function batch(exporter: string, seq: number): ResourceMetrics {
  const now = Date.now();
  const time: [number, number] = [Math.floor(now / 1000), (now % 1000) * 1e6];
  return {
    resource: resourceFromAttributes({ 'service.name': `outage-${exporter}-${run}` }),
    scopeMetrics: [
      {
        scope: { name: 'telepipe-outage-test' },
        metrics: [
          {
            descriptor: {
              name: 'outage.seq',
              description: '',
              unit: '1',
              valueType: ValueType.INT,
            },
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.GAUGE,
            dataPoints: [{ startTime: time, endTime: time, attributes: { seq }, value: seq }],
          },
        ],
      },
    ],
  };
}

/** Exports numbered batches one after another and records which ones the exporter saw accepted. */
class ExportLoop {
  readonly accepted: number[] = [];
  readonly failed: number[] = [];
  private stopped = false;
  readonly done: Promise<void>;

  constructor(
    readonly name: string,
    private readonly exporter: PushMetricExporter,
  ) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    for (let seq = 0; !this.stopped && seq < 2000; seq++) {
      const ok = await new Promise<boolean>((resolve) =>
        this.exporter.export(batch(this.name, seq), (result) =>
          resolve(Number(result.code) === SUCCESS),
        ),
      );
      (ok ? this.accepted : this.failed).push(seq);
      await sleep(100);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    await this.exporter.shutdown();
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

async function ingestMetrics(ingest: IngestService): Promise<string> {
  return (await fetch(`http://127.0.0.1:${ingest.service.adminPort()}/metrics`)).text();
}

describe('Kafka outage', () => {
  it('answers retryably while Kafka is down and loses nothing it acknowledged', async () => {
    const kafka = new KafkaServer(loadConfig().stack);
    const ingest = await createIngestService(config);
    const loops = [
      new ExportLoop(
        'grpc',
        new MetricsGrpc({ url: `http://127.0.0.1:${ingest.grpcPort()}`, timeoutMillis: 5000 }),
      ),
      new ExportLoop(
        'proto',
        new MetricsProto({
          url: `http://127.0.0.1:${ingest.httpPort()}/v1/metrics`,
          timeoutMillis: 5000,
        }),
      ),
    ];
    let kafkaDown = false;
    try {
      await until(
        'exports while Kafka is up',
        () => loops.every((l) => l.accepted.length >= 3),
        30_000,
      );

      kafkaDown = true; // from here on, the finally brings Kafka back whatever happens
      expect(await stopPid(kafka.pidFile), 'Kafka must be run by `telepipe stack`').toBe(true);
      const failedBefore = loops.map((l) => l.failed.length);
      await until(
        'failed exports',
        () => loops.every((l, i) => l.failed.length > failedBefore[i]!),
        60_000,
      );
      const ready = await fetch(`http://127.0.0.1:${ingest.service.adminPort()}/readyz`);
      expect(ready.status).toBe(503);

      await stackUp(loadConfig(), () => undefined);
      kafkaDown = false;
      const readyz = `http://127.0.0.1:${ingest.service.adminPort()}/readyz`;
      await until('ready again', async () => (await fetch(readyz)).status === 200, 60_000);
      const acceptedAfter = loops.map((l) => l.accepted.length);
      await until(
        'exports after Kafka is back',
        () => loops.every((l, i) => l.accepted.length >= acceptedAfter[i]! + 3),
        120_000,
      );
    } finally {
      if (kafkaDown) await stackUp(loadConfig(), () => undefined);
      await Promise.all(loops.map((l) => l.stop()));
    }

    try {
      const metrics = await ingestMetrics(ingest);
      expect(metrics).toMatch(
        /telepipe_ingest_requests_total\{protocol="http",signal="metrics",code="503"\} [1-9]/,
      );
      expect(metrics).toMatch(
        /telepipe_ingest_requests_total\{protocol="grpc",signal="metrics",code="UNAVAILABLE"\} [1-9]/,
      );

      const inKafka = new Map<string, Set<number>>(loops.map((l) => [l.name, new Set()]));
      for (const record of await readTopic(config.kafka, config.kafka.topics.metrics)) {
        for (const rm of decodeRequest('metrics', record.value).resourceMetrics) {
          const service = attributeString(rm.resource?.attributes, 'service.name') ?? '';
          const name = service.split('-')[1] ?? '';
          for (const sm of rm.scopeMetrics) {
            for (const m of sm.metrics) {
              for (const p of m.gauge?.dataPoints ?? []) inKafka.get(name)?.add(Number(p.asInt));
            }
          }
        }
      }
      for (const loop of loops) {
        expect(loop.failed.length, loop.name).toBeGreaterThan(0);
        const missing = loop.accepted.filter((seq) => !inKafka.get(loop.name)!.has(seq));
        expect(missing, `${loop.name}: acknowledged but not in Kafka`).toEqual([]);
      }
    } finally {
      await ingest.service.shutdown();
      const admin = new KafkaAdmin(config.kafka, silentLogger);
      await admin.deleteTopics(Object.values(config.kafka.topics));
      await admin.disconnect();
    }
  });
});
