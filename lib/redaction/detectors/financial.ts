// Payment card numbers (issuer prefix, length and Luhn) and IBANs (country length, mod 97).
import type { DigitDetector, Match } from '../types.ts';
import { ibanValid, paymentCardValid } from '../validators.ts';
import { wholeNumber } from './boundaries.ts';
import { digitsAtLeast, upperCaseBefore } from './runs.ts';
import { compactUpper, digitsOf, eachMatch, pushMatch } from './scan-utils.ts';

/**
 * 13-19 digits, plain or grouped 4-4-4-4(-3) or 4-6-5 / 4-6-4 with one kind of separator.
 * The optional last group may be a neighbouring number ("4111 1111 1111 1111 12/29"), so a
 * match that fails is retried without it.
 */
const CARD = wholeNumber(
  String.raw`\d{4}([ -]?)\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{4}([ -]?)\d{6}\2\d{4,5}`,
);

function validCardLength(raw: string): number {
  if (paymentCardValid(digitsOf(raw))) return raw.length;
  const withoutLastGroup = raw.replace(/[ -]\d{1,3}$/, '');
  return withoutLastGroup.length < raw.length && paymentCardValid(digitsOf(withoutLastGroup))
    ? withoutLastGroup.length
    : 0;
}

export const paymentCardDetector: DigitDetector = {
  types: ['paymentCard'],
  scope: 'digits',
  wantsRun: digitsAtLeast(13),
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(CARD, text, (m) => {
      const length = validCardLength(m[0]);
      if (length > 0) pushMatch(out, 'paymentCard', offset, m.index, m.index + length);
    });
  },
};

const IBAN_LETTERS_BEFORE = 12;

/** Country, check digits, then the BBAN in groups of four (spaced or not). */
const IBAN =
  /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g;

/**
 * Length of the valid IBAN at the start of `raw`, or 0. A match may run into a following
 * word of capitals and digits, so it is also tried cut at the country's length.
 */
function validIbanLength(raw: string): number {
  const compact = compactUpper(raw);
  if (ibanValid(compact)) return raw.length;
  for (let end = raw.lastIndexOf(' '); end > 0; end = raw.lastIndexOf(' ', end - 1)) {
    if (ibanValid(compactUpper(raw.slice(0, end)))) return end;
  }
  return 0;
}

export const ibanDetector: DigitDetector = {
  types: ['iban'],
  scope: 'digits',
  // The country code is a few characters before the first long run ("GB29 NWBK 6016…").
  wantsRun: (text, run) => upperCaseBefore(text, run, IBAN_LETTERS_BEFORE),
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(IBAN, text, (m) => {
      const length = validIbanLength(m[0]);
      if (length > 0) pushMatch(out, 'iban', offset, m.index, m.index + length);
    });
  },
};
