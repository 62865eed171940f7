// The receiving half of the ingest's data path, up to its one consumer:
//
//   OTLP/gRPC ─┐
//              ├─▶ Intake: tenant/auth → in-flight limits → body → validate → screen ─▶ consumer
//   OTLP/HTTP ─┘            (401)          (429)           (413)   (400)      (partial
//                                                                             success)
//
// Validation walks protobuf bodies on the wire and decodes JSON ones (records.ts).
//
// main.ts plugs in the KafkaOtlpExporter as the consumer; unit tests plug in a recorder.
import type { Registry } from 'prom-client';
import type { Downstream } from '../../lib/component.ts';
import type { IngestConfig } from '../../lib/config/sections/ingest.ts';
import type { Logger } from '../../lib/log.ts';
import { OtlpGrpcReceiver } from './grpc-receiver.ts';
import { OtlpHttpReceiver } from './http-receiver.ts';
import { Intake, type OtlpExport } from './intake.ts';
import { InFlightLimiter } from './limiter.ts';
import { IngestMetrics } from './metrics.ts';
import { TenantResolver } from './tenant.ts';
import { readTlsKeyPair } from './tls.ts';

/** What a 413 names: the keys to raise. */
const BODY_LIMIT_KEYS = {
  request: 'ingest.limits.maxRequestBytes',
  decompressed: 'ingest.limits.maxDecompressedBytes',
};

export interface IngestReceivers {
  grpc: OtlpGrpcReceiver;
  http: OtlpHttpReceiver;
}

export function createReceivers(
  settings: IngestConfig,
  consumer: Downstream<OtlpExport>,
  log: Logger,
  registry: Registry,
): IngestReceivers {
  const limiter = new InFlightLimiter(settings.limits);
  const metrics = new IngestMetrics(registry, limiter);
  const intake = new Intake({
    tenants: new TenantResolver(settings.auth, settings.tenant),
    limiter,
    consumer,
    ackTimeoutMs: settings.producer.ackTimeoutMs,
    maxRecordBytes: settings.producer.maxRecordBytes,
  });
  const listener = {
    tls: readTlsKeyPair(settings.tls),
    retryAfterSeconds: settings.limits.retryAfterSeconds,
    drainTimeoutMs: settings.drainTimeoutMs,
  };
  return {
    grpc: new OtlpGrpcReceiver(
      {
        ...listener,
        address: settings.grpc.address,
        maxMessageBytes: settings.limits.maxRequestBytes,
      },
      intake,
      log,
      metrics,
    ),
    http: new OtlpHttpReceiver(
      {
        ...listener,
        address: settings.http.address,
        limits: { ...settings.limits, configKeys: BODY_LIMIT_KEYS },
      },
      intake,
      log,
      metrics,
    ),
  };
}
