// Number detectors match whole numbers only: not inside a word or an id, not one group of
// a longer dotted or dashed number (versions, dates, OIDs), and not after a `+` (that is
// an international phone number, which the phone detector reads whole).
export const NUMBER_START = String.raw`(?<![A-Za-z0-9+]|\d[.-])`;
export const NUMBER_END = String.raw`(?![A-Za-z0-9]|[.-]\d)`;

/** A global regex whose match must be a whole number in the sense above. */
export const wholeNumber = (body: string, flags = 'g'): RegExp =>
  new RegExp(`${NUMBER_START}(?:${body})${NUMBER_END}`, flags);
