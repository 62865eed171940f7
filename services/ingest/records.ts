// From a request body to its Kafka records, one of two ways with the same outcome (records,
// accepted items, partial success):
// - protobuf: walked on the wire (lib/otlp/wire), never decoded. When every item passes
//   screening and every resource entry fits in a record, the normal case, the entries are
//   the record values as the client sent them;
// - OTLP/JSON, and protobuf requests with items to reject or a resource entry bigger than
//   a record: decoded, screened (screen.ts) and encoded per resource (kafka-records.ts),
//   which splits big resources.
import { invalidArgument } from '../../lib/errors.ts';
import { decodeJsonRequest, decodeRequest } from '../../lib/otlp/codec.ts';
import { resourceRecords, type ResourceRecord } from '../../lib/otlp/kafka-records.ts';
import type { ExportPartialSuccess, ExportRequestBySignal, Signal } from '../../lib/otlp/types.ts';
import { walkExportRequest } from '../../lib/otlp/wire/request.ts';
import type { BodyEncoding } from './intake.ts';
import { requireResources, screenRequest } from './screen.ts';

export interface RequestRecords {
  /** Empty when no item was accepted. */
  records: ResourceRecord[];
  /** Items (data points, log records, spans) in the records. */
  accepted: number;
  /** Set when items were rejected, for the OTLP partial success response. */
  partial: ExportPartialSuccess | undefined;
}

/** Throws an `invalid_argument` TelepipeError for bodies that are no request of `signal`. */
export function requestRecords(
  signal: Signal,
  encoding: BodyEncoding,
  body: Buffer,
  maxRecordBytes: number,
): RequestRecords {
  if (body.length === 0) {
    throw invalidArgument('empty request body; an OTLP export needs at least one resource');
  }
  if (encoding === 'json') {
    return decodedRecords(signal, decodeJsonRequest(signal, body.toString('utf8')), maxRecordBytes);
  }
  const entries = walkExportRequest(signal, body);
  requireResources(signal, entries.length);
  const records: ResourceRecord[] = [];
  let accepted = 0;
  for (const entry of entries) {
    // Screening drops entries without items.
    if (entry.items === 0) continue;
    if (entry.rejects || entry.key === undefined || entry.value.length > maxRecordBytes) {
      return decodedRecords(signal, decodeRequest(signal, body), maxRecordBytes);
    }
    records.push({ key: entry.key, value: entry.value });
    accepted += entry.items;
  }
  return { records, accepted, partial: undefined };
}

function decodedRecords<S extends Signal>(
  signal: S,
  request: ExportRequestBySignal[S],
  maxRecordBytes: number,
): RequestRecords {
  const screened = screenRequest(signal, request);
  return {
    records: screened.accepted > 0 ? resourceRecords(signal, screened.request, maxRecordBytes) : [],
    accepted: screened.accepted,
    partial: screened.partial,
  };
}
