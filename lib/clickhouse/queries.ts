// The example queries of docs/queries.md, for both dialects. The docs quote them and the
// tests run them against stored data (old dialect on the 18.16 server, modern in chDB),
// so the documentation cannot drift from what works.
import type { DialectName } from './dialect.ts';

export interface QueryParams {
  database: string;
  service: string;
  traceId: string;
  /** SQL expression of the window start. */
  since: string;
  /** Log attribute filter of the error-log query. */
  route: string;
}

export const DOC_PARAMS: QueryParams = {
  database: 'telepipe',
  service: 'checkout',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  since: 'now() - INTERVAL 1 HOUR',
  route: '/pay',
};

export interface ExampleQuery {
  name: string;
  title: string;
  sql(dialect: DialectName, p: QueryParams): string;
}

const lit = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A map lookup: Map subscript on modern servers, key/value arrays on old ones. */
export const attr = (d: DialectName, column: string, key: string): string =>
  d === 'modern'
    ? `${column}[${lit(key)}]`
    : `${column}.values[indexOf(${column}.keys, ${lit(key)})]`;

/** The exact ordering key of a nanosecond time column. */
const exactTime = (d: DialectName, column: string): string =>
  d === 'modern' ? column : `${column}Ns`;

/** The columns identifying one series of a metric table. */
const seriesKey = (d: DialectName): string =>
  d === 'modern'
    ? 'ResourceAttributes, Attributes'
    : 'ResourceAttributes.keys, ResourceAttributes.values, Attributes.keys, Attributes.values';

const latestGoroutines: ExampleQuery = {
  name: 'latestGoroutines',
  title: 'Latest goroutine count per service instance',
  sql: (d, p) => `SELECT
    ServiceName,
    ${attr(d, 'ResourceAttributes', 'service.instance.id')} AS Instance,
    argMax(Value, ${exactTime(d, 'TimeUnix')}) AS Goroutines,
    max(TimeUnix) AS At
FROM ${p.database}.otel_metrics_sum
WHERE MetricName = 'go.goroutine.count' AND TimeUnix >= ${p.since}
GROUP BY ServiceName, Instance
ORDER BY ServiceName, Instance`,
};

/**
 * A quantile per minute from explicit-bucket histograms. Delta points are summed per
 * minute; cumulative points become per-minute increments of each series (the first minute
 * counts from the series' start). The quantile is interpolated inside its bucket.
 */
function histogramQuantilePerMinute(
  d: DialectName,
  p: QueryParams,
  metric: string,
  q: number,
): string {
  return `SELECT
    Minute,
    arrayCumSum(Counts) AS Cumulative,
    Cumulative[length(Cumulative)] AS Total,
    arrayFirstIndex(c -> c >= ${q} * Total, Cumulative) AS Bucket,
    if(Bucket = 1, 0, Bounds[Bucket - 1]) AS Lower,
    if(Bucket > length(Bounds), Bounds[length(Bounds)], Bounds[Bucket]) AS Upper,
    if(Bucket = 1, 0, Cumulative[Bucket - 1]) AS Below,
    if(Bucket > length(Bounds), Upper,
       Lower + (Upper - Lower) * (${q} * Total - Below) / Counts[Bucket]) AS P${Math.round(q * 100)}
FROM (
    SELECT Minute, sumForEach(Increment) AS Counts, any(SeriesBounds) AS Bounds
    FROM (
        SELECT
            arrayJoin(arrayMap((m, cur, prev) -> (m, arrayMap((a, b) -> a - b, cur, prev)),
                               Minutes, Lasts, Previous)) AS Point,
            Point.1 AS Minute,
            Point.2 AS Increment,
            SeriesBounds
        FROM (
            SELECT
                groupArray(Minute) AS Minutes,
                groupArray(Last) AS Lasts,
                -- delta points subtract nothing; cumulative ones their previous minute
                if(any(MinuteTemporality) = 1,
                   arrayMap(l -> arrayMap(c -> toUInt64(0), l), groupArray(Last)),
                   arrayPushFront(arrayPopBack(groupArray(Last)), arrayMap(c -> toUInt64(0), any(Last))))
                    AS Previous,
                any(Bounds) AS SeriesBounds
            FROM (
                SELECT
                    ${seriesKey(d)},
                    toStartOfMinute(TimeUnix) AS Minute,
                    any(AggregationTemporality) AS MinuteTemporality,
                    if(any(AggregationTemporality) = 1, sumForEach(BucketCounts),
                       argMax(BucketCounts, ${exactTime(d, 'TimeUnix')})) AS Last,
                    any(ExplicitBounds) AS Bounds
                FROM ${p.database}.otel_metrics_histogram
                WHERE ServiceName = ${lit(p.service)} AND MetricName = ${lit(metric)}
                  AND TimeUnix >= ${p.since}
                GROUP BY ${seriesKey(d)}, Minute
                ORDER BY Minute
            )
            GROUP BY ${seriesKey(d)}
        )
    )
    GROUP BY Minute
)
WHERE Total > 0
ORDER BY Minute`;
}

const gcPauseP99: ExampleQuery = {
  name: 'gcPauseP99PerMinute',
  title: 'GC pause p99 per minute (ns, Go runtime histogram)',
  sql: (d, p) => histogramQuantilePerMinute(d, p, 'process.runtime.go.gc.pause_ns', 0.99),
};

const requestLatencyP99: ExampleQuery = {
  name: 'requestLatencyP99PerMinute',
  title: 'HTTP server request latency p99 per minute (s)',
  sql: (d, p) => histogramQuantilePerMinute(d, p, 'http.server.request.duration', 0.99),
};

const errorLogs: ExampleQuery = {
  name: 'errorLogs',
  title: 'Error logs of a service, filtered by a log attribute',
  sql: (d, p) => `SELECT
    Timestamp,
    SeverityText,
    Body,
    ${attr(d, 'LogAttributes', 'http.route')} AS Route,
    TraceId
FROM ${p.database}.otel_logs
WHERE ServiceName = ${lit(p.service)}
  AND SeverityNumber >= 17
  AND ${attr(d, 'LogAttributes', 'http.route')} = ${lit(p.route)}
  AND ${d === 'modern' ? 'TimestampTime' : 'Timestamp'} >= ${p.since}
ORDER BY ${exactTime(d, 'Timestamp')} DESC
LIMIT 100`,
};

const traceById: ExampleQuery = {
  name: 'traceById',
  title: 'One trace by id, spans in start order',
  sql: (d, p) => {
    const spans = `SELECT
    Timestamp,
    SpanId,
    ParentSpanId,
    SpanName,
    SpanKind,
    ServiceName,
    Duration,
    StatusCode,
    StatusMessage
FROM ${p.database}.otel_traces
WHERE TraceId = ${lit(p.traceId)}`;
    if (d === 'old') return `${spans}\nORDER BY TimestampNs`;
    // The exporter's trace id lookup bounds the scan to the trace's time range.
    const lookup = `${p.database}.otel_traces_trace_id_ts WHERE TraceId = ${lit(p.traceId)}`;
    return `WITH
    (SELECT min(Start) FROM ${lookup}) AS TraceStart,
    (SELECT max(End) FROM ${lookup}) AS TraceEnd
${spans}
  AND toDateTime(Timestamp) BETWEEN TraceStart AND TraceEnd
ORDER BY Timestamp`;
  },
};

export const EXAMPLE_QUERIES: readonly ExampleQuery[] = [
  latestGoroutines,
  gcPauseP99,
  requestLatencyP99,
  errorLogs,
  traceById,
];
