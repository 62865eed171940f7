// Splitting OTLP requests into one request per resource (the Kafka record contract),
// the stable resource identity key, and item counts for partial success and stats.
import { createHash } from 'node:crypto';
import type { AnyValue, ExportRequestBySignal, KeyValue, Resource, Signal } from './types.ts';

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

/** Flattens an AnyValue to the string form ClickHouse String columns use (JSON for compound values). */
export function anyValueToString(value: AnyValue | null | undefined): string {
  if (!value) return '';
  if (value.stringValue != null) return value.stringValue;
  if (value.boolValue != null) return String(value.boolValue);
  if (value.intValue != null) return value.intValue.toString();
  if (value.doubleValue != null) return String(value.doubleValue);
  if (value.bytesValue != null) return Buffer.from(value.bytesValue).toString('base64');
  return JSON.stringify(anyValueToJson(value));
}

export function anyValueToJson(value: AnyValue | null | undefined): unknown {
  if (!value) return null;
  if (value.arrayValue) return value.arrayValue.values.map(anyValueToJson);
  if (value.kvlistValue) {
    return Object.fromEntries(
      value.kvlistValue.values.map((kv) => [kv.key, anyValueToJson(kv.value)]),
    );
  }
  if (value.stringValue != null) return value.stringValue;
  if (value.boolValue != null) return value.boolValue;
  if (value.intValue != null) return Number(value.intValue.toString());
  if (value.doubleValue != null) return value.doubleValue;
  if (value.bytesValue != null) return Buffer.from(value.bytesValue).toString('base64');
  return null;
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

function dataPointCount(
  metric: ExportRequestBySignal['metrics']['resourceMetrics'][number]['scopeMetrics'][number]['metrics'][number],
): number {
  const data =
    metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
  return data?.dataPoints.length ?? 0;
}
