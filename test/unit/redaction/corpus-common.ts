// What the corpus generators share: the case format, seeded randomness, alphabets, and how
// a case is put together from plain text and labelled values.
import type { DetectorName } from '../../../lib/config/sections/redaction.ts';
import { luhnValid } from '../../../lib/redaction/validators.ts';

export interface CorpusLabel {
  type: DetectorName;
  start: number;
  end: number;
}

export interface CorpusCase {
  id: number;
  /**
   * `value` alone, or embedded in a `sentence`, `log` line or `json` document; the cases
   * for the later kinds name their format more precisely (`logfmt`, `access-log`, …).
   */
  format: CorpusFormat;
  /** The kind of personal data (or of look-alike) a case of the later kinds exercises. */
  kind?: string;
  /** Short description of what the case exercises. */
  note: string;
  text: string;
  labels: CorpusLabel[];
}

export type CorpusFormat =
  | 'value'
  | 'sentence'
  | 'log'
  | 'json'
  | 'line-en'
  | 'line-zh'
  | 'logfmt'
  | 'access-log'
  | 'go-panic'
  | 'sql';

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: small, fast, and the same sequence on every platform. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet.charAt(this.int(0, alphabet.length - 1));
    return out;
  }

  digits(length: number): string {
    return this.chars('0123456789', length);
  }
}

export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const ALNUM = `${LOWER}${UPPER}0123456789`;
export const HEX = '0123456789abcdef';
export const BASE64 = `${ALNUM}+/`;
export const BASE64URL = `${ALNUM}-_`;

export /** A piece of a case: plain text, or a labeled value. */
type Piece = string | { type: DetectorName; value: string };
export function compose(pieces: Piece[]): { text: string; labels: CorpusLabel[] } {
  let text = '';
  const labels: CorpusLabel[] = [];
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      text += piece;
    } else {
      labels.push({ type: piece.type, start: text.length, end: text.length + piece.value.length });
      text += piece.value;
    }
  }
  return { text, labels };
}

export function groupDigits(digits: string, sizes: number[], separator: string): string {
  const groups: string[] = [];
  let at = 0;
  for (const size of sizes) {
    groups.push(digits.slice(at, at + size));
    at += size;
  }
  if (at < digits.length) groups.push(digits.slice(at));
  return groups.filter(Boolean).join(separator);
}

export function withLuhnDigit(partial: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(`${partial}${d}`)) return `${partial}${d}`;
  throw new Error('unreachable');
}
