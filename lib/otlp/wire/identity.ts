// resourceKey() of a resource entry read from the wire: of the resource's attributes, only
// the keys are read, and only the identity attributes' values (RESOURCE_IDENTITY_KEYS).
import { RESOURCE_IDENTITY_KEYS, resourceKey } from '../resources.ts';
import type { KeyValue } from '../types.ts';
import { fieldTag, WIRE_TYPE, WireReader } from './reader.ts';

const IDENTITY_KEYS: ReadonlySet<string> = new Set(RESOURCE_IDENTITY_KEYS);

const LEN = WIRE_TYPE.lengthDelimited;
const RESOURCE_ATTRIBUTE = fieldTag(1, LEN); // Resource.attributes
const KEY = fieldTag(1, LEN); // KeyValue.key
const VALUE = fieldTag(2, LEN); // KeyValue.value
// AnyValue's `value` oneof: string_value = 1, then bool, int, double, array, kvlist, bytes = 7.
const STRING_VALUE = fieldTag(1, LEN);
const LAST_VALUE_MEMBER = 7;

/** An attribute's key, and its value when that is a string or unset (else undefined). */
interface Attribute {
  key: string;
  value: string | undefined;
}

/**
 * The key of the resource in [start, end) ranges (`resources` holds start, end, start, end…;
 * protobufjs merges a Resource given twice, attributes in order), read from validated
 * wire. Undefined when an identity attribute holds another type than a string: the
 * decode path then computes the key.
 */
export function identityKey(buf: Buffer, resources: readonly number[]): string | undefined {
  const r = new WireReader(buf);
  const identity: KeyValue[] = [];
  for (let i = 0; i < resources.length; i += 2) {
    r.pos = resources[i]!;
    r.end = resources[i + 1]!;
    while (r.pos < r.end) {
      const tag = r.tag();
      if (tag !== RESOURCE_ATTRIBUTE) {
        r.skipValue(tag);
        continue;
      }
      const { key, value } = readAttribute(r, r.delimited());
      // resourceKey() takes the first attribute of each key.
      if (!IDENTITY_KEYS.has(key) || identity.some((kv) => kv.key === key)) continue;
      if (value === undefined) return undefined;
      identity.push({ key, value: { stringValue: value } });
    }
  }
  return resourceKey({ attributes: identity });
}

/** Reads the KeyValue [r.pos, end); a value given twice merges, as in protobufjs. */
function readAttribute(r: WireReader, end: number): Attribute {
  const outer = r.enter(end);
  let key = '';
  let member = 0;
  let text = '';
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === KEY) {
      key = r.text(r.delimited());
    } else if (tag === VALUE) {
      const valueOuter = r.enter(r.delimited());
      while (r.pos < r.end) {
        const valueTag = r.tag();
        const field = valueTag >>> 3;
        // The last member set wins, as protobufjs's oneof setter clears the others.
        if (field <= LAST_VALUE_MEMBER) member = field;
        if (valueTag === STRING_VALUE) text = r.text(r.delimited());
        else r.skipValue(valueTag);
      }
      r.leave(valueOuter);
    } else {
      r.skipValue(tag);
    }
  }
  r.leave(outer);
  // Unset, the value reads '' through anyValueToString(), the same as an empty string.
  return { key, value: member === 0 || member === 1 ? text : undefined };
}
