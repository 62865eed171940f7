// Splitting OTLP requests into one request per resource (the Kafka record contract),
// the stable resource identity key, and item counts for partial success and stats.
import { createHash } from 'node:crypto';
import type {
  AnyValue,
  ExportRequestBySignal,
  KeyValue,
  Metric,
  Resource,
  Signal,
} from './types.ts';

/** Attributes that identify where telemetry came from; their hash keys the Kafka record. */
export const RESOURCE_IDENTITY_KEYS = [
  'service.name',
  'service.namespace',
  'service.instance.id',
  'host.name',
  'k8s.pod.name',
] as const;

/** A stable hex key for the resource's identity, so one series stays in one partition. */
export function resourceKey(resource: Resource | null | undefined): string {
  const parts = RESOURCE_IDENTITY_KEYS.map(
    (k) => `${k}=${attributeString(resource?.attributes, k) ?? ''}`,
  );
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}

export function attributeString(attrs: KeyValue[] | undefined, key: string): string | undefined {
  const kv = attrs?.find((a) => a.key === key);
  return kv?.value ? anyValueToString(kv.value) : undefined;
}

/**
 * The member set in an AnyValue's oneof. Decoded protobufjs messages also expose the unset
 * members through prototype defaults (`stringValue` reads ''), so only own keys count.
 */
export function anyValueField(value: AnyValue): keyof AnyValue | undefined {
  return (Object.keys(value) as (keyof AnyValue)[]).find((k) => value[k] != null);
}

/** AnyValue as ClickHouse String columns hold it: scalars as text, compound values as JSON. */
export function anyValueToString(value: AnyValue | null | undefined): string {
  if (!value) return '';
  switch (anyValueField(value)) {
    case 'stringValue':
      return value.stringValue!;
    case 'boolValue':
      return String(value.boolValue);
    case 'intValue':
      return value.intValue!.toString(); // exact beyond 2^53
    case 'doubleValue':
      return String(value.doubleValue);
    case 'bytesValue':
      return Buffer.from(value.bytesValue!).toString('base64');
    case 'arrayValue':
    case 'kvlistValue':
      return JSON.stringify(anyValueToJson(value));
    default:
      return '';
  }
}

export function anyValueToJson(value: AnyValue | null | undefined): unknown {
  if (!value) return null;
  switch (anyValueField(value)) {
    case 'stringValue':
      return value.stringValue;
    case 'boolValue':
      return value.boolValue;
    case 'intValue':
      return Number(value.intValue!.toString());
    case 'doubleValue':
      return value.doubleValue;
    case 'bytesValue':
      return Buffer.from(value.bytesValue!).toString('base64');
    case 'arrayValue':
      return value.arrayValue!.values.map(anyValueToJson);
    case 'kvlistValue':
      return Object.fromEntries(
        value.kvlistValue!.values.map((kv) => [kv.key, anyValueToJson(kv.value)]),
      );
    default:
      return null;
  }
}

/** One request per resource entry, each holding exactly one Resource{Metrics,Logs,Spans}. */
export function splitByResource<S extends Signal>(
  signal: S,
  request: ExportRequestBySignal[S],
): { resource: Resource | null | undefined; request: ExportRequestBySignal[S] }[] {
  switch (signal) {
    case 'metrics': {
      const r = request as ExportRequestBySignal['metrics'];
      return r.resourceMetrics.map((rm) => ({
        resource: rm.resource,
        request: { resourceMetrics: [rm] } as ExportRequestBySignal[S],
      }));
    }
    case 'logs': {
      const r = request as ExportRequestBySignal['logs'];
      return r.resourceLogs.map((rl) => ({
        resource: rl.resource,
        request: { resourceLogs: [rl] } as ExportRequestBySignal[S],
      }));
    }
    default: {
      const r = request as ExportRequestBySignal['traces'];
      return r.resourceSpans.map((rs) => ({
        resource: rs.resource,
        request: { resourceSpans: [rs] } as ExportRequestBySignal[S],
      }));
    }
  }
}

/** Data points (metrics), log records (logs) or spans (traces) in a request. */
export function countItems<S extends Signal>(signal: S, request: ExportRequestBySignal[S]): number {
  switch (signal) {
    case 'metrics':
      return (request as ExportRequestBySignal['metrics']).resourceMetrics.reduce(
        (n, rm) =>
          n +
          rm.scopeMetrics.reduce(
            (m, sm) => m + sm.metrics.reduce((k, metric) => k + dataPointCount(metric), 0),
            0,
          ),
        0,
      );
    case 'logs':
      return (request as ExportRequestBySignal['logs']).resourceLogs.reduce(
        (n, rl) => n + rl.scopeLogs.reduce((m, sl) => m + sl.logRecords.length, 0),
        0,
      );
    default:
      return (request as ExportRequestBySignal['traces']).resourceSpans.reduce(
        (n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0),
        0,
      );
  }
}

/** Data points of one metric, whichever its type. */
export function dataPointCount(metric: Metric): number {
  const data =
    metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
  return data?.dataPoints.length ?? 0;
}
