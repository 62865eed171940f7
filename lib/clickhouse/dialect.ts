// Two SQL dialects, chosen from `SELECT version()`. `modern` (22.x and later) gets the
// OpenTelemetry Collector exporter's types: Map, DateTime64(9), LowCardinality, Bool,
// codecs. `old` (the 18.16 Debian package) gets the nearest types it has: Nested key and
// value arrays for maps, DateTime plus a UInt64 `…Ns` column for nanosecond times, UInt8
// for booleans. Rows stay neutral (schema.ts); this module maps them to columns.
import type { RowBinaryWriter } from './rowbinary.ts';
import {
  isNested,
  type Attributes,
  type ColumnKind,
  type NestedValue,
  type Row,
  type ScalarColumn,
  type ScalarValue,
  type TableSpec,
} from './schema.ts';

export type DialectName = 'modern' | 'old';

/** The first major version with Map, DateTime64, LowCardinality and TTL all stable. */
export const MODERN_MIN_MAJOR = 22;

export function dialectForVersion(version: string): DialectName {
  const major = Number(version.split('.')[0]);
  return Number.isFinite(major) && major >= MODERN_MIN_MAJOR ? 'modern' : 'old';
}

/** How one physical column's values are typed, written in RowBinary and in JSON. */
interface ValueCodec {
  type: string;
  binary(w: RowBinaryWriter, v: unknown): void;
  json(v: unknown): unknown;
}

export interface PhysicalColumn {
  /** As it appears in the table, e.g. `Events.Timestamp` or `ResourceAttributes.keys`. */
  name: string;
  type: string;
  codec: string | undefined;
  binary(w: RowBinaryWriter, row: Row): void;
  json(row: Row): unknown;
}

const NS_PER_S = 1_000_000_000n;

const scalar = (
  type: string,
  binary: (w: RowBinaryWriter, v: never) => void,
  json: (v: never) => unknown = (v) => v,
): ValueCodec => ({
  type,
  binary,
  json,
});

const STRING = scalar('String', (w, v: string) => w.string(v));
const LOW_STRING = { ...STRING, type: 'LowCardinality(String)' };
const UINT8 = scalar('UInt8', (w, v: number | boolean) => w.uint8(Number(v)), Number);
const UINT32 = scalar('UInt32', (w, v: number) => w.uint32(v));
const UINT64 = scalar(
  'UInt64',
  (w, v: number | bigint) => w.uint64(v),
  (v: number | bigint) => (typeof v === 'bigint' ? v.toString() : v),
);
const INT32 = scalar('Int32', (w, v: number) => w.int32(v));
const FLOAT64 = scalar('Float64', (w, v: number) => w.float64(v), jsonFloat);
const BOOL = scalar('Bool', (w, v: boolean) => w.uint8(v ? 1 : 0));
const DATETIME64 = scalar(
  'DateTime64(9)',
  (w, v: bigint) => w.int64(v),
  (v: bigint) => `${v / NS_PER_S}.${(v % NS_PER_S).toString().padStart(9, '0')}`,
);
const DATETIME = scalar(
  'DateTime',
  (w, v: bigint) => w.uint32(Number(v / NS_PER_S)),
  (v: bigint) => Number(v / NS_PER_S),
);
const ATTRIBUTE_MAP = scalar(
  'Map(LowCardinality(String), String)',
  (w, v: Attributes) => {
    w.varint(v.keys.length);
    for (let i = 0; i < v.keys.length; i++) {
      w.string(v.keys[i]!);
      w.string(v.values[i]!);
    }
  },
  (v: Attributes) => Object.fromEntries(v.keys.map((k, i) => [k, v.values[i]])),
);

