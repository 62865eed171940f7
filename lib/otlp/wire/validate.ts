// Checks protobuf wire format against a message schema without decoding it: every varint,
// length and nested message in bounds, wire types those of the fields, strings UTF-8 and
// nesting within protobufjs's depth limit. What passes here, the processor's decoder
// decodes. It is stricter in one way: a known field with the wrong wire type is refused,
// where protobufjs would skip it as unknown (no OTLP encoder writes one).
import { WIRE_TYPE, type WireReader } from './reader.ts';
import type { FieldKind, FieldSchema, MessageSchema } from './schema.ts';

/** protobufjs's recursion limit (Reader.recursionLimit): deeper messages fail to decode. */
export const MAX_DEPTH = 100;

/** Checks the message [r.pos, r.end), whose fields sit at `depth` (the request's at 0). */
export function validateMessage(r: WireReader, schema: MessageSchema, depth: number): void {
  while (r.pos < r.end) validateField(r, schema, r.tag(), depth);
}

/** Checks the value of one field of `schema`, whose tag was just read. */
export function validateField(
  r: WireReader,
  schema: MessageSchema,
  tag: number,
  depth: number,
): void {
  const field = schema.fields[tag >>> 3];
  const wireType = tag & 7;
  if (field === undefined) {
    r.skipValue(tag);
  } else if (wireType === field.wireType) {
    validateValue(r, field, depth);
  } else if (wireType === WIRE_TYPE.lengthDelimited && field.packable) {
    validatePacked(r, field.kind, `field ${tag >>> 3} (${field.name})`);
  } else {
    throw r.malformed(
      `wire type ${wireType} for field ${tag >>> 3} (${field.name}), which has wire type ${field.wireType}`,
    );
  }
}

/** Checks the nested message [r.pos, end) at `depth`, then moves past it. */
export function validateNested(
  r: WireReader,
  end: number,
  schema: MessageSchema,
  depth: number,
): void {
  if (depth > MAX_DEPTH) throw r.malformed(`messages nested more than ${MAX_DEPTH} deep`);
  const outer = r.enter(end);
  validateMessage(r, schema, depth);
  r.leave(outer);
}

function validateValue(r: WireReader, field: FieldSchema, depth: number): void {
  if (field.message) return validateNested(r, r.delimited(), field.message, depth + 1);
  switch (field.kind) {
    case 'string': {
      const end = r.delimited();
      r.requireUtf8(end, field.name);
      r.pos = end;
      return;
    }
    case 'bytes':
      r.pos = r.delimited();
      return;
    case 'varint':
      return r.skipVarint();
    case 'fixed64':
      return r.skipFixed(8);
    case 'fixed32':
      return r.skipFixed(4);
  }
}

/** A packed repeated number: whole elements only, as protobufjs requires. */
function validatePacked(r: WireReader, kind: FieldKind, fieldName: string): void {
  const end = r.delimited();
  if (kind === 'varint') {
    const outer = r.enter(end);
    while (r.pos < r.end) r.skipVarint();
    r.leave(outer);
    return;
  }
  const size = kind === 'fixed64' ? 8 : 4;
  if ((end - r.pos) % size !== 0) {
    throw r.malformed(`packed ${fieldName} of ${end - r.pos} bytes, not whole ${kind} values`);
  }
  r.pos = end;
}
