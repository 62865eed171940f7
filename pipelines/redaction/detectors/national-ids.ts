// National identity numbers: PRC resident identity numbers (18 characters, validated by
// province, birth date and ISO 7064 check character) and US social security numbers.
import type { Detector, Match } from '../types.ts';
import { prcIdValid, ssnValid } from '../validators.ts';
import { wholeNumber } from './boundaries.ts';
import { digitsAtLeast } from './runs.ts';
import { compactUpper, digitsOf, eachMatch, pushMatch } from './scan-utils.ts';

/** 6-digit region, 8-digit birth date, 3-digit sequence, check character; optionally 6-8-4 spaced. */
const PRC_ID = wholeNumber(
  String.raw`[1-9]\d{5}( ?)(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\1\d{3}[\dXx]`,
);

export const prcIdDetector: Detector = {
  types: ['prcId'],
  scope: 'digits',
  wantsRun: digitsAtLeast(17),
  mayContain: () => true,
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

export const usSsnDetector: Detector = {
  types: ['usSsn'],
  scope: 'digits',
  wantsRun: digitsAtLeast(9),
  mayContain: () => true,
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
