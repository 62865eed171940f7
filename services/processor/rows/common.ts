// Helpers shared by the row builders: OTLP values to the neutral row values of
// lib/clickhouse/schema.ts, the same way the Collector's ClickHouse exporter maps them.
import type { Attributes, Row } from '../../../lib/clickhouse/schema.ts';
import type {
  Bytes,
  InstrumentationScope,
  Int64,
  KeyValue,
  Resource,
} from '../../../lib/otlp/types.ts';
import { anyValueToString } from '../../../lib/otlp/resources.ts';
import type { OtelTableName } from '../../../lib/clickhouse/tables.ts';

/** Rows built from one Kafka record, by table. */
export type RowsByTable = Partial<Record<OtelTableName, Row[]>>;

/** Where a record came from, stored with each row. */
export interface RecordContext {
  tenantId: string;
}

/** The redaction stage marks records it changed with this attribute. */
export const CLASSIFICATION_ATTRIBUTE = 'data_classification';

export function attributes(kvs: KeyValue[] | undefined): Attributes {
  const keys: string[] = [];
  const values: string[] = [];
  for (const kv of kvs ?? []) {
    keys.push(kv.key);
    values.push(anyValueToString(kv.value));
  }
  return { keys, values };
}

const TWO_32 = 0x1_0000_0000n;

/** Unix nanoseconds as a BigInt (protobufjs gives fixed64 as Long, number or string). */
export function nanos(v: Int64 | null | undefined): bigint {
  if (v == null) return 0n;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'string') return BigInt(v);
  return BigInt(v.high >>> 0) * TWO_32 + BigInt(v.low >>> 0);
}

/** A 64-bit count as a number (exact below 2^53, which counts stay under). */
export function count(v: Int64 | null | undefined): number {
  if (v == null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  return v.toNumber();
}

export const hex = (id: Bytes | undefined): string =>
  id && id.length > 0 ? Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex') : '';

export function serviceName(resource: Resource | null | undefined): string {
  const kv = resource?.attributes.find((a) => a.key === 'service.name');
  return anyValueToString(kv?.value);
}

export function scopeColumns(scope: InstrumentationScope | null | undefined, schemaUrl = '') {
  return {
    ScopeName: scope?.name ?? '',
    ScopeVersion: scope?.version ?? '',
    ScopeAttributes: attributes(scope?.attributes),
    ScopeSchemaUrl: schemaUrl,
  };
}

/** The first data_classification mark found, innermost attributes first. */
export function classification(...levels: Attributes[]): string {
  for (const attrs of levels) {
    const i = attrs.keys.indexOf(CLASSIFICATION_ATTRIBUTE);
    if (i >= 0) return attrs.values[i]!;
  }
  return '';
}

export function pushRow(rows: RowsByTable, table: OtelTableName, row: Row): void {
  (rows[table] ??= []).push(row);
}
