// What the Collector interop tests send, and how they recognise it wherever it arrives (a
// ClickHouse row, or a request a Collector exported): one identity line per data point, log
// record or span, naming its service and what identifies the item. Both directions compare
// the sorted lines of what arrived with those of what was sent, so a lost, duplicated or
// misfiled item fails the test.
import { nestingOf } from '../../../lib/otlp/nesting.ts';
import { anyValueToString, attributeString, dataPointCount } from '../../../lib/otlp/resources.ts';
import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportRequestBySignal,
  ExportTraceServiceRequest,
  Resource,
  Signal,
} from '../../../lib/otlp/types.ts';
import { baseTimeNs, queryTestRequests } from '../../support/clickhouseFixtures.ts';

export const SIGNALS = ['metrics', 'logs', 'traces'] as const satisfies readonly Signal[];

export type Requests = { [S in Signal]: ExportRequestBySignal[S] };

/**
 * The fixture data of the storage tests (two services' metrics of every type, 12 log records,
 * two traces of 3 spans), one request per signal holding all of its resources: the Collector
 * writes a request as one Kafka record, telepipe's ingest as one record per resource.
 */
export function interopRequests(): Requests {
  const fixtures = queryTestRequests(baseTimeNs());
  const merged = <S extends Signal>(signal: S): ExportRequestBySignal[S] => {
    const n = nestingOf(signal);
    return n.request(
      (fixtures[signal] as ExportRequestBySignal[S][]).flatMap((request) => n.resources(request)),
    );
  };
  return { metrics: merged('metrics'), logs: merged('logs'), traces: merged('traces') };
}

/** One item: the service it came from and what identifies it within that service. */
export const identity = (service: string, item: string): string => `${service}: ${item}`;

/** A span is identified by its ids; its name shows that the right span carried them. */
export const spanItem = (traceIdHex: string, spanIdHex: string, name: string): string =>
  `${traceIdHex}/${spanIdHex} ${name}`;

const hex = (id: Uint8Array | undefined): string => Buffer.from(id ?? []).toString('hex');
const service = (resource: Resource | null | undefined): string =>
  attributeString(resource?.attributes, 'service.name') ?? '';

const IDENTITIES: { [S in Signal]: (requests: ExportRequestBySignal[S][]) => string[] } = {
  metrics: (requests: ExportMetricsServiceRequest[]) =>
    requests
      .flatMap((r) => r.resourceMetrics)
      .flatMap((rm) =>
        rm.scopeMetrics
          .flatMap((sm) => sm.metrics)
          .flatMap((m) =>
            Array<string>(dataPointCount(m)).fill(identity(service(rm.resource), m.name ?? '')),
          ),
      )
      .sort(),
  logs: (requests: ExportLogsServiceRequest[]) =>
    requests
      .flatMap((r) => r.resourceLogs)
      .flatMap((rl) =>
        rl.scopeLogs
          .flatMap((sl) => sl.logRecords)
          .map((log) => identity(service(rl.resource), anyValueToString(log.body))),
      )
      .sort(),
  traces: (requests: ExportTraceServiceRequest[]) =>
    requests
      .flatMap((r) => r.resourceSpans)
      .flatMap((rs) =>
        rs.scopeSpans
          .flatMap((ss) => ss.spans)
          .map((span) =>
            identity(
              service(rs.resource),
              spanItem(hex(span.traceId), hex(span.spanId), span.name ?? ''),
            ),
          ),
      )
      .sort(),
};

/** Identity lines of every item in `requests`, sorted; metrics: one per data point. */
export function identitiesOf<S extends Signal>(
  signal: S,
  requests: ExportRequestBySignal[S][],
): string[] {
  return IDENTITIES[signal](requests);
}
