// Phone numbers: international E.164 (`+` and country code), mainland China mobiles
// (1[3-9] and 9 digits, optional +86) and NANP numbers written with separators.
// A bare 10-digit number is not taken for a NANP phone: too many ids look like that.
import type { Detector, Match } from '../types.ts';
import { NUMBER_END, NUMBER_START } from './boundaries.ts';
import { digitsOf, eachMatch, pushMatch } from './scan-utils.ts';

/**
 * One pass for the three formats; the capture group says which one matched:
 * 1. international: `+`, country code, then groups that each start with a separator or `(area)`;
 * 2. China mobile, with an optional +86 / 0086 / 86;
 * 3. NANP with separators: (415) 555-2671, 415.555.2671, 1-800-555-0199.
 */
const PHONE = new RegExp(
  String.raw`(?<![A-Za-z0-9+])(\+\d+(?:(?:[ .-]?\(\d{1,4}\)[ .-]?|[ .-])\d+)*)${NUMBER_END}` +
    String.raw`|${NUMBER_START}(?:((?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2})` +
    String.raw`|((?:\+?1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}))${NUMBER_END}`,
  'g',
);

const CHINA_MOBILE_DIGITS = /^1[3-9]\d{9}$/;

/** NANP area code and exchange: NXX with N = 2-9, and neither may be N11 (service codes). */
function nanpValid(tenDigits: string): boolean {
  return isNxx(tenDigits.slice(0, 3)) && isNxx(tenDigits.slice(3, 6));
}

function isNxx(code: string): boolean {
  return code.charCodeAt(0) >= 50 && code.slice(1) !== '11';
}

function internationalValid(raw: string): boolean {
  const digits = digitsOf(raw.replace('(0)', ''));
  if (digits.length < 8 || digits.length > 15) return false;
  if (digits.startsWith('1')) return digits.length === 11 && nanpValid(digits.slice(1));
  if (digits.startsWith('86')) return chinaNationalValid(digits.slice(2));
  return true;
}

/** A Chinese mobile, or a landline: area code (2-4 digits, no trunk 0) and 7-8 digits. */
function chinaNationalValid(national: string): boolean {
  if (national.length === 11 && national.startsWith('1')) return CHINA_MOBILE_DIGITS.test(national);
  return national.length >= 9 && national.length <= 11 && !national.startsWith('0');
}

/**
 * The longest run of whole groups that is a valid number: the regex is greedy, so a number
 * followed by another ("+86 138 0013 8000 12 items") is cut back group by group.
 */
function validInternationalLength(raw: string): number {
  for (let end = raw.length; end > 0; end = lastGroupBreak(raw, end)) {
    if (internationalValid(raw.slice(0, end))) return end;
  }
  return 0;
}

function lastGroupBreak(raw: string, end: number): number {
  const cut = raw.slice(0, end).search(/[ .(-][^ .(-]*$/);
  return cut <= 0 ? 0 : raw.slice(0, cut).replace(/[ .)(-]+$/, '').length;
}

function nanpLength(raw: string): number {
  const digits = digitsOf(raw);
  return nanpValid(digits.length === 11 ? digits.slice(1) : digits) ? raw.length : 0;
}

/** How much of a match is a valid phone number (0: none), by the format that matched. */
function validLength(m: RegExpExecArray): number {
  const [whole, international, chinaMobile] = m;
  if (international !== undefined) return validInternationalLength(whole);
  return chinaMobile !== undefined ? whole.length : nanpLength(whole);
}

/** Canonical E.164 digits, so +86 138 0013 8000 and 13800138000 hash alike. */
function normalizePhone(raw: string): string {
  const digits = digitsOf(raw).replace(/^00/, '');
  if (CHINA_MOBILE_DIGITS.test(digits)) return `86${digits}`;
  if (digits.length === 10 && !raw.trimStart().startsWith('+')) return `1${digits}`;
  return digits;
}

export const phoneDetector: Detector = {
  type: 'phone',
  scope: 'digits',
  minDigits: 8,
  mayContain: () => true,
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(PHONE, text, (m) => {
      const length = validLength(m);
      if (length > 0) pushMatch(out, 'phone', offset, m.index, m.index + length);
    });
  },
  normalize: normalizePhone,
};
