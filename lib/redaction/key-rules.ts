// Key rules: attributes whose key names a credential are redacted whatever their value.
import type { KeyRule } from '../config/sections/redaction.ts';

/** Keys repeat endlessly, so verdicts are cached; the cap bounds memory on odd key sets. */
const CACHE_LIMIT = 10_000;

/** The part of a key a rule looks at: `http.request.header.Set-Cookie` → `set_cookie`. */
export function keySubject(key: string): string {
  return key
    .slice(key.lastIndexOf('.') + 1)
    .toLowerCase()
    .replaceAll('-', '_');
}

export class KeyRules {
  private readonly rules: { rule: KeyRule; re: RegExp }[];
  private readonly cache = new Map<string, KeyRule | null>();

  constructor(rules: readonly KeyRule[]) {
    this.rules = rules.map((rule) => ({ rule, re: new RegExp(rule.pattern, 'i') }));
  }

  /** The first rule matching `key`, if any. */
  match(key: string): KeyRule | undefined {
    let verdict = this.cache.get(key);
    if (verdict === undefined) {
      const subject = keySubject(key);
      verdict = this.rules.find(({ re }) => re.test(subject))?.rule ?? null;
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, verdict);
    }
    return verdict ?? undefined;
  }
}
