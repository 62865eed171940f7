// The storage schema, described once. Table and column names are those of the
// OpenTelemetry Collector ClickHouse exporter (otel_logs, otel_traces, otel_metrics_*),
// so Grafana's ClickHouse data source in OTel mode, HyperDX and existing queries work;
// telepipe adds TenantId and DataClassification at the end of each table. The modern
// layout mirrors the exporter's partitioning, sort keys and skip indexes; the old layout
// is the nearest 18.16 can do (no skip indexes, no Map in sort keys).
import type { ScalarColumn, TableColumn, TableSpec } from './schema.ts';

const col = (name: string, kind: ScalarColumn['kind'], codec?: string): ScalarColumn =>
  codec ? { name, kind, codec } : { name, kind };

const DELTA = 'Delta(8), ZSTD(1)';

/** telepipe's own columns, after the exporter's. */
const TELEPIPE_COLUMNS: TableColumn[] = [
  col('TenantId', 'lowString'),
  col('DataClassification', 'lowString'),
];

const bloom = (index: string, expr: string, rate = 0.01): string =>
  `${index} ${expr} TYPE bloom_filter(${rate}) GRANULARITY 1`;

/** Bloom filters on the keys and values of a map column, as the exporter has them. */
const mapIndexes = (prefix: string, column: string): string[] => [
  bloom(`idx_${prefix}_key`, `mapKeys(${column})`),
  bloom(`idx_${prefix}_value`, `mapValues(${column})`),
];

export const OTEL_LOGS: TableSpec = {
  name: 'otel_logs',
  columns: [
    col('Timestamp', 'time', DELTA),
    col('TraceId', 'string'),
    col('SpanId', 'string'),
    col('TraceFlags', 'uint8'),
    col('SeverityText', 'lowString'),
    col('SeverityNumber', 'uint8'),
    col('ServiceName', 'lowString'),
    col('Body', 'string'),
    col('ResourceSchemaUrl', 'lowString'),
    col('ResourceAttributes', 'attributes'),
    col('ScopeSchemaUrl', 'lowString'),
    col('ScopeName', 'string'),
    col('ScopeVersion', 'lowString'),
    col('ScopeAttributes', 'attributes'),
    col('LogAttributes', 'attributes'),
    col('EventName', 'string'),
    ...TELEPIPE_COLUMNS,
  ],
  modern: {
    computed: ['TimestampTime DateTime DEFAULT toDateTime(Timestamp)'],
    indexes: [
      bloom('idx_trace_id', 'TraceId', 0.001),
      ...mapIndexes('res_attr', 'ResourceAttributes'),
      ...mapIndexes('scope_attr', 'ScopeAttributes'),
      ...mapIndexes('log_attr', 'LogAttributes'),
      'idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8',
    ],
    partitionBy: 'toDate(TimestampTime)',
    primaryKey: '(ServiceName, TimestampTime)',
    orderBy: '(ServiceName, TimestampTime, Timestamp)',
    ttlFrom: 'TimestampTime',
  },
  old: { partitionBy: 'toDate(Timestamp)', orderBy: '(ServiceName, Timestamp)' },
  shardingKey: 'cityHash64(ServiceName)',
};

export const OTEL_TRACES: TableSpec = {
  name: 'otel_traces',
  columns: [
    col('Timestamp', 'time', DELTA),
    col('TraceId', 'string'),
    col('SpanId', 'string'),
    col('ParentSpanId', 'string'),
    col('TraceState', 'string'),
    col('SpanName', 'lowString'),
    col('SpanKind', 'lowString'),
    col('ServiceName', 'lowString'),
    col('ResourceAttributes', 'attributes'),
    col('ScopeName', 'string'),
    col('ScopeVersion', 'string'),
    col('SpanAttributes', 'attributes'),
    col('Duration', 'uint64', 'T64, ZSTD(1)'),
    col('StatusCode', 'lowString'),
    col('StatusMessage', 'string'),
    {
      name: 'Events',
      fields: [col('Timestamp', 'time'), col('Name', 'lowString'), col('Attributes', 'attributes')],
    },
    {
      name: 'Links',
      fields: [
        col('TraceId', 'string'),
        col('SpanId', 'string'),
        col('TraceState', 'string'),
        col('Attributes', 'attributes'),
      ],
    },
    ...TELEPIPE_COLUMNS,
  ],
  modern: {
    indexes: [
      bloom('idx_trace_id', 'TraceId', 0.001),
      ...mapIndexes('res_attr', 'ResourceAttributes'),
      ...mapIndexes('span_attr', 'SpanAttributes'),
      'idx_duration Duration TYPE minmax GRANULARITY 1',
      'idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8',
    ],
    partitionBy: 'toDate(Timestamp)',
    primaryKey: '(ServiceName, SpanName, toDateTime(Timestamp))',
    orderBy: '(ServiceName, SpanName, toDateTime(Timestamp), Timestamp)',
    ttlFrom: 'toDateTime(Timestamp)',
  },
  old: { partitionBy: 'toDate(Timestamp)', orderBy: '(ServiceName, SpanName, Timestamp)' },
  shardingKey: 'cityHash64(TraceId)',
};

/** The exporter's trace-id → time-range lookup, fed by a materialized view (modern only). */
export const TRACE_ID_TS_SUFFIX = '_trace_id_ts';

// ---- metrics: one table per OTLP data point type, sharing a prefix of columns ----

const METRIC_HEAD: TableColumn[] = [
  col('ResourceAttributes', 'attributes'),
  col('ResourceSchemaUrl', 'string'),
  col('ScopeName', 'string'),
  col('ScopeVersion', 'string'),
  col('ScopeAttributes', 'attributes'),
  col('ScopeDroppedAttrCount', 'uint32'),
  col('ScopeSchemaUrl', 'string'),
  col('ServiceName', 'lowString'),
  col('MetricName', 'string'),
  col('MetricDescription', 'string'),
  col('MetricUnit', 'string'),
  col('Attributes', 'attributes'),
  col('StartTimeUnix', 'time', DELTA),
  col('TimeUnix', 'time', DELTA),
];

