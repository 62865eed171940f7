// Phone numbers: international E.164 (`+` and country code), mainland China mobiles
// (1[3-9] and 9 digits, optional +86), NANP numbers written with separators, and mainland
// China landlines with their area code (`010-12345678`, `(0919)5383021`).
// A bare 10-digit number is not taken for a NANP phone: too many ids look like that.
import type { DigitDetector, Match } from '../types.ts';
import type { DigitRun } from '../digit-windows.ts';
import { NUMBER_END, NUMBER_START } from './boundaries.ts';
import { hasSeparators } from './runs.ts';
import { cnLandlineValid } from '../validators.ts';
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

const PLUS = 43;
const OPEN_PARENTHESIS = 40;
const MOBILE_START = /^(?:1[3-9]|86|00)/;

/**
 * A phone number's run has 8+ digits and starts after a `+` (international), or is written
 * with separators and has 10+ digits (NANP, grouped mobiles), or starts like a Chinese
 * mobile (1[3-9], 86, 0086). Epoch times and ids are plain runs that start otherwise.
 */
function mayBePhone(text: string, run: DigitRun): boolean {
  if (run.digits < 8) return false;
  const before = text.charCodeAt(run.start - 1);
  if (before === PLUS || (before === OPEN_PARENTHESIS && text.charCodeAt(run.start - 2) === PLUS)) {
    return true;
  }
  if (hasSeparators(run) && run.digits >= 10) return true;
  return MOBILE_START.test(text.slice(run.start, run.start + 2));
}

export const phoneDetector: DigitDetector = {
  types: ['phone'],
  scope: 'digits',
  wantsRun: mayBePhone,
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(PHONE, text, (m) => {
      const length = validLength(m);
      if (length > 0) pushMatch(out, 'phone', offset, m.index, m.index + length);
    });
  },
};

/**
 * Area code in brackets or followed by a dash or space, then the local number (7-8
 * digits, one space or dash allowed inside: `021 6234 5678`).
 */
const CN_LANDLINE =
  /(?<![\dA-Za-z+(-])(?:\((0\d{2,3})\)[ ]?|(0\d{2,3})[- ])(\d{3,4}[- ]?\d{4})(?![\dA-Za-z]|-\d)/g;
const ZERO = 48;

export const cnLandlineDetector: DigitDetector = {
  types: ['cnLandline'],
  scope: 'digits',
  wantsRun: (text, run) => run.digits >= 10 && text.charCodeAt(run.start) === ZERO,
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(CN_LANDLINE, text, (m) => {
      const [whole, bracketed, dashed, local = ''] = m;
      if (cnLandlineValid(bracketed ?? dashed ?? '', digitsOf(local))) {
        pushMatch(out, 'cnLandline', offset, m.index, m.index + whole.length);
      }
    });
  },
};
