// Walks a protobuf Export{Metrics,Logs,Trace}ServiceRequest once, without decoding it:
// validates all of it (validate.ts), counts and screens its items (items.ts) and finds its
// resource entries. Field 1 of the request is a Resource{Metrics,Logs,Spans}, so an entry
// with its tag and length is itself a one-resource request: the Kafka record value of the
// contract (kafka-records.ts), the Collector's `otlp_proto`, without re-encoding.
import { invalidArgument } from '../../errors.ts';
import type { Signal } from '../types.ts';
import { identityKey } from './identity.ts';
import { ITEM_WALKERS, type ItemTally, type ItemWalker } from './items.ts';
import { locate } from './locate.ts';
import { fieldTag, MalformedWire, WIRE_TYPE, WireReader } from './reader.ts';
import { nestedSchema, requestSchema, type MessageSchema } from './schema.ts';
import { validateField, validateNested } from './validate.ts';

/** One top-level resource entry of a request. */
export interface WireResource extends ItemTally {
  /** The entry as a one-resource request (a view into the body when framed canonically). */
  value: Uint8Array;
  /** resourceKey() of its resource; undefined when the decode path must compute it. */
  key: string | undefined;
}

const LEN = WIRE_TYPE.lengthDelimited;
const RESOURCE_ENTRY = fieldTag(1, LEN); // Export*ServiceRequest.resource_{metrics,logs,spans}
const RESOURCE = fieldTag(1, LEN); // Resource*.resource
const SCOPE_ENTRY = fieldTag(2, LEN); // Resource*.scope_{metrics,logs,spans}
const ITEM = fieldTag(2, LEN); // Scope*.metrics / log_records / spans

// Depths as protobufjs counts them: the request is at 0.
const ENTRY_DEPTH = 1;
const SCOPE_DEPTH = 2;
const ITEM_DEPTH = 3;

/** The levels of a request above its items, for one signal. */
interface Skeleton {
  request: MessageSchema;
  entry: MessageSchema;
  resource: MessageSchema;
  scope: MessageSchema;
  item: MessageSchema;
  walkItem: ItemWalker;
}

const skeletons = new Map<Signal, Skeleton>();

/**
 * The resource entries of a protobuf request body, in order. Throws an `invalid_argument`
 * TelepipeError naming the fault and where it is when the body is not a well-formed request.
 */
export function walkExportRequest(signal: Signal, body: Uint8Array): WireResource[] {
  const buf = Buffer.isBuffer(body)
    ? body
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const skeleton = skeletonOf(signal);
  const r = new WireReader(buf);
  try {
    const entries: WireResource[] = [];
    while (r.pos < r.end) {
      const tagStart = r.pos;
      const tag = r.tag();
      if (tag === RESOURCE_ENTRY) entries.push(walkResourceEntry(r, skeleton, tagStart));
      else validateField(r, skeleton.request, tag, 0);
    }
    return entries;
  } catch (err) {
    if (!(err instanceof MalformedWire)) throw err;
    const where = locate(buf, skeleton.request, err.at);
    throw invalidArgument(
      `malformed OTLP protobuf ${skeleton.request.name}: ${err.message} in ${where} (byte ${err.at})`,
      err,
    );
  }
}

function walkResourceEntry(r: WireReader, s: Skeleton, tagStart: number): WireResource {
  const end = r.delimited();
  const valueStart = r.pos;
  const outer = r.enter(end);
  const tally: ItemTally = { items: 0, rejects: false };
  const resources: number[] = [];
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === RESOURCE) {
      const resourceEnd = r.delimited();
      resources.push(r.pos, resourceEnd);
      validateNested(r, resourceEnd, s.resource, ENTRY_DEPTH + 1);
    } else if (tag === SCOPE_ENTRY) {
      walkScopeEntry(r, s, tally);
    } else {
      validateField(r, s.entry, tag, ENTRY_DEPTH);
    }
  }
  r.leave(outer);
  return {
    value: oneResourceRequest(r.buf, tagStart, valueStart, end),
    key: identityKey(r.buf, resources),
    ...tally,
  };
}

function walkScopeEntry(r: WireReader, s: Skeleton, tally: ItemTally): void {
  const outer = r.enter(r.delimited());
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === ITEM) {
      const itemOuter = r.enter(r.delimited());
      s.walkItem(r, s.item, tally, ITEM_DEPTH);
      r.leave(itemOuter);
    } else {
      validateField(r, s.scope, tag, SCOPE_DEPTH);
    }
  }
  r.leave(outer);
}

/**
 * The entry [valueStart, end) framed as field 1 (tag 0x0a, shortest length varint): the
 * body's own bytes when they are framed so already (always, from protobuf encoders),
 * else a copy.
 */
function oneResourceRequest(
  buf: Buffer,
  tagStart: number,
  valueStart: number,
  end: number,
): Uint8Array {
  const header = [RESOURCE_ENTRY];
  for (let length = end - valueStart; ; length = Math.floor(length / 0x80)) {
    if (length < 0x80) {
      header.push(length);
      break;
    }
    header.push((length % 0x80) | 0x80);
  }
  if (valueStart - tagStart === header.length) return buf.subarray(tagStart, end);
  return Buffer.concat([Buffer.from(header), buf.subarray(valueStart, end)]);
}

function skeletonOf(signal: Signal): Skeleton {
  let skeleton = skeletons.get(signal);
  if (!skeleton) {
    const request = requestSchema(signal);
    const entry = nestedSchema(request, 1);
    const scope = nestedSchema(entry, 2);
    skeleton = {
      request,
      entry,
      resource: nestedSchema(entry, 1),
      scope,
      item: nestedSchema(scope, 2),
      walkItem: ITEM_WALKERS[signal],
    };
    skeletons.set(signal, skeleton);
  }
  return skeleton;
}
