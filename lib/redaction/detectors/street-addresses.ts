// Street addresses written out in full, with or without a label: a house number, a street
// name ending in a street type, a city, and a US state and ZIP code or a UK postcode:
// "1600 Amphitheatre Parkway, Mountain View, CA 94043", "221B Baker Street, London NW1 6XE".
// The ZIP or postcode is searched first (one pass over the text); only before one is the
// rest of the address looked for.
import type { Match, TextDetector } from '../types.ts';
import { isAlnum, pushMatch } from './scan-utils.ts';

/**
 * A US state (or DC, or a territory) and ZIP, or a UK postcode. Word boundaries are
 * checked after the match: a leading `\b` would be tried at every position.
 */
const ZIP_OR_POSTCODE = /[A-Z](?:([A-Z]) \d{5}(?:-\d{4})?|[A-Z]?\d[A-Z\d]? \d[A-Z]{2})/g;
const US_STATES = new Set(
  'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP'.split(
    ' ',
  ),
);

const STREET_TYPES =
  'Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Court|Ct|Place|Pl|Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Trail|Trl|Crescent|Close|Gardens|Row|Walk|Plaza|Alley';
/**
 * House number, optional direction, one to four name words, street type, optional unit,
 * then the city: what must come right before the ZIP or postcode.
 */
const STREET_AND_CITY = new RegExp(
  String.raw`(?<![A-Za-z0-9])\d{1,6}[A-Z]?(?:-\d{1,4})? (?:[NSEW]{1,2}\.? )?(?:(?:[A-Z][a-z]+|\d{1,3}(?:st|nd|rd|th)) ){1,4}(?:${STREET_TYPES})\.?(?:,? (?:Apt|Apartment|Suite|Ste|Unit|Floor|Fl|Room|Rm|#)\.? ?#?[A-Za-z0-9-]+)?[,\n] ?(?:[A-Z][a-z]+ ){0,3}[A-Z][a-z]+,? $`,
);
/** How far before the ZIP the street may start. */
const MAX_ADDRESS_LENGTH = 140;

function standsAlone(text: string, start: number, end: number): boolean {
  return !isAlnum(text.charCodeAt(start - 1)) && !isAlnum(text.charCodeAt(end));
}

export const streetAddressDetector: TextDetector = {
  types: ['address'],
  scope: 'text',
  // The street and the city are separated by a comma or a line break in every form read here.
  mayContain: (text) => {
    if (!text.includes(', ') && !text.includes('\n')) return false;
    ZIP_OR_POSTCODE.lastIndex = 0;
    return ZIP_OR_POSTCODE.test(text);
  },
  find(text: string, offset: number, out: Match[]): void {
    ZIP_OR_POSTCODE.lastIndex = 0;
    for (let m = ZIP_OR_POSTCODE.exec(text); m !== null; m = ZIP_OR_POSTCODE.exec(text)) {
      const end = m.index + m[0].length;
      const isUs = m[1] !== undefined;
      if (!standsAlone(text, m.index, end) || (isUs && !US_STATES.has(m[0].slice(0, 2)))) continue;
      const from = Math.max(0, m.index - MAX_ADDRESS_LENGTH);
      const street = STREET_AND_CITY.exec(text.slice(from, m.index));
      if (street) pushMatch(out, 'address', offset, from + street.index, end);
    }
  },
};
