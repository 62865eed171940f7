// The neutral schema model: tables described once with logical column kinds, and rows as
// plain objects keyed by those logical names. A dialect (dialect.ts) turns a logical
// column into the physical columns and encodings a given ClickHouse version understands.

/** Logical column kinds. `time` is unix nanoseconds; `attributes` a string→string map. */
export type ColumnKind =
  | 'string'
  | 'lowString' // LowCardinality(String) where the server has it
  | 'uint8'
  | 'uint32'
  | 'uint64'
  | 'int32'
  | 'float64'
  | 'bool'
  | 'time'
  | 'attributes'
  | 'uint64Array'
  | 'float64Array';

export interface ScalarColumn {
  name: string;
  kind: ColumnKind;
  /** Compression codec on servers that support codecs; ZSTD(1) unless set. */
  codec?: string;
}

/** A Nested group: one array column per field, all of the same length per row. */
export interface NestedColumn {
  name: string;
  fields: ScalarColumn[];
}

export type TableColumn = ScalarColumn | NestedColumn;

export const isNested = (c: TableColumn): c is NestedColumn => 'fields' in c;

/** Attributes as parallel key and value arrays (order kept, duplicates allowed). */
export interface Attributes {
  keys: string[];
  values: string[];
}

export type ScalarValue = string | number | bigint | boolean | Attributes | number[] | bigint[];
export type NestedValue = Record<string, ScalarValue>[];
/** One row of a table, keyed by logical column name. */
export type Row = Record<string, ScalarValue | NestedValue>;

/** Table layout options per dialect; expressions use physical column names. */
export interface ModernLayout {
  partitionBy: string;
  primaryKey?: string;
  orderBy: string;
  /** Skip indexes, e.g. `idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1`. */
  indexes: string[];
  /** Expression of type DateTime the retention TTL counts from. */
  ttlFrom: string;
  /** Columns the server computes, e.g. `TimestampTime DateTime DEFAULT toDateTime(Timestamp)`. */
  computed?: string[];
  engine?: 'MergeTree' | 'AggregatingMergeTree';
}

export interface OldLayout {
  partitionBy: string;
  orderBy: string;
}

export interface TableSpec {
  name: string;
  columns: TableColumn[];
  modern: ModernLayout;
  old: OldLayout;
  /** Sharding expression of the Distributed table in cluster mode. */
  shardingKey: string;
}
