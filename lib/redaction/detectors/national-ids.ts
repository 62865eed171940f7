// National identity numbers: PRC resident identity numbers (18 characters, validated by
// province, birth date and ISO 7064 check character), Hong Kong and Taiwan identity
// numbers (check digits) and US social security numbers.
import type { DigitRun } from '../digit-windows.ts';
import type { DigitDetector, Match } from '../types.ts';
import { hkIdValid, prcIdValid, ssnValid, twIdValid } from '../validators.ts';
import { wholeNumber } from './boundaries.ts';
import { digitsAtLeast, upperCaseBefore } from './runs.ts';
import { compactUpper, digitsOf, eachMatch, pushMatch } from './scan-utils.ts';

/** 6-digit region, 8-digit birth date, 3-digit sequence, check character; optionally 6-8-4 spaced. */
const PRC_ID = wholeNumber(
  String.raw`[1-9]\d{5}( ?)(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\1\d{3}[\dXx]`,
);

export const prcIdDetector: DigitDetector = {
  types: ['prcId'],
  scope: 'digits',
  wantsRun: digitsAtLeast(17),
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(PRC_ID, text, (m) => {
      if (prcIdValid(compactUpper(m[0]))) {
        pushMatch(out, 'prcId', offset, m.index, m.index + m[0].length);
      }
    });
  },
};

/** Dashed SSNs anywhere; bare or spaced nine digits only right after an SSN label. */
const SSN_DASHED = wholeNumber(String.raw`\d{3}-\d{2}-\d{4}`);
const SSN_LABELLED =
  /(?<![A-Za-z])(?:ssn|social[ _-]?security(?:[ _-]?(?:number|no\.?|#))?|ss#)["']?\s*[:=#]?\s*["']?(\d{3}([ -]?)\d{2}\2\d{4})(?![A-Za-z0-9]|[.-]\d)/gi;

export const usSsnDetector: DigitDetector = {
  types: ['usSsn'],
  scope: 'digits',
  wantsRun: digitsAtLeast(9),
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(SSN_DASHED, text, (m) => {
      if (ssnValid(digitsOf(m[0]))) pushMatch(out, 'usSsn', offset, m.index, m.index + m[0].length);
    });
    eachMatch(SSN_LABELLED, text, (m) => {
      const value = m[1] ?? '';
      const end = m.index + m[0].length;
      if (ssnValid(digitsOf(value))) pushMatch(out, 'usSsn', offset, end - value.length, end);
    });
  },
};

/** A capital glued to the run: the ids below start with one or two. */
const lettersLead = (text: string, run: DigitRun): boolean => upperCaseBefore(text, run, 1);

/** `A123456(3)`, `AB987654(A)`, `A1234563`: letters, six digits, the check in brackets or not. */
const HK_ID = /(?<![A-Za-z0-9])([A-Z]{1,2})(\d{6})(?:\(([0-9A])\)|([0-9A]))(?![A-Za-z0-9])/g;

export const hkIdDetector: DigitDetector = {
  types: ['hkId'],
  scope: 'digits',
  wantsRun: lettersLead,
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(HK_ID, text, (m) => {
      const [whole, letters = '', digits = '', bracketed, bare] = m;
      if (hkIdValid(letters, digits, bracketed ?? bare ?? '')) {
        pushMatch(out, 'hkId', offset, m.index, m.index + whole.length);
      }
    });
  },
};

/** A letter, 1/2 (8/9 for resident certificates) and eight digits, the last a check digit. */
const TW_ID = /(?<![A-Za-z0-9])[A-Z][1289]\d{8}(?![A-Za-z0-9])/g;

export const twIdDetector: DigitDetector = {
  types: ['twId'],
  scope: 'digits',
  wantsRun: (text, run) => run.digits >= 9 && lettersLead(text, run),
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(TW_ID, text, (m) => {
      if (twIdValid(m[0])) pushMatch(out, 'twId', offset, m.index, m.index + m[0].length);
    });
  },
};
