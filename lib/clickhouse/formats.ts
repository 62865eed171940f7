// Insert formats. Both encode a neutral row through the dialect's physical columns into
// one growing buffer; the processor picks the faster one (bench/processor.ts measures
// them: RowBinary wins, see docs/storage.md).
import type { PhysicalColumn } from './dialect.ts';
import { RowBinaryWriter } from './rowbinary.ts';
import type { Row } from './schema.ts';

export const INSERT_FORMATS = ['RowBinary', 'JSONEachRow'] as const;
export type InsertFormat = (typeof INSERT_FORMATS)[number];

export type RowEncoder = (w: RowBinaryWriter, row: Row) => void;

export function rowEncoder(format: InsertFormat, columns: PhysicalColumn[]): RowEncoder {
  if (format === 'RowBinary') {
    return (w, row) => {
      for (const column of columns) column.binary(w, row);
    };
  }
  return (w, row) => {
    const obj: Record<string, unknown> = {};
    for (const column of columns) obj[column.name] = column.json(row);
    w.text(`${JSON.stringify(obj)}\n`);
  };
}

/** Encodes whole rows at once (files for clickhouse-client, chDB, benchmarks). */
export function encodeRows(format: InsertFormat, columns: PhysicalColumn[], rows: Row[]): Buffer {
  const out = new RowBinaryWriter();
  const encode = rowEncoder(format, columns);
  for (const row of rows) encode(out, row);
  return Buffer.from(out.bytes());
}