/** JSON has no NaN or Infinity; ClickHouse reads them as strings. */
function jsonFloat(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

function arrayOf(inner: ValueCodec): ValueCodec {
  return {
    type: `Array(${inner.type})`,
    binary(w, v) {
      const items = v as unknown[];
      w.varint(items.length);
      for (const item of items) inner.binary(w, item);
    },
    json: (v) => (v as unknown[]).map((item) => inner.json(item)),
  };
}

/** One logical column becomes one or more physical parts: a name suffix, a codec, a getter. */
interface Part {
  suffix: string;
  codec: ValueCodec;
  get: (v: ScalarValue) => unknown;
}

const same = (v: ScalarValue): unknown => v;
const one = (codec: ValueCodec): Part[] => [{ suffix: '', codec, get: same }];

const MODERN_PARTS: Record<ColumnKind, Part[]> = {
  string: one(STRING),
  lowString: one(LOW_STRING),
  uint8: one(UINT8),
  uint32: one(UINT32),
  uint64: one(UINT64),
  int32: one(INT32),
  float64: one(FLOAT64),
  bool: one(BOOL),
  time: one(DATETIME64),
  attributes: one(ATTRIBUTE_MAP),
  uint64Array: one(arrayOf(UINT64)),
  float64Array: one(arrayOf(FLOAT64)),
};

const OLD_PARTS: Record<ColumnKind, Part[]> = {
  ...MODERN_PARTS,
  lowString: one(STRING),
  bool: one(UINT8),
  time: [
    { suffix: '', codec: DATETIME, get: same },
    { suffix: 'Ns', codec: UINT64, get: same },
  ],
  attributes: [
    { suffix: '.keys', codec: arrayOf(STRING), get: (v) => (v as Attributes).keys },
    { suffix: '.values', codec: arrayOf(STRING), get: (v) => (v as Attributes).values },
  ],
};

const DEFAULT_CODEC = 'ZSTD(1)';

export class Dialect {
  private readonly physical = new Map<string, PhysicalColumn[]>();

  constructor(readonly name: DialectName) {}

  /** Only modern servers honour insert_deduplication_token on non-replicated tables. */
  get deduplicatesInserts(): boolean {
    return this.name === 'modern';
  }

  /**
   * Settings of an INSERT identified by `token` (topic, partition, offsets): a replayed
   * batch with the same token is dropped by the server, in tables fed by materialized
   * views too. Old servers have no tokens and get none.
   */
  insertSettings(token: string): Record<string, string | number> {
    if (!this.deduplicatesInserts) return {};
    return {
      insert_deduplicate: 1,
      insert_deduplication_token: token,
      deduplicate_blocks_in_dependent_materialized_views: 1,
    };
  }

  /** The physical columns of a table in insert order (cached per table). */
  columns(spec: TableSpec): PhysicalColumn[] {
    let cols = this.physical.get(spec.name);
    if (!cols) {
      cols = spec.columns.flatMap((c) =>
        isNested(c)
          ? c.fields.flatMap((f) => this.nestedColumns(c.name, f))
          : this.scalarColumns(c),
      );
      this.physical.set(spec.name, cols);
    }
    return cols;
  }

  /** The one physical type of a column kind, for modern Nested field declarations. */
  modernType(column: ScalarColumn): string {
    return MODERN_PARTS[column.kind][0]!.codec.type;
  }

  private parts(kind: ColumnKind): Part[] {
    return (this.name === 'modern' ? MODERN_PARTS : OLD_PARTS)[kind];
  }

  private codecOf(column: ScalarColumn): string | undefined {
    return this.name === 'modern' ? (column.codec ?? DEFAULT_CODEC) : undefined;
  }

  private scalarColumns(column: ScalarColumn): PhysicalColumn[] {
    return this.parts(column.kind).map(({ suffix, codec, get }) => ({
      name: `${column.name}${suffix}`,
      type: codec.type,
      codec: this.codecOf(column),
      binary: (w, row) => codec.binary(w, get(row[column.name] as ScalarValue)),
      json: (row) => codec.json(get(row[column.name] as ScalarValue)),
    }));
  }

  private nestedColumns(group: string, field: ScalarColumn): PhysicalColumn[] {
    return this.parts(field.kind).map(({ suffix, codec, get }) => {
      const array = arrayOf(codec);
      const values = (row: Row): unknown[] =>
        (row[group] as NestedValue).map((item) => get(item[field.name]!));
      return {
        name: `${group}.${field.name}${suffix}`,
        type: array.type,
        codec: undefined, // the Nested group carries the codec in modern DDL
        // Straight from the group's items: no array of values per row and column.
        binary: (w, row) => {
          const items = row[group] as NestedValue;
          w.varint(items.length);
          for (const item of items) codec.binary(w, get(item[field.name]!));
        },
        json: (row) => array.json(values(row)),
      };
    });
  }
}

/** Back-quotes an identifier such as `Events.Timestamp` for use in SQL. */
export const quoteIdentifier = (name: string): string => `\`${name.replace(/`/g, '\\`')}\``;
