// Test harness for the ingest receivers without Kafka: the real gRPC and HTTP receivers
// and intake, on free ports, feeding a consumer that records what it gets (with the Kafka
// records the exporter would produce) or fails the way the exporter would.
import {
  Client,
  credentials as grpcCredentials,
  Metadata,
  type ChannelCredentials,
  type ServiceError,
} from '@grpc/grpc-js';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { Registry } from 'prom-client';
import type { Downstream } from '../../../lib/component.ts';
import { parseConfig } from '../../../lib/config/index.ts';
import { unavailable } from '../../../lib/errors.ts';
import type { OutgoingRecord } from '../../../lib/kafka/client.ts';
import {
  decodeJsonRequest,
  encodeRequest,
  GRPC_SERVICES,
  protoRoot,
  serviceProtoFile,
} from '../../../lib/otlp/codec.ts';
import type { ExportRequestBySignal, Signal } from '../../../lib/otlp/types.ts';
import type { OtlpExport } from '../../../services/ingest/intake.ts';
import { createReceivers } from '../../../services/ingest/pipeline.ts';
import { outgoingRecords } from '../../../lib/otlp/kafka-records.ts';
import { silentLogger } from '../../support/stack.ts';

export const TRACE_ID = '5b8efff798038103d269b633813fc60c';
export const SPAN_ID = 'eee19b7ec3c1b174';

const resource = (service: string) => ({
  attributes: [
    { key: 'service.name', value: { stringValue: service } },
    { key: 'host.name', value: { stringValue: 'node-1' } },
  ],
});

/** Two resources per signal, in the OTLP/JSON mapping. */
export const JSON_FIXTURES: Record<Signal, object> = {
  metrics: {
    resourceMetrics: ['checkout', 'cart'].map((service) => ({
      resource: resource(service),
      scopeMetrics: [
        {
          scope: { name: 'go.opentelemetry.io/contrib/instrumentation/runtime' },
          metrics: [
            {
              name: 'go.goroutine.count',
              unit: '{goroutine}',
              gauge: {
                dataPoints: [
                  { asInt: '42', timeUnixNano: '1700000000000000000' },
                  { asInt: '43', timeUnixNano: '1700000010000000000' },
                ],
              },
            },
            {
              name: 'http.server.request.duration',
              unit: 's',
              histogram: {
                aggregationTemporality: 2,
                dataPoints: [
                  {
                    count: '3',
                    sum: 0.6,
                    bucketCounts: ['1', '2'],
                    explicitBounds: [0.1],
                    timeUnixNano: '1700000000000000000',
                    attributes: [{ key: 'http.route', value: { stringValue: '/cart' } }],
                  },
                ],
              },
            },
          ],
        },
      ],
    })),
  },
  logs: {
    resourceLogs: ['checkout', 'cart'].map((service) => ({
      resource: resource(service),
      scopeLogs: [
        {
          logRecords: [
            {
              timeUnixNano: '1700000000000000000',
              severityNumber: 17,
              severityText: 'ERROR',
              body: { stringValue: `payment failed in ${service}` },
              traceId: TRACE_ID,
              spanId: SPAN_ID,
              attributes: [{ key: 'order.id', value: { intValue: 1234 } }],
            },
          ],
        },
      ],
    })),
  },
  traces: {
    resourceSpans: ['checkout', 'cart'].map((service) => ({
      resource: resource(service),
      scopeSpans: [
        {
          spans: [
            {
              traceId: TRACE_ID,
              spanId: SPAN_ID,
              name: `GET /${service}`,
              kind: 2,
              startTimeUnixNano: '1700000000000000000',
              endTimeUnixNano: '1700000000500000000',
              attributes: [{ key: 'http.response.status_code', value: { intValue: '200' } }],
            },
          ],
        },
      ],
    })),
  },
};

/** Items per fixture: 3 data points × 2 resources, 1 log record × 2, 1 span × 2. */
export const FIXTURE_ITEMS: Record<Signal, number> = { metrics: 6, logs: 2, traces: 2 };

export function fixtureRequest<S extends Signal>(signal: S): ExportRequestBySignal[S] {
  return decodeJsonRequest(signal, JSON.stringify(JSON_FIXTURES[signal]));
}

