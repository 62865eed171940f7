// Attribute rules: what an attribute holds, known from its whole key (OpenTelemetry semantic
// conventions: `client.address`, `user.email`, `url.query`, …), so that its value is handled
// as that kind before, and instead of, scanning it as text.
import type { AttributeRule } from '../config/sections/redaction.ts';

export type AttributeKind = AttributeRule['kind'];

/** Keys repeat endlessly, so verdicts are cached; the cap bounds memory on odd key sets. */
const CACHE_LIMIT = 10_000;

export class AttributeRules {
  private readonly rules: { kind: AttributeKind; re: RegExp }[];
  private readonly cache = new Map<string, AttributeKind | null>();

  /** Rules whose kind is not `active` (a disabled detector type) are left out. */
  constructor(rules: readonly AttributeRule[], active: (kind: AttributeKind) => boolean) {
    this.rules = rules
      .filter((rule) => active(rule.kind))
      .map((rule) => ({ kind: rule.kind, re: new RegExp(`^(?:${rule.key})$`, 'i') }));
  }

  /** The kind of the first rule whose pattern matches the whole `key`, if any. */
  match(key: string): AttributeKind | undefined {
    let verdict = this.cache.get(key);
    if (verdict === undefined) {
      verdict = this.rules.find(({ re }) => re.test(key))?.kind ?? null;
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, verdict);
    }
    return verdict ?? undefined;
  }
}
