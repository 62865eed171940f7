// Redacts the values inside a record: strings (by the detectors), OTLP attribute lists and
// AnyValues (key rules first, then attribute rules, then keys and values as text), and
// plain JSON values (the same, by each value's dotted path).
import type { DetectorName, KeyRule, RedactionConfig } from '../config/sections/redaction.ts';
import type { AnyValue, KeyValue } from '../otlp/types.ts';
import type { Actions, Policy } from './actions.ts';
import { AttributeRules, type AttributeKind } from './attribute-rules.ts';
import { KeyRules } from './key-rules.ts';
import { NORMALIZERS } from './normalizers.ts';
import type { TextScanner } from './scanner.ts';
import type { Tally } from './tally.ts';
import type { Match } from './types.ts';

export interface ValueRedactorParts {
  config: RedactionConfig;
  scanner: TextScanner;
  actions: Actions;
  /** The policy that runs for a detector type or a key rule (after keyring fallbacks). */
  policyFor: (subject: DetectorName | KeyRule) => Policy;
}

/**
 * Short strings that held nothing: attribute keys and values repeat in every record
 * (`http.request.method`, `GET`, a route), so each is scanned once. Only clean strings are
 * kept, so a hit never skips a redaction; the cap bounds memory on odd data.
 */
const CLEAN_CACHE_MAX_LENGTH = 64;
const CLEAN_CACHE_LIMIT = 10_000;

export class ValueRedactor {
  private readonly keyRules: KeyRules;
  private readonly attributeRules: AttributeRules;
  private readonly clean = new Set<string>();

  constructor(private readonly parts: ValueRedactorParts) {
    const { config } = parts;
    this.keyRules = new KeyRules([...config.keyRules, ...config.extraKeyRules]);
    this.attributeRules = new AttributeRules(
      [...config.extraAttributeRules, ...config.attributeRules],
      (kind) => kind === 'urlQuery' || config.detectors[kind].enabled,
    );
  }

  /** `value` with every finding replaced; the same string when nothing was found. */
  text(value: string, tally: Tally): string {
    const short = value.length <= CLEAN_CACHE_MAX_LENGTH;
    if (short && this.clean.has(value)) return value;
    const matches = this.parts.scanner.scan(value);
    if (short && matches.length === 0) {
      if (this.clean.size >= CLEAN_CACHE_LIMIT) this.clean.clear();
      this.clean.add(value);
    }
    return this.replace(value, matches, tally);
  }

  private replace(value: string, matches: readonly Match[], tally: Tally): string {
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

  /**
   * A JSON value with every string redacted, key rules applied to object keys and
   * attribute rules to dotted paths (`{"client":{"address":…}}` is `client.address`).
   */
  json(value: unknown, tally: Tally, path = ''): unknown {
    if (typeof value === 'string') return this.text(value, tally);
    if (Array.isArray(value)) return value.map((item) => this.json(item, tally, path));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const rule = this.keyRules.match(key);
      const itemPath = path ? `${path}.${key}` : key;
      const kind = rule ? undefined : this.attributeRules.match(itemPath);
      if (rule) {
        const text = typeof item === 'string' ? item : JSON.stringify(item);
        const replacement = this.parts.scanner.isRedacted(text)
          ? text
          : this.byKeyRule(rule, text, tally);
        if (replacement !== undefined) out[key] = replacement;
      } else if (kind) {
        out[key] = this.kindJson(kind, item, tally, itemPath);
      } else {
        out[this.text(key, tally)] = this.json(item, tally, itemPath);
      }
    }
    return out;
  }

  /** An attribute value of a known kind: strings (array items too) as a whole, lists as usual. */
  private kindValue(kind: AttributeKind, value: AnyValue, tally: Tally): AnyValue {
    if (isSet(value, 'arrayValue')) {
      value.arrayValue.values = value.arrayValue.values.map((v) => this.kindValue(kind, v, tally));
      return value;
    }
    if (isSet(value, 'kvlistValue')) {
      this.anyValue(value, tally);
      return value;
    }
    const scalar = anyValueJson(value);
    const text = typeof scalar === 'string' ? scalar : JSON.stringify(scalar);
    return { stringValue: this.kindText(kind, text, tally) };
  }

  private kindJson(kind: AttributeKind, item: unknown, tally: Tally, path: string): unknown {
    if (Array.isArray(item)) return item.map((v) => this.kindJson(kind, v, tally, path));
    if (typeof item === 'string') return this.kindText(kind, item, tally);
    if (typeof item === 'number' || typeof item === 'boolean' || typeof item === 'bigint') {
      return this.kindText(kind, String(item), tally);
    }
    return this.json(item, tally, path);
  }

  /**
   * A query string with each parameter decoded and redacted; any other kind's policy on the
   * whole value, counted as that kind (or as what the whole value is found to be, so an
   * IPv6 `client.address` counts as ipv6). Empty values and placeholders stay.
   */
  private kindText(kind: AttributeKind, text: string, tally: Tally): string {
    const { scanner, actions, policyFor, config } = this.parts;
    if (kind === 'urlQuery') return this.replace(text, scanner.scanQuery(text), tally);
    if (text === '' || scanner.isRedacted(text)) return text;
    const found = scanner.scan(text);
    const whole = found.length === 1 && found[0]?.start === 0 && found[0].end === text.length;
    const type = whole && found[0] ? found[0].type : kind;
    tally.add(type);
    return actions.apply(policyFor(type), text, NORMALIZERS[type](text)) ?? config.dropMarker;
  }

  /** False when a key rule drops the attribute. */
  private keyValue(kv: KeyValue, tally: Tally): boolean {
    const rule = this.keyRules.match(kv.key);
    if (rule) {
      const text = anyValueText(kv.value);
      if (this.parts.scanner.isRedacted(text)) return true;
      const replacement = this.byKeyRule(rule, text, tally);
      if (replacement === undefined) return false;
      kv.value = { stringValue: replacement };
      return true;
    }
    const kind = this.attributeRules.match(kv.key);
    if (kind && kv.value) {
      kv.value = this.kindValue(kind, kv.value, tally);
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
