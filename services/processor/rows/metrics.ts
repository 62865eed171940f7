// ResourceMetrics → one row per data point, in the table of the point's type
// (otel_metrics_gauge, _sum, _histogram, _exponential_histogram, _summary).
import type { NestedValue, Row } from '../../../lib/clickhouse/schema.ts';
import type {
  Exemplar,
  ExportMetricsServiceRequest,
  ExponentialHistogramBuckets,
  Metric,
  NumberDataPoint,
} from '../../../lib/otlp/types.ts';
import type { OtelTableName } from '../../../lib/clickhouse/tables.ts';
import {
  attributes,
  classification,
  count,
  hex,
  nanos,
  pushRow,
  scopeColumns,
  serviceName,
  type RecordContext,
  type RowsByTable,
} from './common.ts';

/** Columns every data point row shares: resource, scope, metric and point identity. */
type PointHead = Row;

interface PointBase {
  attributes: NumberDataPoint['attributes'];
  startTimeUnixNano?: NumberDataPoint['startTimeUnixNano'];
  timeUnixNano?: NumberDataPoint['timeUnixNano'];
  flags?: number;
}

export function metricRows(
  request: ExportMetricsServiceRequest,
  ctx: RecordContext,
  rows: RowsByTable,
): void {
  for (const rm of request.resourceMetrics) {
    const resourceAttributes = attributes(rm.resource?.attributes);
    const resource = {
      ResourceAttributes: resourceAttributes,
      ResourceSchemaUrl: rm.schemaUrl ?? '',
      ServiceName: serviceName(rm.resource),
      TenantId: ctx.tenantId,
    };
    for (const sm of rm.scopeMetrics) {
      const scope = {
        ...scopeColumns(sm.scope, sm.schemaUrl),
        ScopeDroppedAttrCount: sm.scope?.droppedAttributesCount ?? 0,
      };
      for (const metric of sm.metrics) {
        const head: PointHead = {
          ...resource,
          ...scope,
          MetricName: metric.name ?? '',
          MetricDescription: metric.description ?? '',
          MetricUnit: metric.unit ?? '',
        };
        const point = (p: PointBase): Row => {
          const pointAttributes = attributes(p.attributes);
          return {
            ...head,
            Attributes: pointAttributes,
            StartTimeUnix: nanos(p.startTimeUnixNano),
            TimeUnix: nanos(p.timeUnixNano),
            Flags: p.flags ?? 0,
            DataClassification: classification(
              pointAttributes,
              scope.ScopeAttributes,
              resourceAttributes,
            ),
          };
        };
        pointRows(metric, point, rows);
      }
    }
  }
}

function pointRows(metric: Metric, point: (p: PointBase) => Row, rows: RowsByTable): void {
  const emit = (table: OtelTableName, row: Row): void => pushRow(rows, table, row);
  if (metric.gauge) {
    for (const p of metric.gauge.dataPoints) {
      emit('otel_metrics_gauge', {
        ...point(p),
        Value: numberValue(p),
        Exemplars: exemplars(p.exemplars),
      });
    }
  } else if (metric.sum) {
    const { aggregationTemporality = 0, isMonotonic = false } = metric.sum;
    for (const p of metric.sum.dataPoints) {
      emit('otel_metrics_sum', {
        ...point(p),
        Value: numberValue(p),
        Exemplars: exemplars(p.exemplars),
        AggregationTemporality: aggregationTemporality,
        IsMonotonic: isMonotonic,
      });
    }
  } else if (metric.histogram) {
    const temporality = metric.histogram.aggregationTemporality ?? 0;
    for (const p of metric.histogram.dataPoints) {
      emit('otel_metrics_histogram', {
        ...point(p),
        Count: count(p.count),
        Sum: p.sum ?? 0,
        BucketCounts: p.bucketCounts.map(count),
        ExplicitBounds: p.explicitBounds,
        Exemplars: exemplars(p.exemplars),
        Min: p.min ?? 0,
        Max: p.max ?? 0,
        AggregationTemporality: temporality,
      });
    }
  } else if (metric.exponentialHistogram) {
    const temporality = metric.exponentialHistogram.aggregationTemporality ?? 0;
    for (const p of metric.exponentialHistogram.dataPoints) {
      emit('otel_metrics_exponential_histogram', {
        ...point(p),
        Count: count(p.count),
        Sum: p.sum ?? 0,
        Scale: p.scale ?? 0,
        ZeroCount: count(p.zeroCount),
        ...buckets('Positive', p.positive),
        ...buckets('Negative', p.negative),
        Exemplars: exemplars(p.exemplars),
        Min: p.min ?? 0,
        Max: p.max ?? 0,
        AggregationTemporality: temporality,
      });
    }
  } else if (metric.summary) {
    for (const p of metric.summary.dataPoints) {
      emit('otel_metrics_summary', {
        ...point(p),
        Count: count(p.count),
        Sum: p.sum ?? 0,
        ValueAtQuantiles: p.quantileValues.map((q) => ({
          Quantile: q.quantile ?? 0,
          Value: q.value ?? 0,
        })),
      });
    }
  }
}

/** The `value` oneof; decoded messages read 0 for the unset member, so test own keys. */
function numberValue(p: { asDouble?: number | null; asInt?: NumberDataPoint['asInt'] }): number {
  return Object.hasOwn(p, 'asInt') && p.asInt != null ? count(p.asInt) : (p.asDouble ?? 0);
}

function exemplars(list: Exemplar[]): NestedValue {
  return list.map((e) => ({
    FilteredAttributes: attributes(e.filteredAttributes),
    TimeUnix: nanos(e.timeUnixNano),
    Value: numberValue(e),
    SpanId: hex(e.spanId),
    TraceId: hex(e.traceId),
  }));
}

function buckets(side: 'Positive' | 'Negative', b: ExponentialHistogramBuckets | null | undefined) {
  return {
    [`${side}Offset`]: b?.offset ?? 0,
    [`${side}BucketCounts`]: (b?.bucketCounts ?? []).map(count),
  };
}