const EXEMPLARS: TableColumn = {
  name: 'Exemplars',
  fields: [
    col('FilteredAttributes', 'attributes'),
    col('TimeUnix', 'time'),
    col('Value', 'float64'),
    col('SpanId', 'string'),
    col('TraceId', 'string'),
  ],
};

function metricTable(name: string, body: TableColumn[]): TableSpec {
  return {
    name,
    columns: [...METRIC_HEAD, ...body, ...TELEPIPE_COLUMNS],
    modern: {
      indexes: [
        ...mapIndexes('res_attr', 'ResourceAttributes'),
        ...mapIndexes('scope_attr', 'ScopeAttributes'),
        ...mapIndexes('attr', 'Attributes'),
      ],
      partitionBy: 'toDate(TimeUnix)',
      orderBy: '(ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))',
      ttlFrom: 'toDateTime(TimeUnix)',
    },
    old: { partitionBy: 'toDate(TimeUnix)', orderBy: '(ServiceName, MetricName, TimeUnix)' },
    shardingKey: 'cityHash64(ServiceName, MetricName)',
  };
}

const HISTOGRAM_TAIL: TableColumn[] = [
  col('Flags', 'uint32'),
  col('Min', 'float64'),
  col('Max', 'float64'),
  col('AggregationTemporality', 'int32'),
];

export const OTEL_METRICS_GAUGE = metricTable('otel_metrics_gauge', [
  col('Value', 'float64'),
  col('Flags', 'uint32'),
  EXEMPLARS,
]);

export const OTEL_METRICS_SUM = metricTable('otel_metrics_sum', [
  col('Value', 'float64'),
  col('Flags', 'uint32'),
  EXEMPLARS,
  col('AggregationTemporality', 'int32'),
  col('IsMonotonic', 'bool', DELTA),
]);

export const OTEL_METRICS_HISTOGRAM = metricTable('otel_metrics_histogram', [
  col('Count', 'uint64', DELTA),
  col('Sum', 'float64'),
  col('BucketCounts', 'uint64Array'),
  col('ExplicitBounds', 'float64Array'),
  EXEMPLARS,
  ...HISTOGRAM_TAIL,
]);

export const OTEL_METRICS_EXPONENTIAL_HISTOGRAM = metricTable(
  'otel_metrics_exponential_histogram',
  [
    col('Count', 'uint64', DELTA),
    col('Sum', 'float64'),
    col('Scale', 'int32'),
    col('ZeroCount', 'uint64'),
    col('PositiveOffset', 'int32'),
    col('PositiveBucketCounts', 'uint64Array'),
    col('NegativeOffset', 'int32'),
    col('NegativeBucketCounts', 'uint64Array'),
    EXEMPLARS,
    ...HISTOGRAM_TAIL,
  ],
);

export const OTEL_METRICS_SUMMARY = metricTable('otel_metrics_summary', [
  col('Count', 'uint64', DELTA),
  col('Sum', 'float64'),
  { name: 'ValueAtQuantiles', fields: [col('Quantile', 'float64'), col('Value', 'float64')] },
  col('Flags', 'uint32'),
]);

/** Scores written by the anomaly worker, one row per series and evaluation. */
export const ANOMALY_SCORES: TableSpec = {
  name: 'anomaly_scores',
  columns: [
    col('Timestamp', 'time', DELTA),
    col('TenantId', 'lowString'),
    col('ServiceName', 'lowString'),
    col('ServiceInstanceId', 'string'),
    col('Signal', 'lowString'),
    col('Observed', 'float64'),
    col('Expected', 'float64'),
    col('Lower', 'float64'),
    col('Upper', 'float64'),
    col('Score', 'float64'),
    col('Anomalous', 'uint8'),
    col('DrivingSignal', 'lowString'),
    col('ModelVersion', 'lowString'),
    col('Method', 'lowString'),
  ],
  modern: {
    indexes: [],
    partitionBy: 'toDate(Timestamp)',
    orderBy: '(TenantId, ServiceName, Signal, ServiceInstanceId, Timestamp)',
    ttlFrom: 'toDateTime(Timestamp)',
  },
  old: {
    partitionBy: 'toDate(Timestamp)',
    orderBy: '(TenantId, ServiceName, Signal, ServiceInstanceId, Timestamp)',
  },
  shardingKey: 'cityHash64(TenantId, ServiceName)',
};

/** The metric tables by OTLP data point type. */
export const METRIC_TABLES = {
  gauge: OTEL_METRICS_GAUGE,
  sum: OTEL_METRICS_SUM,
  histogram: OTEL_METRICS_HISTOGRAM,
  exponentialHistogram: OTEL_METRICS_EXPONENTIAL_HISTOGRAM,
  summary: OTEL_METRICS_SUMMARY,
} as const;

/** Every table the processor writes, by name. */
export const OTEL_TABLES = {
  otel_logs: OTEL_LOGS,
  otel_traces: OTEL_TRACES,
  otel_metrics_gauge: OTEL_METRICS_GAUGE,
  otel_metrics_sum: OTEL_METRICS_SUM,
  otel_metrics_histogram: OTEL_METRICS_HISTOGRAM,
  otel_metrics_exponential_histogram: OTEL_METRICS_EXPONENTIAL_HISTOGRAM,
  otel_metrics_summary: OTEL_METRICS_SUMMARY,
} as const;

export type OtelTableName = keyof typeof OTEL_TABLES;
