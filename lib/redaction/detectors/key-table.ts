// Looks up the key name that ends where a separator starts (`password=`, `"firstName":`,
// `X-Api-Key:`) without allocating: names are compared case-insensitively with `_` and `-`
// ignored (so `first_name`, `firstName` and `first-name` are one key), by a hash computed
// while walking back over the name. This runs at every `=` and `:` of every string.
import { isAlnum } from './scan-utils.ts';

/** A key name: exact (`password`), or `*suffix` for any name ending in that word (`*_token`). */
export type KeyPattern = string;

const MAX_NAME_LENGTH = 64;
const UNDERSCORE = 95;
const DASH = 45;

/** How many of a name's last characters the quick test reads, and the slots it hashes into. */
const ENDING_LENGTH = 3;
const ENDING_SLOTS = 1 << 14;

/** The quick test's slot for the compact `name` read back from `end`, as `endsPlausibly` reads text. */
function endingSlot(name: string, end: number): number {
  let hash = 0;
  for (let i = end - 1; i >= Math.max(0, end - ENDING_LENGTH); i--)
    hash = hash * 31 + name.charCodeAt(i);
  return hash & (ENDING_SLOTS - 1);
}

function isNameChar(code: number): boolean {
  return isAlnum(code) || code === UNDERSCORE || code === DASH;
}

function isUpper(code: number): boolean {
  return code >= 65 && code <= 90;
}

function isLower(code: number): boolean {
  return code >= 97 && code <= 122;
}

function lower(code: number): number {
  return isUpper(code) ? code + 32 : code;
}

/** Letters and digits, lower-cased: the form names are compared in. */
function compact(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The hash of a compact name read backwards, as the walk computes it. */
function backwardHash(compactName: string): number {
  let hash = 0;
  for (let i = compactName.length - 1; i >= 0; i--) {
    hash = (Math.imul(hash, 31) + compactName.charCodeAt(i)) | 0;
  }
  return hash;
}

interface Entry<T> {
  compact: string;
  value: T;
}

export interface KeyHit<T> {
  value: T;
  /** Where the name's last dot-segment starts. */
  start: number;
}

export class KeyTable<T> {
  private readonly exact = new Map<number, Entry<T>[]>();
  private readonly suffixes = new Map<number, Entry<T>[]>();
  /** Hashes of the last three characters some name ends in: most keys are rejected on these. */
  private readonly endings = new Uint8Array(ENDING_SLOTS);

  constructor(entries: Iterable<readonly [KeyPattern, T]>) {
    for (const [pattern, value] of entries) {
      const isSuffix = pattern.startsWith('*');
      const name = compact(isSuffix ? pattern.slice(1) : pattern);
      if (name.length < 2) continue;
      const table = isSuffix ? this.suffixes : this.exact;
      const hash = backwardHash(name);
      table.set(hash, [...(table.get(hash) ?? []), { compact: name, value }]);
      this.endings[endingSlot(name, name.length)] = 1;
    }
  }

  /**
   * The entry for the name whose last character is text[end - 1], if any. A `*suffix`
   * entry matches only at a word boundary: after `_`, `-`, or a lower-to-upper case change.
   */
  lookup(text: string, end: number): KeyHit<T> | undefined {
    if (!this.endsPlausibly(text, end)) return undefined;
    const floor = Math.max(0, end - MAX_NAME_LENGTH);
    let hash = 0;
    let length = 0;
    let i = end;
    let suffixHit: KeyHit<T> | undefined;
    while (i > floor && isNameChar(text.charCodeAt(i - 1))) {
      const code = text.charCodeAt(i - 1);
      i--;
      if (code === UNDERSCORE || code === DASH) continue;
      hash = (Math.imul(hash, 31) + lower(code)) | 0;
      length++;
      if (!suffixHit && isWordStart(text, i, code)) {
        suffixHit = this.find(this.suffixes, hash, length, text, i, end);
      }
    }
    return this.find(this.exact, hash, length, text, i, end) ?? suffixHit;
  }

  private endsPlausibly(text: string, end: number): boolean {
    let hash = 0;
    let i = end;
    for (let taken = 0; taken < ENDING_LENGTH && i > 0; i--) {
      const code = text.charCodeAt(i - 1);
      if (code === UNDERSCORE || code === DASH) continue;
      if (!isAlnum(code)) break;
      hash = hash * 31 + lower(code);
      taken++;
    }
    return this.endings[hash & (ENDING_SLOTS - 1)] === 1;
  }

  private find(
    table: Map<number, Entry<T>[]>,
    hash: number,
    length: number,
    text: string,
    start: number,
    end: number,
  ): KeyHit<T> | undefined {
    const candidates = table.get(hash);
    if (!candidates) return undefined;
    const name = compact(text.slice(start, end));
    const entry = candidates.find((c) => c.compact.length === length && name.endsWith(c.compact));
    return entry ? { value: entry.value, start } : undefined;
  }
}

/** Whether the name character at `at` (code `code`) starts a word of the name. */
function isWordStart(text: string, at: number, code: number): boolean {
  const previous = text.charCodeAt(at - 1);
  if (previous === UNDERSCORE || previous === DASH) return true;
  return isUpper(code) && isLower(previous);
}
