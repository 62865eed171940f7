// Dialect choice and the two insert encodings of the neutral row model.
import { describe, expect, it } from 'vitest';
import { Dialect, dialectForVersion } from '../../../lib/clickhouse/dialect.ts';
import { encodeRows } from '../../../lib/clickhouse/formats.ts';
import { RowBinaryWriter } from '../../../lib/clickhouse/rowbinary.ts';
import type { Row, TableSpec } from '../../../lib/clickhouse/schema.ts';

const spec: TableSpec = {
  name: 't',
  columns: [
    { name: 'Time', kind: 'time' },
    { name: 'Attrs', kind: 'attributes' },
    { name: 'Flag', kind: 'bool' },
    { name: 'Events', fields: [{ name: 'Name', kind: 'lowString' }] },
  ],
  modern: { partitionBy: '', orderBy: '', indexes: [], ttlFrom: '' },
  old: { partitionBy: '', orderBy: '' },
  shardingKey: '',
};
const row: Row = {
  Time: 1_700_000_000_123_456_789n,
  Attrs: { keys: ['k'], values: ['v'] },
  Flag: true,
  Events: [{ Name: 'e' }],
};

describe('dialect', () => {
  it('is chosen from the server version', () => {
    expect(dialectForVersion('18.16.1')).toBe('old');
    expect(dialectForVersion('21.8.15.7')).toBe('old');
    expect(dialectForVersion('22.3.2.1')).toBe('modern');
    expect(dialectForVersion('26.9.2.1')).toBe('modern');
  });

  it('maps logical columns to physical ones', () => {
    const names = (d: Dialect) => d.columns(spec).map((c) => `${c.name} ${c.type}`);
    expect(names(new Dialect('modern'))).toEqual([
      'Time DateTime64(9)',
      'Attrs Map(LowCardinality(String), String)',
      'Flag Bool',
      'Events.Name Array(LowCardinality(String))',
    ]);
    expect(names(new Dialect('old'))).toEqual([
      'Time DateTime',
      'TimeNs UInt64',
      'Attrs.keys Array(String)',
      'Attrs.values Array(String)',
      'Flag UInt8',
      'Events.Name Array(String)',
    ]);
  });

  it('encodes RowBinary exactly', () => {
    const modern = encodeRows('RowBinary', new Dialect('modern').columns(spec), [row]);
    const time = Buffer.alloc(8);
    time.writeBigInt64LE(1_700_000_000_123_456_789n);
    expect(modern).toEqual(
      Buffer.concat([time, Buffer.from([1, 1, 0x6b, 1, 0x76, 1, 1, 1, 0x65])]),
    );

    const old = encodeRows('RowBinary', new Dialect('old').columns(spec), [row]);
    const seconds = Buffer.alloc(4);
    seconds.writeUInt32LE(1_700_000_000);
    const nanos = Buffer.alloc(8);
    nanos.writeBigUInt64LE(1_700_000_000_123_456_789n);
    expect(old).toEqual(
      Buffer.concat([seconds, nanos, Buffer.from([1, 1, 0x6b, 1, 1, 0x76, 1, 1, 1, 0x65])]),
    );
  });

  it('encodes JSONEachRow with exact nanoseconds', () => {
    const text = encodeRows('JSONEachRow', new Dialect('modern').columns(spec), [row]).toString();
    expect(JSON.parse(text)).toEqual({
      Time: '1700000000.123456789',
      Attrs: { k: 'v' },
      Flag: true,
      'Events.Name': ['e'],
    });
    const old = JSON.parse(
      encodeRows('JSONEachRow', new Dialect('old').columns(spec), [row]).toString(),
    );
    expect(old).toMatchObject({
      Time: 1_700_000_000,
      TimeNs: '1700000000123456789',
      'Attrs.keys': ['k'],
      Flag: 1,
    });
  });

  it('deduplicates inserts by token only where the server can', () => {
    expect(new Dialect('modern').insertSettings('t:0:1-9')).toMatchObject({
      insert_deduplication_token: 't:0:1-9',
    });
    expect(new Dialect('old').insertSettings('t:0:1-9')).toEqual({});
  });
});

describe('RowBinaryWriter', () => {
  it('writes LEB128 lengths and long UTF-8 strings', () => {
    const w = new RowBinaryWriter(4);
    const long = 'ü'.repeat(100); // 200 bytes: a two-byte length
    w.string(long);
    w.varint(300);
    w.uint64(2 ** 53 - 1);
    const bytes = Buffer.from(w.bytes());
    expect([...bytes.subarray(0, 2)]).toEqual([0xc8, 0x01]);
    expect(bytes.subarray(2, 202).toString('utf8')).toBe(long);
    expect([...bytes.subarray(202, 204)]).toEqual([0xac, 0x02]);
    expect(bytes.readBigUInt64LE(204)).toBe(BigInt(2 ** 53 - 1));
  });
});
