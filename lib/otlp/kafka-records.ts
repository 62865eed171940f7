// The Kafka record contract (docs/ingest.md, "Kafka records"): one record per resource,
// keyed by the resource identity, the value a single-resource Export*ServiceRequest in
// protobuf, and headers naming tenant, receive time and content type.
import { TelepipeError } from '../errors.ts';
import type { KafkaHeaders, OutgoingRecord } from '../kafka/client.ts';
import { encodeRequest } from './codec.ts';
import { resourceKey, splitByResource } from './resources.ts';
import type { ExportRequestBySignal, Signal } from './types.ts';
import type { OtlpExport } from '../../services/ingest/intake.ts';
import { halveRequest, nestingOf } from './nesting.ts';

export const RECORD_HEADERS = {
  tenant: 'telepipe-tenant',
  receivedNs: 'telepipe-received-ns',
  contentType: 'content-type',
} as const;

export const RECORD_CONTENT_TYPE = 'application/x-protobuf';

export function kafkaRecords(
  item: OtlpExport,
  topic: string,
  maxRecordBytes: number,
): OutgoingRecord[] {
  const headers: KafkaHeaders = {
    [RECORD_HEADERS.tenant]: item.tenant,
    [RECORD_HEADERS.receivedNs]: item.receivedNs.toString(),
    [RECORD_HEADERS.contentType]: RECORD_CONTENT_TYPE,
  };
  return splitByResource(item.signal, item.request).flatMap(({ resource, request }) => {
    const key = resourceKey(resource);
    return encodeWithin(item.signal, request, maxRecordBytes).map((value) => ({
      topic,
      key,
      value,
      headers,
    }));
  });
}

/** Encodes a single-resource request, halving it until every part fits in a record. */
function encodeWithin<S extends Signal>(
  signal: S,
  request: ExportRequestBySignal[S],
  maxBytes: number,
): Uint8Array[] {
  const value = encodeRequest(signal, request);
  if (value.length <= maxBytes) return [value];
  const n = nestingOf(signal);
  const halves = halveRequest(n, request);
  if (!halves) {
    throw new TelepipeError(
      'payload_too_large',
      `a single ${n.itemName} encodes to ${value.length} bytes, more than one Kafka record may hold (ingest.producer.maxRecordBytes=${maxBytes})`,
    );
  }
  return halves.flatMap((half) => encodeWithin(signal, half, maxBytes));
}
