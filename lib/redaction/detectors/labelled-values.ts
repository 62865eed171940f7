// Values whose key says what they are: `password=…`, `"api_key": "…"`, `X-Api-Key:[…]`
// (secrets), `"customer_name":"…"` (names), `address="…"`, `passport_no=…`,
// `bank_card_no=…`, and the values of `Cookie:` / `Set-Cookie:` headers. One walk over the
// `=` and `:` of a text serves them all; the key is looked up in place, then the value
// after it is read and checked against the shape its key promises.
import type { DetectorName } from '../../config/sections/redaction.ts';
import type { Match, TextDetector } from '../types.ts';
import { KeyTable, type KeyPattern } from './key-table.ts';
import { pushMatch } from './scan-utils.ts';
import { cookieValues, valueSpan, type Span, type ValueSyntax } from './value-reading.ts';
import {
  isLabelledCardNumber,
  isPassportNumber,
  isPersonName,
  isPostalAddress,
} from './value-shapes.ts';

/** How a key's value is read and checked, and what it is counted as. */
export interface LabelKind {
  type: DetectorName;
  /** Whether a value (read some other way, e.g. from a SQL VALUES list) has the promised shape. */
  accepts: (value: string) => boolean;
  /** The values after the separator at `sep` of the key at `key`, and where the walk goes on. */
  read: (text: string, sep: number, key: number) => { values: Span[]; end: number };
}

/** One value read with `syntax`, taken if `accepts` says it has the promised shape. */
function single(
  type: DetectorName,
  syntax: ValueSyntax,
  accepts: (value: string) => boolean,
): LabelKind {
  return {
    type,
    accepts,
    read(text, sep) {
      const span = valueSpan(text, sep, syntax);
      return span && accepts(text.slice(span.start, span.end))
        ? { values: [span], end: span.end }
        : { values: [], end: sep + 1 };
    },
  };
}

/**
 * A secret ends at `&` or `#` only in a URL query (`?token=…&state=…`); elsewhere those are
 * part of it (`pass=p&ss#1`), and only whitespace and punctuation end it.
 */
const SECRET: LabelKind = {
  type: 'secretParam',
  accepts: () => true,
  read(text, sep, key) {
    const inQuery = text.charAt(key - 1) === '?' || text.charAt(key - 1) === '&';
    return (inQuery ? SECRET_IN_QUERY : SECRET_WORD).read(text, sep, key);
  },
};
const SECRET_IN_QUERY = single('secretParam', 'token', () => true);
const SECRET_WORD = single('secretParam', 'word', () => true);
const PERSON = single('personName', 'name', (v) => isPersonName(v, true));
const MAYBE_PERSON = single('personName', 'name', (v) => isPersonName(v, false));
const ADDRESS = single('address', 'address', isPostalAddress);
const PASSPORT = single('passport', 'token', isPassportNumber);
const CARD = single('paymentCard', 'card', isLabelledCardNumber);
const COOKIES: LabelKind = {
  type: 'cookie',
  accepts: () => true,
  read: (text, sep) => cookieValues(text, sep, true),
};
const SET_COOKIE: LabelKind = {
  type: 'cookie',
  accepts: () => true,
  read: (text, sep) => cookieValues(text, sep, false),
};

/** Keys that can only hold a person's name; also as the last words of a longer key. */
const PERSON_KEYS = [
  'full_name',
  'customer_name',
  'first_name',
  'last_name',
  'given_name',
  'family_name',
  'middle_name',
  'surname',
  'person_name',
  'real_name',
  'legal_name',
  'cardholder',
  'card_holder',
  'cardholder_name',
  'holder_name',
  'account_holder',
  'account_name',
  'contact_name',
  'recipient_name',
  'receiver_name',
  'consignee',
  'consignee_name',
  'patient_name',
  'passenger_name',
  'guest_name',
  'sender_name',
  'buyer_name',
  'payer_name',
  'payee_name',
  'beneficiary_name',
];
const ADDRESS_KEYS = ['address', 'street', 'street_address', 'address_line1', 'address_line2'];
const PASSPORT_KEYS = ['passport', 'passport_no', 'passport_number', 'passport_num', 'passport_id'];
const CARD_KEYS = [
  'bank_card',
  'bank_card_no',
  'bank_card_number',
  'bankcard_no',
  'card_no',
  'card_number',
  'card_num',
  'credit_card',
  'credit_card_no',
  'credit_card_number',
  'debit_card',
  'debit_card_no',
  'cc_number',
];

