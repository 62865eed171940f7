// The three OTLP signals share one shape: request → resources → scopes → items (metrics,
// log records, spans). This module describes that shape once per signal, so screening and
// record splitting are written once for all three.
import type {
  ExportRequestBySignal,
  LogRecord,
  Metric,
  ResourceLogs,
  ResourceMetrics,
  ResourceSpans,
  ScopeLogs,
  ScopeMetrics,
  ScopeSpans,
  Signal,
  Span,
} from './types.ts';

// Method syntax (not arrow properties) keeps the parameters bivariant, so a concrete nesting
// such as Nesting<ExportMetricsServiceRequest, ResourceMetrics, ...> can be used where the
// generic algorithms below only pass resources, scopes and items through.
export interface Nesting<Req, Res = unknown, Scope = unknown, Item = unknown> {
  /** Name of the resource list in the request, for messages (e.g. `resourceMetrics`). */
  readonly resourceField: string;
  /** What one item is called in messages (e.g. `metric`). */
  readonly itemName: string;
  resources(request: Req): Res[];
  request(resources: Res[]): Req;
  scopes(resource: Res): Scope[];
  withScopes(resource: Res, scopes: Scope[]): Res;
  items(scope: Scope): Item[];
  withItems(scope: Scope, items: Item[]): Scope;
  /** Why an item cannot be stored, or undefined when it is fine. */
  problem(item: Item): string | undefined;
  /** Splits one item in two (a metric's data points), or undefined when it is atomic. */
  halveItem(item: Item): [Item, Item] | undefined;
}

const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;

const isZero = (id: Uint8Array): boolean => id.every((b) => b === 0);
const validId = (id: Uint8Array | undefined, size: number): boolean =>
  id !== undefined && id.length === size && !isZero(id);
/** Log records may omit ids; if present they must have the right size. */
const validOptionalId = (id: Uint8Array | undefined, size: number): boolean =>
  id === undefined || id.length === 0 || validId(id, size);

// The screening rules, on the fields they read: the wire walk (lib/otlp/wire/items.ts) reads
// those fields straight from the protobuf and applies the same rules.

export const metricProblem = (m: Pick<Metric, 'name'>): string | undefined =>
  m.name ? undefined : 'metric without a name';

export const logRecordProblem = (l: Pick<LogRecord, 'traceId' | 'spanId'>): string | undefined =>
  validOptionalId(l.traceId, TRACE_ID_BYTES) && validOptionalId(l.spanId, SPAN_ID_BYTES)
    ? undefined
    : 'log record with a trace id that is not 16 bytes or a span id that is not 8 bytes';

export const spanProblem = (s: Pick<Span, 'traceId' | 'spanId'>): string | undefined =>
  validId(s.traceId, TRACE_ID_BYTES) && validId(s.spanId, SPAN_ID_BYTES)
    ? undefined
    : 'span without a valid trace id (16 bytes, not all zero) and span id (8 bytes, not all zero)';

const METRICS: Nesting<ExportRequestBySignal['metrics'], ResourceMetrics, ScopeMetrics, Metric> = {
  resourceField: 'resourceMetrics',
  itemName: 'metric data point',
  resources: (r) => r.resourceMetrics,
  request: (resourceMetrics) => ({ resourceMetrics }),
  scopes: (r) => r.scopeMetrics,
  withScopes: (r, scopeMetrics) => ({ ...r, scopeMetrics }),
  items: (s) => s.metrics,
  withItems: (s, metrics) => ({ ...s, metrics }),
  problem: metricProblem,
  halveItem: halveDataPoints,
};

const LOGS: Nesting<ExportRequestBySignal['logs'], ResourceLogs, ScopeLogs, LogRecord> = {
  resourceField: 'resourceLogs',
  itemName: 'log record',
  resources: (r) => r.resourceLogs,
  request: (resourceLogs) => ({ resourceLogs }),
  scopes: (r) => r.scopeLogs,
  withScopes: (r, scopeLogs) => ({ ...r, scopeLogs }),
  items: (s) => s.logRecords,
  withItems: (s, logRecords) => ({ ...s, logRecords }),
  problem: logRecordProblem,
  halveItem: () => undefined,
};

const TRACES: Nesting<ExportRequestBySignal['traces'], ResourceSpans, ScopeSpans, Span> = {
  resourceField: 'resourceSpans',
  itemName: 'span',
  resources: (r) => r.resourceSpans,
  request: (resourceSpans) => ({ resourceSpans }),
  scopes: (r) => r.scopeSpans,
  withScopes: (r, scopeSpans) => ({ ...r, scopeSpans }),
  items: (s) => s.spans,
  withItems: (s, spans) => ({ ...s, spans }),
  problem: spanProblem,
  halveItem: () => undefined,
};

const NESTINGS: { [S in Signal]: Nesting<ExportRequestBySignal[S]> } = {
  metrics: METRICS,
  logs: LOGS,
  traces: TRACES,
};

export function nestingOf<S extends Signal>(signal: S): Nesting<ExportRequestBySignal[S]> {
  return NESTINGS[signal];
}

const DATA_KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

function halveDataPoints(metric: Metric): [Metric, Metric] | undefined {
  for (const kind of DATA_KINDS) {
    const data = metric[kind];
    if (!data) continue;
    const points: unknown[] = data.dataPoints;
    if (points.length < 2) return undefined;
    const mid = Math.ceil(points.length / 2);
    const half = (slice: unknown[]): Metric => ({
      ...metric,
      [kind]: { ...data, dataPoints: slice },
    });
    return [half(points.slice(0, mid)), half(points.slice(mid))];
  }
  return undefined;
}

/**
 * Splits a single-resource request in two with about half the items each (scopes first,
 * then items, then a metric's data points), keeping the resource and scope in both.
 * Undefined when the request holds a single atomic item.
 */
export function halveRequest<Req>(n: Nesting<Req>, request: Req): [Req, Req] | undefined {
  const [resource] = n.resources(request);
  if (resource === undefined) return undefined;
  const scopes = n.scopes(resource);
  const asRequest = (s: unknown[]): Req => n.request([n.withScopes(resource, s)]);
  if (scopes.length > 1) {
    const mid = Math.ceil(scopes.length / 2);
    return [asRequest(scopes.slice(0, mid)), asRequest(scopes.slice(mid))];
  }
  const [scope] = scopes;
  if (scope === undefined) return undefined;
  const items = n.items(scope);
  const withItems = (i: unknown[]): Req => asRequest([n.withItems(scope, i)]);
  if (items.length > 1) {
    const mid = Math.ceil(items.length / 2);
    return [withItems(items.slice(0, mid)), withItems(items.slice(mid))];
  }
  const halves = items[0] === undefined ? undefined : n.halveItem(items[0]);
  return halves && [withItems([halves[0]]), withItems([halves[1]])];
}
