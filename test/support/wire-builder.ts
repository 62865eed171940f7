// Protobuf wire format by hand, for tests that need bytes no encoder writes: fields given
// twice, unknown fields, padded varints, broken lengths.

export function varint(value: number): Buffer {
  const bytes: number[] = [];
  for (let v = value; ; v = Math.floor(v / 0x80)) {
    if (v < 0x80) {
      bytes.push(v);
      return Buffer.from(bytes);
    }
    bytes.push((v % 0x80) | 0x80);
  }
}

export const tag = (field: number, wireType: number): Buffer => varint(field * 8 + wireType);

/** A length-delimited field holding `parts` (a nested message, a string's bytes). */
export const len = (field: number, ...parts: (Buffer | string)[]): Buffer => {
  const value = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  return Buffer.concat([tag(field, 2), varint(value.length), value]);
};

export const varintField = (field: number, value: number): Buffer =>
  Buffer.concat([tag(field, 0), varint(value)]);

/** A KeyValue with a string AnyValue (or `value`, an AnyValue's bytes). */
export const keyValue = (key: string, value: Buffer | string): Buffer =>
  Buffer.concat([len(1, key), len(2, typeof value === 'string' ? len(1, value) : value)]);
