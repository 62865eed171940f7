// Small helpers the detectors share.
import type { DetectorName } from '../../config/sections/redaction.ts';
import type { Match } from '../types.ts';

/** Calls `visit` for every match of a global regex, from the start of `text`. */
export function eachMatch(re: RegExp, text: string, visit: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) visit(m);
}

export function pushMatch(
  out: Match[],
  type: DetectorName,
  offset: number,
  start: number,
  end: number,
): void {
  out.push({ type, start: offset + start, end: offset + end });
}

export const digitsOf = (value: string): string => value.replace(/\D/g, '');

/** Letters and digits only, upper-cased: IBANs, PRC ids. */
export const compactUpper = (value: string): string =>
  value.replace(/[^A-Za-z0-9]/g, '').toUpperCase();

export const identity = (value: string): string => value;

/** Every position where `needle` occurs, in order. */
export function* positionsOf(text: string, needle: string): Generator<number> {
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) {
    yield i;
  }
}

export function isAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Base64url alphabet: letters, digits, `-` and `_`. */
export function isBase64UrlChar(code: number): boolean {
  return isAlnum(code) || code === 45 || code === 95;
}
