// The Kafka record contract between the ingest (encodes) and the processor (decodes),
// docs/ingest.md "Kafka records": one record per resource, keyed by the resource identity,
// the value a single-resource Export*ServiceRequest in protobuf (the Collector's
// `otlp_proto`), and headers naming tenant, receive time and content type. Both sides use
// this module, so the contract is written once. For protobuf requests, the ingest takes the
// values from the request bytes as they came (lib/otlp/wire/request.ts), which is the same
// encoding; resourceRecords() encodes decoded requests (OTLP/JSON, screened requests).
import { TelepipeError } from '../errors.ts';
import type { KafkaHeaders, OutgoingRecord } from '../kafka/client.ts';
import { decodeRequest, encodeRequest } from './codec.ts';
import { halveRequest, nestingOf } from './nesting.ts';
import { resourceKey, splitByResource } from './resources.ts';
import type { ExportRequestBySignal, Signal } from './types.ts';

export const RECORD_HEADERS = {
  tenant: 'telepipe-tenant',
  receivedNs: 'telepipe-received-ns',
  contentType: 'content-type',
} as const;

export const RECORD_CONTENT_TYPE = 'application/x-protobuf';

/** The tenant of records without a tenant header (written by a plain Collector). */
export const DEFAULT_TENANT = 'default';

/** What the ingest knows about an accepted request that the records carry on. */
export interface RecordOrigin {
  /** Absent: the processor files the records under DEFAULT_TENANT. */
  tenant?: string;
  /** When the ingest received the request, unix nanoseconds. */
  receivedNs: bigint;
}

/** An accepted, decoded OTLP request to turn into records. */
export interface RecordSource<S extends Signal = Signal> extends RecordOrigin {
  signal: S;
  request: ExportRequestBySignal[S];
}

export function recordHeaders(origin: RecordOrigin): KafkaHeaders {
  const headers: KafkaHeaders = {
    [RECORD_HEADERS.receivedNs]: origin.receivedNs.toString(),
    [RECORD_HEADERS.contentType]: RECORD_CONTENT_TYPE,
  };
  if (origin.tenant !== undefined) headers[RECORD_HEADERS.tenant] = origin.tenant;
  return headers;
}

/** A record's key and value; the topic and headers come from the request it is part of. */
export interface ResourceRecord {
  /** resourceKey() of the record's resource. */
  key: string;
  /** A one-resource Export*ServiceRequest in protobuf. */
  value: Uint8Array;
}

/** One record per resource of a decoded request; more where one exceeds maxRecordBytes. */
export function resourceRecords<S extends Signal>(
  signal: S,
  request: ExportRequestBySignal[S],
  maxRecordBytes: number,
): ResourceRecord[] {
  return splitByResource(signal, request).flatMap(({ resource, request: oneResource }) => {
    const key = resourceKey(resource);
    return encodeWithin(signal, oneResource, maxRecordBytes).map((value) => ({ key, value }));
  });
}

/** The records of one request on `topic`, all with the request's headers. */
export function outgoingRecords(
  records: readonly ResourceRecord[],
  topic: string,
  origin: RecordOrigin,
): OutgoingRecord[] {
  const headers = recordHeaders(origin);
  return records.map(({ key, value }) => ({ topic, key, value, headers }));
}

export function kafkaRecords(
  item: RecordSource,
  topic: string,
  maxRecordBytes: number,
): OutgoingRecord[] {
  return outgoingRecords(resourceRecords(item.signal, item.request, maxRecordBytes), topic, item);
}

/** A consumed record as the processor reads it. */
export interface DecodedRecord<S extends Signal> {
  request: ExportRequestBySignal[S];
  tenant: string;
  /** The ingest's receive time in unix ms; undefined when absent or malformed. */
  receivedMs: number | undefined;
}

/** Throws an `invalid_argument` TelepipeError when the value is not a request of `signal`. */
export function decodeRecord<S extends Signal>(
  signal: S,
  record: { value: Uint8Array | null; headers: Readonly<Record<string, string>> },
): DecodedRecord<S> {
  return {
    request: decodeRequest(signal, record.value ?? new Uint8Array(0)),
    tenant: record.headers[RECORD_HEADERS.tenant] || DEFAULT_TENANT,
    receivedMs: receivedAt(record.headers),
  };
}

/** The receive time header (unix ns) in ms; undefined when absent or malformed. */
export function receivedAt(headers: Readonly<Record<string, string>>): number | undefined {
  const header = headers[RECORD_HEADERS.receivedNs];
  if (!header || !/^\d{1,20}$/.test(header)) return undefined;
  return Number(BigInt(header) / 1_000_000n);
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
