// Visits every string of the three OTLP Export*ServiceRequest shapes and marks the records
// (log records, spans, data points; resources and scopes for their own fields) that had
// something redacted. Each record's counts are tallied apart for its marks, then added to
// the request's total.
import type {
  Exemplar,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportRequestBySignal,
  ExportTraceServiceRequest,
  InstrumentationScope,
  KeyValue,
  Metric,
  Resource,
  Signal,
} from '../otlp/types.ts';
import { Tally } from './tally.ts';
import type { ValueRedactor } from './value-redactor.ts';

export const CLASSIFICATION_ATTRIBUTE = 'data_classification';
export const SUMMARY_ATTRIBUTE = 'redaction.summary';

interface Attributed {
  attributes: KeyValue[];
}

type Walk<R> = (request: R, values: ValueRedactor, total: Tally) => void;

const WALKS: { [S in Signal]: Walk<ExportRequestBySignal[S]> } = {
  logs: walkLogs,
  traces: walkTraces,
  metrics: walkMetrics,
};

export function walkRequest<S extends Signal>(
  signal: S,
  request: ExportRequestBySignal[S],
  values: ValueRedactor,
  total: Tally,
): void {
  const walk = WALKS[signal] as Walk<ExportRequestBySignal[S]> | undefined;
  if (!walk) throw new TypeError(`unknown OTLP signal "${String(signal)}"`);
  walk(request, values, total);
}

/** `attributes` with the two marks (replacing any earlier ones) when `tally` is not empty. */
function mark(record: Attributed, tally: Tally): void {
  if (tally.empty) return;
  const others = record.attributes.filter(
    (kv) => kv.key !== CLASSIFICATION_ATTRIBUTE && kv.key !== SUMMARY_ATTRIBUTE,
  );
  record.attributes = [
    ...others,
    { key: CLASSIFICATION_ATTRIBUTE, value: { stringValue: 'pii' } },
    { key: SUMMARY_ATTRIBUTE, value: { stringValue: JSON.stringify(tally.toCounts()) } },
  ];
}

type StringField<T> = { [K in keyof T]-?: T[K] extends string | undefined ? K : never }[keyof T];

/** Redacts an optional string field in place (assigning only when it changed). */
function redactField<T>(
  holder: T,
  field: StringField<T>,
  values: ValueRedactor,
  tally: Tally,
): void {
  const current = holder[field];
  if (typeof current !== 'string' || current === '') return;
  const redacted = values.text(current, tally);
  if (redacted !== current) holder[field] = redacted as T[StringField<T>];
}

function redactAttributes(record: Attributed, values: ValueRedactor, tally: Tally): void {
  record.attributes = values.attributes(record.attributes, tally);
}

/** A resource and its schema URL; marks the resource. */
function walkResource(
  holder: { resource?: Resource | null; schemaUrl?: string },
  values: ValueRedactor,
  total: Tally,
): void {
  const tally = new Tally();
  if (holder.resource) redactAttributes(holder.resource, values, tally);
  redactField(holder, 'schemaUrl', values, tally);
  if (holder.resource) mark(holder.resource, tally);
  total.merge(tally);
}

/** A scope's name, version, attributes and schema URL; marks the scope. */
function walkScope(
  holder: { scope?: InstrumentationScope | null; schemaUrl?: string },
  values: ValueRedactor,
  total: Tally,
): void {
  const tally = new Tally();
  const scope = holder.scope;
  if (scope) {
    redactField(scope, 'name', values, tally);
    redactField(scope, 'version', values, tally);
    redactAttributes(scope, values, tally);
  }
  redactField(holder, 'schemaUrl', values, tally);
  if (scope) mark(scope, tally);
  total.merge(tally);
}

function walkLogs(request: ExportLogsServiceRequest, values: ValueRedactor, total: Tally): void {
  for (const resourceLogs of request.resourceLogs) {
    walkResource(resourceLogs, values, total);
    for (const scopeLogs of resourceLogs.scopeLogs) {
      walkScope(scopeLogs, values, total);
      for (const log of scopeLogs.logRecords) {
        const tally = new Tally();
        redactAttributes(log, values, tally);
        if (log.body) values.anyValue(log.body, tally);
        redactField(log, 'severityText', values, tally);
        redactField(log, 'eventName', values, tally);
        mark(log, tally);
        total.merge(tally);
      }
    }
  }
}

function walkTraces(request: ExportTraceServiceRequest, values: ValueRedactor, total: Tally): void {
  for (const resourceSpans of request.resourceSpans) {
    walkResource(resourceSpans, values, total);
    for (const scopeSpans of resourceSpans.scopeSpans) {
      walkScope(scopeSpans, values, total);
      for (const span of scopeSpans.spans) {
        const tally = new Tally();
        redactField(span, 'name', values, tally);
        redactField(span, 'traceState', values, tally);
        redactAttributes(span, values, tally);
        for (const event of span.events) {
          redactField(event, 'name', values, tally);
          redactAttributes(event, values, tally);
        }
        for (const link of span.links) {
          redactField(link, 'traceState', values, tally);
          redactAttributes(link, values, tally);
        }
        if (span.status) redactField(span.status, 'message', values, tally);
        mark(span, tally);
        total.merge(tally);
      }
    }
  }
}

interface DataPoint extends Attributed {
  exemplars?: Exemplar[];
}

function dataPointsOf(metric: Metric): DataPoint[] {
  return [
    ...(metric.gauge?.dataPoints ?? []),
    ...(metric.sum?.dataPoints ?? []),
    ...(metric.histogram?.dataPoints ?? []),
    ...(metric.exponentialHistogram?.dataPoints ?? []),
    ...(metric.summary?.dataPoints ?? []),
  ];
}

/** A metric's own strings count once in the total, and mark each of its data points. */
function walkMetrics(
  request: ExportMetricsServiceRequest,
  values: ValueRedactor,
  total: Tally,
): void {
  for (const resourceMetrics of request.resourceMetrics) {
    walkResource(resourceMetrics, values, total);
    for (const scopeMetrics of resourceMetrics.scopeMetrics) {
      walkScope(scopeMetrics, values, total);
      for (const metric of scopeMetrics.metrics) {
        const metricTally = new Tally();
        redactField(metric, 'name', values, metricTally);
        redactField(metric, 'description', values, metricTally);
        redactField(metric, 'unit', values, metricTally);
        metric.metadata = values.attributes(metric.metadata, metricTally);
        total.merge(metricTally);
        for (const point of dataPointsOf(metric)) {
          const tally = new Tally();
          redactAttributes(point, values, tally);
          for (const exemplar of point.exemplars ?? []) {
            exemplar.filteredAttributes = values.attributes(exemplar.filteredAttributes, tally);
          }
          total.merge(tally);
          tally.merge(metricTally);
          mark(point, tally);
        }
      }
    }
  }
}
