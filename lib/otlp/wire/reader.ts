// A cursor over protobuf wire format that checks every read against the end of the message
// it is in, and allocates nothing: the wire walk (request.ts) reads whole OTLP requests with
// one of these. Its limits are those of the protobufjs decoder (lib/otlp/codec.ts), so
// what the walk accepts, the processor can decode.
import { isUtf8 } from 'node:buffer';

export const WIRE_TYPE = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

export const fieldTag = (field: number, wireType: number): number =>
  ((field << 3) | wireType) >>> 0;

/**
 * Malformed wire format: what is wrong, and where the tag of the field at fault starts.
 * It stays inside lib/otlp/wire: walkExportRequest() turns it into an `invalid_argument`
 * TelepipeError that also says where in the request the field is.
 */
export class MalformedWire extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
    this.name = 'MalformedWire';
  }
}

const MAX_VARINT_BYTES = 10;
/** Tags and length prefixes are 32-bit varints: at most 5 bytes (protobufjs `tag()`, `size()`). */
const MAX_PREFIX_BYTES = 5;
/** The 5th byte of a tag may only carry 4 more bits; that of a length, 3 (under 2^31). */
const LAST_TAG_BYTE = 0x0f;
const LAST_LENGTH_BYTE = 0x07;

export class WireReader {
  pos = 0;
  /** End of the message being read; reads never go past it. */
  end: number;
  /** Where the tag read last starts, and its field number: what an error points at. */
  private fieldStart = 0;
  private field = 0;

  constructor(readonly buf: Buffer) {
    this.end = buf.length;
  }

  /** Reads a field tag. Groups (wire types 3 and 4) are refused: proto3, and OTLP, has none. */
  tag(): number {
    this.fieldStart = this.pos;
    this.field = 0;
    const tag = this.prefix(LAST_TAG_BYTE, 'tag');
    this.field = tag >>> 3;
    const wireType = tag & 7;
    if (this.field === 0) throw this.malformed('field number 0');
    if (wireType === 3 || wireType === 4) {
      throw this.malformed(`wire type ${wireType} (group) in field ${this.field}`);
    }
    if (wireType > WIRE_TYPE.fixed32) {
      throw this.malformed(`invalid wire type ${wireType} in field ${this.field}`);
    }
    return tag;
  }

  /** Reads a length prefix; returns where the value ends, leaving pos at its start. */
  delimited(): number {
    const length = this.prefix(LAST_LENGTH_BYTE, 'length');
    if (length > this.end - this.pos) {
      throw this.malformed(`truncated length-delimited field ${this.field}`);
    }
    return this.pos + length;
  }

  skipVarint(): void {
    const { buf } = this;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (this.pos >= this.end) throw this.malformed(`truncated varint in field ${this.field}`);
      if (buf[this.pos++]! < 0x80) return;
    }
    throw this.malformed(`varint longer than ${MAX_VARINT_BYTES} bytes in field ${this.field}`);
  }

  skipFixed(bytes: 4 | 8): void {
    if (bytes > this.end - this.pos) {
      throw this.malformed(`truncated fixed${bytes * 8} field ${this.field}`);
    }
    this.pos += bytes;
  }

  /** Skips the value of a field whose tag was just read (a field the schema does not know). */
  skipValue(tag: number): void {
    switch (tag & 7) {
      case WIRE_TYPE.varint:
        return this.skipVarint();
      case WIRE_TYPE.fixed64:
        return this.skipFixed(8);
      case WIRE_TYPE.fixed32:
        return this.skipFixed(4);
      default:
        this.pos = this.delimited();
    }
  }

  /** Makes the reader stop at `end` (a nested message); returns the outer end for leave(). */
  enter(end: number): number {
    const outer = this.end;
    this.end = end;
    return outer;
  }

  leave(outer: number): void {
    this.end = outer;
  }

  /** Checks that [pos, end) is UTF-8, as proto3 requires of strings (protobufjs verifies it). */
  requireUtf8(end: number, fieldName: string): void {
    const { buf } = this;
    for (let i = this.pos; i < end; i++) {
      if (buf[i]! < 0x80) continue;
      // ASCII needs no decoder; the rest starts at a character boundary, so it is checked alone.
      if (isUtf8(buf.subarray(i, end))) return;
      throw this.malformed(`invalid UTF-8 in string field ${this.field} (${fieldName})`);
    }
  }

  /** The value [pos, end) as text (checked UTF-8), moving past it. */
  text(end: number): string {
    const text = this.buf.toString('utf8', this.pos, end);
    this.pos = end;
    return text;
  }

  /** The value [pos, end) as bytes (a view, no copy), moving past it. */
  bytes(end: number): Uint8Array {
    const bytes = this.buf.subarray(this.pos, end);
    this.pos = end;
    return bytes;
  }

  /** An error about the field whose tag was read last. */
  malformed(message: string): MalformedWire {
    return new MalformedWire(message, this.fieldStart);
  }

  private prefix(lastByteMax: number, what: 'tag' | 'length'): number {
    const { buf } = this;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_PREFIX_BYTES; i++) {
      if (this.pos >= this.end) throw this.malformed(`truncated ${what}${this.inField()}`);
      const byte = buf[this.pos++]!;
      if (i === MAX_PREFIX_BYTES - 1 && byte > lastByteMax) break;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    throw this.malformed(`invalid ${what} encoding${this.inField()}`);
  }

  private inField(): string {
    return this.field ? ` of field ${this.field}` : '';
  }
}
