// TypeScript shapes of the decoded OTLP messages, as protobufjs produces them from the
// official .proto files (camelCase field names, 64-bit integers as Long or number, bytes
// as Uint8Array). Only the fields telepipe reads are typed; protobufjs keeps the rest.
import type Long from 'long';

export type Int64 = Long | number | string;
export type Bytes = Uint8Array;

export interface AnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: Int64 | null;
  doubleValue?: number | null;
  arrayValue?: ArrayValue | null;
  kvlistValue?: KeyValueList | null;
  bytesValue?: Bytes | null;
}
export interface ArrayValue {
  values: AnyValue[];
}
export interface KeyValueList {
  values: KeyValue[];
}
export interface KeyValue {
  key: string;
  value?: AnyValue | null;
}

export interface Resource {
  attributes: KeyValue[];
  droppedAttributesCount?: number;
}
export interface InstrumentationScope {
  name?: string;
  version?: string;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
}

// ---- logs ----
export interface LogRecord {
  timeUnixNano?: Int64;
  observedTimeUnixNano?: Int64;
  severityNumber?: number;
  severityText?: string;
  body?: AnyValue | null;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: Bytes;
  spanId?: Bytes;
  eventName?: string;
}
export interface ScopeLogs {
  scope?: InstrumentationScope | null;
  logRecords: LogRecord[];
  schemaUrl?: string;
}
export interface ResourceLogs {
  resource?: Resource | null;
  scopeLogs: ScopeLogs[];
  schemaUrl?: string;
}
export interface ExportLogsServiceRequest {
  resourceLogs: ResourceLogs[];
}

// ---- traces ----
export interface SpanEvent {
  timeUnixNano?: Int64;
  name?: string;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
}
export interface SpanLink {
  traceId?: Bytes;
  spanId?: Bytes;
  traceState?: string;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}
export interface SpanStatus {
  message?: string;
  code?: number;
}
export interface Span {
  traceId?: Bytes;
  spanId?: Bytes;
  traceState?: string;
  parentSpanId?: Bytes;
  flags?: number;
  name?: string;
  kind?: number;
  startTimeUnixNano?: Int64;
  endTimeUnixNano?: Int64;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
  events: SpanEvent[];
  droppedEventsCount?: number;
  links: SpanLink[];
  droppedLinksCount?: number;
  status?: SpanStatus | null;
}
export interface ScopeSpans {
  scope?: InstrumentationScope | null;
  spans: Span[];
  schemaUrl?: string;
}
export interface ResourceSpans {
  resource?: Resource | null;
  scopeSpans: ScopeSpans[];
  schemaUrl?: string;
}
export interface ExportTraceServiceRequest {
  resourceSpans: ResourceSpans[];
}

// ---- metrics ----
export interface Exemplar {
  filteredAttributes: KeyValue[];
  timeUnixNano?: Int64;
  asDouble?: number | null;
  asInt?: Int64 | null;
  spanId?: Bytes;
  traceId?: Bytes;
}
interface DataPointBase {
  attributes: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  exemplars: Exemplar[];
  flags?: number;
}
export interface NumberDataPoint extends DataPointBase {
  asDouble?: number | null;
  asInt?: Int64 | null;
}
export interface HistogramDataPoint extends DataPointBase {
  count?: Int64;
  sum?: number | null;
  bucketCounts: Int64[];
  explicitBounds: number[];
  min?: number | null;
  max?: number | null;
}
export interface ExponentialHistogramBuckets {
  offset?: number;
  bucketCounts: Int64[];
}
export interface ExponentialHistogramDataPoint extends DataPointBase {
  count?: Int64;
  sum?: number | null;
  scale?: number;
  zeroCount?: Int64;
  positive?: ExponentialHistogramBuckets | null;
  negative?: ExponentialHistogramBuckets | null;
  min?: number | null;
  max?: number | null;
  zeroThreshold?: number;
}
export interface ValueAtQuantile {
  quantile?: number;
  value?: number;
}
export interface SummaryDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number;
  quantileValues: ValueAtQuantile[];
  flags?: number;
}
export interface Gauge {
  dataPoints: NumberDataPoint[];
}
export interface Sum {
  dataPoints: NumberDataPoint[];
  aggregationTemporality?: number;
  isMonotonic?: boolean;
}
export interface Histogram {
  dataPoints: HistogramDataPoint[];
  aggregationTemporality?: number;
}
export interface ExponentialHistogram {
  dataPoints: ExponentialHistogramDataPoint[];
  aggregationTemporality?: number;
}
export interface Summary {
  dataPoints: SummaryDataPoint[];
}
export interface Metric {
  name?: string;
  description?: string;
  unit?: string;
  gauge?: Gauge | null;
  sum?: Sum | null;
  histogram?: Histogram | null;
  exponentialHistogram?: ExponentialHistogram | null;
  summary?: Summary | null;
  metadata: KeyValue[];
}
export interface ScopeMetrics {
  scope?: InstrumentationScope | null;
  metrics: Metric[];
  schemaUrl?: string;
}
export interface ResourceMetrics {
  resource?: Resource | null;
  scopeMetrics: ScopeMetrics[];
  schemaUrl?: string;
}
export interface ExportMetricsServiceRequest {
  resourceMetrics: ResourceMetrics[];
}

/** The three OTLP signals telepipe carries. */
export type Signal = 'metrics' | 'logs' | 'traces';

export interface ExportRequestBySignal {
  metrics: ExportMetricsServiceRequest;
  logs: ExportLogsServiceRequest;
  traces: ExportTraceServiceRequest;
}

export interface ExportPartialSuccess {
  rejected: number;
  errorMessage: string;
}
