// A growable byte buffer that writes ClickHouse's RowBinary encoding: little-endian
// fixed-width numbers, LEB128 lengths, length-prefixed strings. Rows are encoded as they
// arrive, so a batch's size in bytes is known exactly and costs no second pass.

const INITIAL_CAPACITY = 64 * 1024;

export class RowBinaryWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(start = 0, end = this.pos): Buffer {
    return this.buf.subarray(start, end);
  }

  reset(): void {
    this.pos = 0;
  }

  uint8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  uint32(v: number): void {
    this.ensure(4);
    // Byte stores: Buffer's writeUInt32LE range checks cost more than the write itself.
    const { buf } = this;
    const n = v >>> 0;
    let p = this.pos;
    buf[p++] = n & 0xff;
    buf[p++] = (n >>> 8) & 0xff;
    buf[p++] = (n >>> 16) & 0xff;
    buf[p++] = n >>> 24;
    this.pos = p;
  }

  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.pos);
    this.pos += 4;
  }

  uint64(v: number | bigint): void {
    if (typeof v === 'bigint') {
      this.ensure(8);
      this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.pos);
      this.pos += 8;
    } else {
      // Two 32-bit halves: exact for every safe integer and avoids a BigInt per value.
      this.uint32Pair((v % 0x1_0000_0000) >>> 0, Math.floor(v / 0x1_0000_0000) >>> 0);
    }
  }

  /** A 64-bit value from its low and high 32-bit halves, written byte by byte. */
  uint32Pair(low: number, high: number): void {
    this.ensure(8);
    const { buf } = this;
    let p = this.pos;
    buf[p++] = low & 0xff;
    buf[p++] = (low >>> 8) & 0xff;
    buf[p++] = (low >>> 16) & 0xff;
    buf[p++] = low >>> 24;
    buf[p++] = high & 0xff;
    buf[p++] = (high >>> 8) & 0xff;
    buf[p++] = (high >>> 16) & 0xff;
    buf[p++] = high >>> 24;
    this.pos = p;
  }

  int64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt.asIntN(64, v), this.pos);
    this.pos += 8;
  }

  float64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** Unsigned LEB128, the length prefix of strings, arrays and maps. */
  varint(v: number): void {
    this.ensure(10);
    let n = v;
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  string(s: string): void {
    const length = s.length;
    if (length < 0x80) {
      // Short strings: the length fits one byte whatever the UTF-8 size when ASCII, and
      // telemetry strings (keys, routes, ids, names) nearly always are. Copying the code
      // units in a loop is several times cheaper than Buffer#write's native call for them.
      this.ensure(length * 3 + 1);
      const { buf } = this;
      const start = this.pos;
      let p = start + 1;
      for (let i = 0; i < length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) return this.utf8String(s);
        buf[p++] = c;
      }
      buf[start] = length;
      this.pos = p;
      return;
    }
    this.utf8String(s);
  }

  private utf8String(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += n;
  }

  /** UTF-8 text without a length prefix (for text formats such as JSONEachRow). */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}
