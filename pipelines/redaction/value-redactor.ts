// Redacts the values inside a record: strings (by the detectors), OTLP attribute lists and
// AnyValues (key rules first, then keys and values as text), and plain JSON values.
import type {
  DetectorName,
  KeyRule,
  RedactionConfig,
} from '../../lib/config/sections/redaction.ts';
import type { AnyValue, KeyValue } from '../../lib/otlp/types.ts';
import type { Actions, Policy } from './actions.ts';
import { KeyRules } from './key-rules.ts';
import type { TextScanner } from './scanner.ts';
import type { Tally } from './tally.ts';
import { NORMALIZERS } from './normalizers.ts';

export interface ValueRedactorParts {
  config: RedactionConfig;
  scanner: TextScanner;
  actions: Actions;
  /** The policy that runs for a detector type or a key rule (after keyring fallbacks). */
  policyFor: (subject: DetectorName | KeyRule) => Policy;
}

export class ValueRedactor {
  private readonly keyRules: KeyRules;

  constructor(private readonly parts: ValueRedactorParts) {
    this.keyRules = new KeyRules([...parts.config.keyRules, ...parts.config.extraKeyRules]);
  }

  /** `value` with every finding replaced; the same string when nothing was found. */
  text(value: string, tally: Tally): string {
    const matches = this.parts.scanner.scan(value);
    if (matches.length === 0) return value;
    let out = '';
    let last = 0;
    for (const match of matches) {
      const found = match.value ?? value.slice(match.start, match.end);
      const replacement = this.parts.actions.apply(
        this.parts.policyFor(match.type),
        found,
        NORMALIZERS[match.type](found),
      );
      out += value.slice(last, match.start) + (replacement ?? this.parts.config.dropMarker);
      last = match.end;
      tally.add(match.type);
    }
    return out + value.slice(last);
  }

  /** Redacts an attribute list; returns it without the attributes a key rule dropped. */
  attributes(attributes: KeyValue[], tally: Tally): KeyValue[] {
    let kept: KeyValue[] | undefined;
    attributes.forEach((kv, i) => {
      const keep = this.keyValue(kv, tally);
      if (keep) kept?.push(kv);
      else kept ??= attributes.slice(0, i);
    });
    return kept ?? attributes;
  }

  anyValue(value: AnyValue, tally: Tally): void {
    if (isSet(value, 'stringValue')) value.stringValue = this.text(value.stringValue, tally);
    else if (isSet(value, 'arrayValue')) {
      value.arrayValue.values.forEach((item) => this.anyValue(item, tally));
    } else if (isSet(value, 'kvlistValue')) {
      value.kvlistValue.values = this.attributes(value.kvlistValue.values, tally);
    }
  }

  /** A JSON value with every string redacted and key rules applied to object keys. */
  json(value: unknown, tally: Tally): unknown {
    if (typeof value === 'string') return this.text(value, tally);
    if (Array.isArray(value)) return value.map((item) => this.json(item, tally));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const rule = this.keyRules.match(key);
      if (rule) {
        const text = typeof item === 'string' ? item : JSON.stringify(item);
        const replacement = this.byKeyRule(rule, text, tally);
        if (replacement !== undefined) out[key] = replacement;
      } else {
        out[this.text(key, tally)] = this.json(item, tally);
      }
    }
    return out;
  }

  /** False when a key rule drops the attribute. */
  private keyValue(kv: KeyValue, tally: Tally): boolean {
    const rule = this.keyRules.match(kv.key);
    if (rule) {
      const replacement = this.byKeyRule(rule, anyValueText(kv.value), tally);
      if (replacement === undefined) return false;
      kv.value = { stringValue: replacement };
      return true;
    }
    kv.key = this.text(kv.key, tally);
    if (kv.value) this.anyValue(kv.value, tally);
    return true;
  }

  /** The replacement a key rule gives a value, or undefined when it drops it. */
  private byKeyRule(rule: KeyRule, valueText: string, tally: Tally): string | undefined {
    tally.add('sensitiveKey');
    return this.parts.actions.apply(this.parts.policyFor(rule), valueText, valueText);
  }
}

/**
 * Whether a oneof member of an AnyValue is set. protobufjs puts defaults ('' for strings)
 * on the prototype, so only an own, non-null property counts.
 */
function isSet<K extends keyof AnyValue>(
  value: AnyValue,
  field: K,
): value is AnyValue & Record<K, NonNullable<AnyValue[K]>> {
  return Object.hasOwn(value, field) && value[field] !== null && value[field] !== undefined;
}

/** A value as text for a key rule to mask, hash or encrypt: strings as is, the rest as JSON. */
function anyValueText(value: AnyValue | null | undefined): string {
  if (!value) return '';
  if (isSet(value, 'stringValue')) return value.stringValue;
  return JSON.stringify(anyValueJson(value));
}

function anyValueJson(value: AnyValue): unknown {
  if (isSet(value, 'stringValue')) return value.stringValue;
  if (isSet(value, 'arrayValue')) return value.arrayValue.values.map(anyValueJson);
  if (isSet(value, 'kvlistValue')) {
    const entries = value.kvlistValue.values.map((kv) => [
      kv.key,
      kv.value ? anyValueJson(kv.value) : null,
    ]);
    return Object.fromEntries(entries);
  }
  if (isSet(value, 'bytesValue')) return Buffer.from(value.bytesValue).toString('base64');
  if (isSet(value, 'intValue')) return String(value.intValue);
  if (isSet(value, 'boolValue')) return value.boolValue;
  return isSet(value, 'doubleValue') ? value.doubleValue : null;
}
