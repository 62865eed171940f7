// The OTLP messages as the wire walk needs them: per field number, the name (for error
// paths), the wire type and the nested message. Derived once from the same .proto files the
// codec loads (codec.ts requestType), so a field added there is walked here too.
import protobuf from 'protobufjs';
import { TelepipeError } from '../../errors.ts';
import { requestType } from '../codec.ts';
import type { Signal } from '../types.ts';
import { WIRE_TYPE } from './reader.ts';

export type FieldKind = 'message' | 'string' | 'bytes' | 'varint' | 'fixed64' | 'fixed32';

/** One field of a message. All have the same shape, so the walk's reads stay monomorphic. */
export interface FieldSchema {
  readonly name: string;
  readonly repeated: boolean;
  readonly kind: FieldKind;
  readonly wireType: number;
  /** A repeated number, which may also come packed (wire type 2). */
  readonly packable: boolean;
  /** The nested message, for kind 'message'. */
  readonly message: MessageSchema | undefined;
}

export interface MessageSchema {
  /** The message name, e.g. `ExportMetricsServiceRequest`. */
  readonly name: string;
  /** Indexed by field number; undefined for numbers the .proto file does not define. */
  readonly fields: readonly (FieldSchema | undefined)[];
}

const KIND_WIRE_TYPES: Record<FieldKind, number> = {
  message: WIRE_TYPE.lengthDelimited,
  string: WIRE_TYPE.lengthDelimited,
  bytes: WIRE_TYPE.lengthDelimited,
  varint: WIRE_TYPE.varint,
  fixed64: WIRE_TYPE.fixed64,
  fixed32: WIRE_TYPE.fixed32,
};

const NUMBER_KINDS: Record<number, 'varint' | 'fixed64' | 'fixed32'> = {
  [WIRE_TYPE.varint]: 'varint',
  [WIRE_TYPE.fixed64]: 'fixed64',
  [WIRE_TYPE.fixed32]: 'fixed32',
};

const NUMBER_KIND_SET: ReadonlySet<FieldKind> = new Set(Object.values(NUMBER_KINDS));

const requestSchemas = new Map<Signal, MessageSchema>();

/** The wire schema of the signal's Export*ServiceRequest. */
export function requestSchema(signal: Signal): MessageSchema {
  let schema = requestSchemas.get(signal);
  if (!schema) {
    schema = messageSchema(requestType(signal), new Map());
    requestSchemas.set(signal, schema);
  }
  return schema;
}

/** The schema of the message in field `field` of `schema` (the skeleton of a request). */
export function nestedSchema(schema: MessageSchema, field: number): MessageSchema {
  const nested = schema.fields[field]?.message;
  if (!nested) {
    throw new TelepipeError('internal', `${schema.name} has no message field ${field}`);
  }
  return nested;
}

// AnyValue, ArrayValue and KeyValueList refer to each other: each type is built once and
// registered before its fields, so the cycle closes on the same object.
function messageSchema(
  type: protobuf.Type,
  built: Map<protobuf.Type, MessageSchema>,
): MessageSchema {
  const existing = built.get(type);
  if (existing) return existing;
  const maxField = Math.max(0, ...type.fieldsArray.map((f) => f.id));
  const fields: (FieldSchema | undefined)[] = Array.from({ length: maxField + 1 }, () => undefined);
  const schema: MessageSchema = { name: type.name, fields };
  built.set(type, schema);
  for (const field of type.fieldsArray) fields[field.id] = fieldSchema(field.resolve(), built);
  return schema;
}

function fieldSchema(field: protobuf.Field, built: Map<protobuf.Type, MessageSchema>): FieldSchema {
  const message =
    field.resolvedType instanceof protobuf.Type
      ? messageSchema(field.resolvedType, built)
      : undefined;
  const kind = fieldKind(field, message !== undefined);
  return {
    name: field.name,
    repeated: field.repeated,
    kind,
    wireType: KIND_WIRE_TYPES[kind],
    packable: field.repeated && NUMBER_KIND_SET.has(kind),
    message,
  };
}

function fieldKind(field: protobuf.Field, isMessage: boolean): FieldKind {
  if (isMessage) return 'message';
  if (field.resolvedType instanceof protobuf.Enum) return 'varint';
  if (field.type === 'string' || field.type === 'bytes') return field.type;
  const wireType = (protobuf.types.basic as Record<string, number | undefined>)[field.type];
  const kind = wireType === undefined ? undefined : NUMBER_KINDS[wireType];
  if (kind === undefined) {
    throw new TelepipeError('internal', `no wire type for protobuf field type ${field.type}`);
  }
  return kind;
}