export function fixtureProtobuf(signal: Signal): Buffer {
  return Buffer.from(encodeRequest(signal, fixtureRequest(signal)));
}

/** The Export*ServiceResponse type of a signal, to decode protobuf success responses. */
export function responseType(signal: Signal): protobuf.Type {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    target.startsWith('/') ? target : join(protoRoot(), target);
  root.loadSync(serviceProtoFile(signal));
  const service = GRPC_SERVICES[signal];
  const name = service.slice(service.lastIndexOf('.') + 1).replace('Service', '');
  return root.lookupType(
    `${service.slice(0, service.lastIndexOf('.'))}.Export${name}ServiceResponse`,
  );
}

export type ConsumerMode = 'ack' | 'slow' | 'fail' | 'hang';

/**
 * Stands in for the Kafka exporter: keeps the records, then acks (at once, or after
 * 300 ms when `slow`), fails, or waits out the deadline.
 */
export class RecordingConsumer implements Downstream<OtlpExport> {
  readonly exports: OtlpExport[] = [];
  readonly records: OutgoingRecord[] = [];
  mode: ConsumerMode = 'ack';

  consume(item: OtlpExport): Promise<void> {
    this.exports.push(item);
    this.records.push(...outgoingRecords(item.records, `topic_${item.signal}`, item));
    if (this.mode === 'fail') return Promise.reject(unavailable('Kafka is down (test)'));
    if (this.mode === 'slow') return new Promise((resolve) => setTimeout(resolve, 300));
    if (this.mode === 'hang') {
      return new Promise((_resolve, reject) =>
        item.deadline.addEventListener('abort', () =>
          reject(unavailable('Kafka did not acknowledge before the deadline (test)')),
        ),
      );
    }
    return Promise.resolve();
  }
}

export interface Harness {
  consumer: RecordingConsumer;
  registry: Registry;
  httpUrl: string;
  grpcAddress: string;
  close(): Promise<void>;
}

/** Starts both receivers on free ports; `ingest` is raw ingest config (validated like a file). */
export async function startReceivers(
  ingest: Record<string, unknown> = {},
  scheme: 'http' | 'https' = 'http',
): Promise<Harness> {
  const settings = parseConfig({
    ingest: {
      grpc: { address: '127.0.0.1:0' },
      http: { address: '127.0.0.1:0' },
      drainTimeoutMs: 2000,
      ...ingest,
    },
  }).ingest;
  const consumer = new RecordingConsumer();
  const registry = new Registry();
  const { grpc, http } = createReceivers(settings, consumer, silentLogger, registry);
  await grpc.start();
  await http.start();
  return {
    consumer,
    registry,
    httpUrl: `${scheme}://127.0.0.1:${http.port()}`,
    grpcAddress: `127.0.0.1:${grpc.port()}`,
    close: async () => {
      await http.shutdown();
      await grpc.shutdown();
    },
  };
}

/** Current value of a gauge or counter in the harness registry. */
export async function metricValue(registry: Registry, name: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.reduce((n, v) => n + v.value, 0) ?? 0;
}

export interface GrpcResult {
  code: number;
  details: string;
  response: Buffer | undefined;
  trailers: Metadata | undefined;
}

const identity = (b: Buffer): Buffer => b;

/** A raw OTLP/gRPC client: sends bytes as the Export request and returns the status. */
export class RawGrpcClient {
  private readonly client: Client;

  constructor(address: string, options: { gzip?: boolean; credentials?: ChannelCredentials } = {}) {
    this.client = new Client(address, options.credentials ?? grpcCredentials.createInsecure(), {
      ...(options.gzip ? { 'grpc.default_compression_algorithm': 2 } : {}),
      'grpc.max_send_message_length': -1,
    });
  }

  export(
    signal: Signal,
    body: Buffer,
    headers: Record<string, string> = {},
    path = `/${GRPC_SERVICES[signal]}/Export`,
  ): Promise<GrpcResult> {
    const metadata = new Metadata();
    for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        path,
        identity,
        identity,
        body,
        metadata,
        { deadline: Date.now() + 30_000 },
        (err: ServiceError | null, response?: Buffer) =>
          resolve({
            code: err?.code ?? 0,
            details: err?.details ?? '',
            response,
            trailers: err?.metadata,
          }),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