/** `key` and `*key`: the key alone, or as the last words of a longer one (`billing_first_name`). */
const alone = (keys: string[], kind: LabelKind): [KeyPattern, LabelKind][] =>
  keys.flatMap((key) => [
    [key, kind],
    [`*${key}`, kind],
  ]);

/** What each key says its value is: configured secret names, then the built-in kinds. */
export function labelTable(secretNames: readonly string[]): KeyTable<LabelKind> {
  return new KeyTable<LabelKind>([
    ...secretNames.map((name): [KeyPattern, LabelKind] => [name, SECRET]),
    ...alone(PERSON_KEYS, PERSON),
    ['name', MAYBE_PERSON],
    ...alone(ADDRESS_KEYS, ADDRESS),
    ...alone(PASSPORT_KEYS, PASSPORT),
    ...alone(CARD_KEYS, CARD),
    ...alone(['cookie'], COOKIES),
    ...alone(['set_cookie'], SET_COOKIE),
  ]);
}

const SPACE = 32;
const DOUBLE_QUOTE = 34;
const SINGLE_QUOTE = 39;
const BACKSLASH = 92;

/** Where the key before the separator at `sep` ends: past spaces, a closing quote, a `\`. */
function keyEnd(text: string, sep: number): number {
  let end = sep;
  while (end > 0 && text.charCodeAt(end - 1) === SPACE) end--;
  const last = text.charCodeAt(end - 1);
  if (last === DOUBLE_QUOTE || last === SINGLE_QUOTE) end--;
  if (text.charCodeAt(end - 1) === BACKSLASH) end--;
  return end;
}

/**
 * Takes the values of the key at the separator `sep`, if its key is in the table; returns
 * where the walk goes on: past a value it took, so that separators inside a value are not
 * read again (which would make "token=token=…" quadratic).
 */
function takeValues(
  table: KeyTable<LabelKind>,
  text: string,
  sep: number,
  offset: number,
  out: Match[],
): number {
  const hit = table.lookup(text, keyEnd(text, sep));
  if (!hit) return sep + 1;
  const { values, end } = hit.value.read(text, sep, hit.start);
  for (const span of values) pushMatch(out, hit.value.type, offset, span.start, span.end);
  return Math.max(sep + 1, end);
}

/**
 * The detector for every labelled kind in `key=value` and `"key": "value"` text: visits each
 * `=` and `:` in order, found by native indexOf (each search resumes past where the last
 * one went on, so every character is searched once per separator kind).
 */
export function createLabelledValueDetector(table: KeyTable<LabelKind>): TextDetector {
  return {
    types: ['secretParam', 'personName', 'address', 'passport', 'paymentCard', 'cookie'],
    scope: 'text',
    mayContain: (text) => text.includes('=') || text.includes(':'),
    find(text: string, offset: number, out: Match[]): void {
      let equals = text.indexOf('=');
      let colon = text.indexOf(':');
      while (equals !== -1 || colon !== -1) {
        const sep = equals === -1 || (colon !== -1 && colon < equals) ? colon : equals;
        const from = takeValues(table, text, sep, offset, out);
        if (equals !== -1 && equals < from) equals = text.indexOf('=', from);
        if (colon !== -1 && colon < from) colon = text.indexOf(':', from);
      }
    },
  };
}
