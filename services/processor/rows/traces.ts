// ResourceSpans → otel_traces rows (one per span, events and links as Nested arrays).
import type { ExportTraceServiceRequest, Span } from '../../../lib/otlp/types.ts';
import {
  attributes,
  classification,
  hex,
  nanos,
  pushRow,
  serviceName,
  type RecordContext,
  type RowsByTable,
} from './common.ts';

/** The exporter stores kinds and status codes by their pdata names. */
const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_CODES = ['Unset', 'Ok', 'Error'];

export function traceRows(
  request: ExportTraceServiceRequest,
  ctx: RecordContext,
  rows: RowsByTable,
): void {
  for (const rs of request.resourceSpans) {
    const resourceAttributes = attributes(rs.resource?.attributes);
    const service = serviceName(rs.resource);
    for (const ss of rs.scopeSpans) {
      const scopeAttributes = attributes(ss.scope?.attributes);
      for (const span of ss.spans) {
        const spanAttributes = attributes(span.attributes);
        const start = nanos(span.startTimeUnixNano);
        const end = nanos(span.endTimeUnixNano);
        pushRow(rows, 'otel_traces', {
          Timestamp: start,
          TraceId: hex(span.traceId),
          SpanId: hex(span.spanId),
          ParentSpanId: hex(span.parentSpanId),
          TraceState: span.traceState ?? '',
          SpanName: span.name ?? '',
          SpanKind: SPAN_KINDS[span.kind ?? 0] ?? 'Unspecified',
          ServiceName: service,
          ResourceAttributes: resourceAttributes,
          ScopeName: ss.scope?.name ?? '',
          ScopeVersion: ss.scope?.version ?? '',
          SpanAttributes: spanAttributes,
          Duration: end > start ? Number(end - start) : 0,
          StatusCode: STATUS_CODES[span.status?.code ?? 0] ?? 'Unset',
          StatusMessage: span.status?.message ?? '',
          ...eventsAndLinks(span),
          TenantId: ctx.tenantId,
          DataClassification: classification(spanAttributes, scopeAttributes, resourceAttributes),
        });
      }
    }
  }
}

function eventsAndLinks(span: Span) {
  return {
    Events: span.events.map((e) => ({
      Timestamp: nanos(e.timeUnixNano),
      Name: e.name ?? '',
      Attributes: attributes(e.attributes),
    })),
    Links: span.links.map((l) => ({
      TraceId: hex(l.traceId),
      SpanId: hex(l.spanId),
      TraceState: l.traceState ?? '',
      Attributes: attributes(l.attributes),
    })),
  };
}
