// ResourceLogs → otel_logs rows.
import { anyValueToString } from '../../../lib/otlp/resources.ts';
import type { ExportLogsServiceRequest } from '../../../lib/otlp/types.ts';
import {
  attributes,
  classification,
  hex,
  nanos,
  pushRow,
  scopeColumns,
  serviceName,
  type RecordContext,
  type RowsByTable,
} from './common.ts';

export function logRows(
  request: ExportLogsServiceRequest,
  ctx: RecordContext,
  rows: RowsByTable,
): void {
  for (const rl of request.resourceLogs) {
    const resourceAttributes = attributes(rl.resource?.attributes);
    const service = serviceName(rl.resource);
    for (const sl of rl.scopeLogs) {
      const scope = scopeColumns(sl.scope, sl.schemaUrl);
      for (const log of sl.logRecords) {
        const logAttributes = attributes(log.attributes);
        const time = nanos(log.timeUnixNano);
        pushRow(rows, 'otel_logs', {
          // As the exporter: the event time, else when the SDK observed it.
          Timestamp: time > 0n ? time : nanos(log.observedTimeUnixNano),
          TraceId: hex(log.traceId),
          SpanId: hex(log.spanId),
          TraceFlags: (log.flags ?? 0) & 0xff,
          SeverityText: log.severityText ?? '',
          SeverityNumber: log.severityNumber ?? 0,
          ServiceName: service,
          Body: anyValueToString(log.body),
          ResourceSchemaUrl: rl.schemaUrl ?? '',
          ResourceAttributes: resourceAttributes,
          ...scope,
          LogAttributes: logAttributes,
          EventName: log.eventName ?? '',
          TenantId: ctx.tenantId,
          DataClassification: classification(
            logAttributes,
            scope.ScopeAttributes,
            resourceAttributes,
          ),
        });
      }
    }
  }
}
