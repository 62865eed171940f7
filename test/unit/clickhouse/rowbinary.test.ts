// RowBinaryWriter against Buffer's own encoders: strings (ASCII fast path and UTF-8), integers.
import { describe, expect, it } from 'vitest';
import { RowBinaryWriter } from '../../../lib/clickhouse/rowbinary.ts';

/** What RowBinary holds for a string: its UTF-8 length as LEB128, then its UTF-8 bytes. */
function expectedString(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  const length: number[] = [];
  let n = bytes.length;
  while (n >= 0x80) {
    length.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  length.push(n);
  return Buffer.concat([Buffer.from(length), bytes]);
}

describe('RowBinaryWriter', () => {
  it.each([
    ['empty', ''],
    ['ASCII', 'http.request.method'],
    ['non-ASCII in a short string', 'café ☕ 日本'],
    ['non-ASCII after 120 ASCII characters', `${'a'.repeat(120)}é`],
    ['127 ASCII characters', 'x'.repeat(127)],
    ['128 ASCII characters (two-byte length)', 'x'.repeat(128)],
    ['a long string', 'ü'.repeat(5000)],
    ['a lone surrogate', 'a\ud800b'],
  ])('writes strings as length and UTF-8 bytes: %s', (_name, s) => {
    const w = new RowBinaryWriter(4); // tiny: every write grows the buffer
    w.string(s);
    w.string(s);
    expect(Buffer.from(w.bytes())).toEqual(Buffer.concat([expectedString(s), expectedString(s)]));
  });

  it('writes 32- and 64-bit unsigned integers little-endian', () => {
    const w = new RowBinaryWriter(4);
    const values = [0, 1, 255, 0x1234_5678, 0xffff_ffff, 2 ** 53 - 1, 1_700_000_000_123];
    for (const v of values) {
      if (v <= 0xffff_ffff) w.uint32(v);
      w.uint64(v);
      w.uint64(BigInt(v));
    }
    const expected: Buffer[] = [];
    for (const v of values) {
      if (v <= 0xffff_ffff) {
        const b = Buffer.alloc(4);
        b.writeUInt32LE(v);
        expected.push(b);
      }
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(v));
      expected.push(b, b);
    }
    expect(Buffer.from(w.bytes())).toEqual(Buffer.concat(expected));
  });
});
