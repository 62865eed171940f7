// Check-digit and plausibility checks that turn "looks like" into "is": they are what
// keeps order numbers, trace ids and timestamps from being redacted as personal data.

const CODE_0 = 48;

/** Luhn (mod 10) over a string of digits, as used by payment cards. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - CODE_0;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** ISO 13616 IBAN check: move the first four characters to the end, letters to numbers, mod 97 = 1. */
export function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - CODE_0;
    remainder = (value > 9 ? remainder * 100 + value : remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

const PRC_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const PRC_ID_CHECK_CHARS = '10X98765432';

/** The ISO 7064 MOD 11-2 check character of the first 17 digits of a PRC identity number. */
export function prcIdCheckChar(first17: string): string {
  let sum = 0;
  PRC_ID_WEIGHTS.forEach((weight, i) => {
    sum += (first17.charCodeAt(i) - CODE_0) * weight;
  });
  return PRC_ID_CHECK_CHARS.charAt(sum % 11);
}

/** Province-level codes (the first two digits) of GB/T 2260, plus Taiwan, Hong Kong, Macau. */
const PRC_PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
  53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
]);

/** An 18-character PRC resident identity number: province, birth date and check character. */
export function prcIdValid(id: string, today = new Date()): boolean {
  if (!PRC_PROVINCES.has(Number(id.slice(0, 2)))) return false;
  const year = Number(id.slice(6, 10));
  if (!isPlausibleBirthDate(year, Number(id.slice(10, 12)), Number(id.slice(12, 14)), today)) {
    return false;
  }
  return prcIdCheckChar(id.slice(0, 17)) === id.charAt(17).toUpperCase();
}

/** A real calendar date between 1900 and today. */
export function isPlausibleBirthDate(
  year: number,
  month: number,
  day: number,
  today: Date,
): boolean {
  if (year < 1900) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  const exists =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return exists && date.getTime() <= today.getTime();
}

/** US SSN rules: no area 000, 666 or 900-999, no group 00, no serial 0000, no famous misuses. */
export function ssnValid(digits: string): boolean {
  const area = Number(digits.slice(0, 3));
  const group = Number(digits.slice(3, 5));
  const serial = Number(digits.slice(5));
  if (area === 0 || area === 666 || area >= 900 || group === 0 || serial === 0) return false;
  return !INVALID_SSNS.has(digits);
}

/** Numbers published in advertising and so never valid (SSA). */
const INVALID_SSNS = new Set(['078051120', '219099999']);

/** Issuer prefixes `from`-`to`, compared on the first four digits divided by `scale`. */
interface PrefixRange {
  from: number;
  to: number;
  scale: number;
}

interface CardBrand {
  prefixes: PrefixRange[];
  lengths: number[];
}

const range = (from: number, to: number = from): PrefixRange => ({
  from,
  to,
  scale: 10 ** (4 - String(from).length),
});
const lengths = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Issuer identification number ranges and the lengths each brand issues. */
const CARD_BRANDS: CardBrand[] = [
  { prefixes: [range(4)], lengths: [13, 16, 19] }, // Visa
  { prefixes: [range(51, 55), range(2221, 2720)], lengths: [16] }, // Mastercard
  { prefixes: [range(34), range(37)], lengths: [15] }, // American Express
  { prefixes: [range(6011), range(644, 649), range(65)], lengths: lengths(16, 19) }, // Discover
  { prefixes: [range(3528, 3589)], lengths: lengths(16, 19) }, // JCB
  { prefixes: [range(300, 305), range(36), range(38, 39)], lengths: lengths(14, 19) }, // Diners
  { prefixes: [range(62)], lengths: lengths(16, 19) }, // UnionPay
  { prefixes: [range(2200, 2204)], lengths: lengths(16, 19) }, // Mir
  {
    prefixes: [range(5018), range(5020), range(5038), range(5893), range(6304), range(6759, 6763)],
    lengths: lengths(13, 19),
  }, // Maestro
];

/**
 * Card number: a known issuer prefix with a length that issuer uses, and a valid Luhn
 * digit. Runs on every long number in a text, so the prefix is read once, without slicing.
 */
export function paymentCardValid(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  const first4 = Number(digits.slice(0, 4));
  return (
    CARD_BRANDS.some((brand) => brandMatches(brand, first4, digits.length)) && luhnValid(digits)
  );
}

/** Whether a brand issues `length` digits with a prefix of the number whose first four digits are `first4`. */
function brandMatches(brand: CardBrand, first4: number, length: number): boolean {
  if (!brand.lengths.includes(length)) return false;
  return brand.prefixes.some(({ from, to, scale }) => {
    const prefix = Math.floor(first4 / scale);
    return prefix >= from && prefix <= to;
  });
}

/** IBAN length by country (ISO 13616 registry), for the countries that issue them. */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SC: 31,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
};

export function ibanValid(compact: string): boolean {
  return IBAN_LENGTHS[compact.slice(0, 2)] === compact.length && ibanChecksumValid(compact);
}

/** A=10 … Z=35, as HKID and ISO 7064 schemes read letters. */
const letterValue = (letter: string): number => letter.charCodeAt(0) - 55;
/** The value a one-letter HKID gives its missing first letter (a space). */
const HKID_SPACE = 36;

/**
 * Hong Kong identity card number: one or two letters, six digits and a check character
 * (0-9 or A for 10): the weighted sum (9, 8, 7 … 2 over the letters and digits, then the
 * check) is a multiple of 11.
 */
export function hkIdValid(letters: string, digits: string, check: string): boolean {
  const first = letters.length === 2 ? letterValue(letters.charAt(0)) : HKID_SPACE;
  let sum = first * 9 + letterValue(letters.charAt(letters.length - 1)) * 8;
  for (let i = 0; i < 6; i++) sum += (digits.charCodeAt(i) - CODE_0) * (7 - i);
  const checkValue = check === 'A' ? 10 : check.charCodeAt(0) - CODE_0;
  return (sum + checkValue) % 11 === 0;
}

/** Taiwan's area letters as two-digit numbers (I, O, W, X, Y, Z were added later). */
const TW_LETTER_CODES = 'ABCDEFGHJKLMNPQRSTUVXYWZIO';

/**
 * Taiwan national identification number: a letter, 1/2 (or 8/9 for resident certificates)
 * and eight digits, the last a check digit: the letter's code (10-35) gives two digits,
 * weighted 1 and 9, then 8, 7 … 1 for the digits and 1 for the check; the sum ends in 0.
 */
export function twIdValid(id: string): boolean {
  const code = TW_LETTER_CODES.indexOf(id.charAt(0)) + 10;
  if (code < 10) return false;
  let sum = Math.floor(code / 10) + (code % 10) * 9;
  for (let i = 1; i <= 8; i++) sum += (id.charCodeAt(i) - CODE_0) * (9 - i);
  sum += id.charCodeAt(9) - CODE_0;
  return sum % 10 === 0;
}

/**
 * A mainland Chinese landline: area code 010 or 02x (then an 8-digit number) or 0[3-9]xx
 * (then 7 or 8 digits); local numbers do not start with 0.
 */
export function cnLandlineValid(area: string, local: string): boolean {
  if (local.startsWith('0')) return false;
  if (area === '010' || /^02\d$/.test(area)) return local.length === 8;
  return /^0[3-9]\d\d$/.test(area) && (local.length === 7 || local.length === 8);
}
