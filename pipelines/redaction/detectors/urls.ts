// Credentials in URLs (`scheme://user:password@host`) and secret parameters: the value of
// `token=…`, `password: …` or `"api_key": "…"` in query strings, logfmt, headers and JSON.
import type { Detector, Match } from '../types.ts';
import { identity, isAlnum, positionsOf, pushMatch } from './scan-utils.ts';

const AUTHORITY_END = /[/?#\s"'<>\\]/;

function authorityEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length && !AUTHORITY_END.test(text.charAt(end))) end++;
  return end;
}

/** `user:password`, or a lone user name long enough to be a token (https://<token>@host). */
function isCredentialUserInfo(userInfo: string): boolean {
  const colon = userInfo.indexOf(':');
  return colon === -1 ? userInfo.length >= 20 : colon < userInfo.length - 1;
}

export const urlCredentialsDetector: Detector = {
  type: 'urlCredentials',
  scope: 'text',
  mayContain: (text) => text.includes('://') && text.includes('@'),
  find(text: string, offset: number, out: Match[]): void {
    for (const slashes of positionsOf(text, '://')) {
      const start = slashes + 3;
      const at = text.slice(start, authorityEnd(text, start)).lastIndexOf('@');
      if (at > 0 && isCredentialUserInfo(text.slice(start, start + at))) {
        pushMatch(out, 'urlCredentials', offset, start, start + at);
      }
    }
  },
  normalize: identity,
};

const VALUE_END = /[\s&"',;#)}\]<>]/;
const QUOTES = new Set(['"', "'"]);
const MAX_NAME_LENGTH = 64;

/** Lower case, `-` as `_`, and only the last dot-segment: `db.Password` → `password`. */
function normalizeName(name: string): string {
  return (name.slice(name.lastIndexOf('.') + 1) || name).toLowerCase().replaceAll('-', '_');
}

interface Span {
  start: number;
  end: number;
}

/** Letters, digits, `_` and `-`: what the last dot-segment of a parameter name is made of. */
function isNameChar(code: number): boolean {
  return isAlnum(code) || code === 95 || code === 45;
}

/** Where the name before the separator at `sep` ends: past spaces and a closing quote. */
function nameEnd(text: string, sep: number): number {
  let end = sep;
  while (end > 0 && text.charCodeAt(end - 1) === 32) end--;
  if (QUOTES.has(text.charAt(end - 1))) end--;
  if (text.charAt(end - 1) === '\\') end--;
  return end;
}

/** Where the last dot-segment of a name ending at `end` starts. */
function nameStart(text: string, end: number): number {
  let start = end;
  while (start > 0 && end - start <= MAX_NAME_LENGTH && isNameChar(text.charCodeAt(start - 1))) {
    start--;
  }
  return start;
}

/** The value after the separator at `sep`: up to its closing quote, or to a delimiter. */
function valueAfter(text: string, sep: number): Span | undefined {
  let start = sep + 1;
  while (text.charAt(start) === ' ') start++;
  if (text.charAt(start) === '\\' && QUOTES.has(text.charAt(start + 1))) start++;
  const quote = text.charAt(start);
  if (QUOTES.has(quote)) {
    const close = text.indexOf(quote, start + 1);
    const end = close === -1 ? text.length : close - (text.charAt(close - 1) === '\\' ? 1 : 0);
    return end > start + 1 ? { start: start + 1, end } : undefined;
  }
  let end = start;
  while (end < text.length && !VALUE_END.test(text.charAt(end))) end++;
  return end > start ? { start, end } : undefined;
}

/**
 * Whether text[start, end) names a secret: equal to a configured name, or ending with a
 * `*suffix` one, ignoring case and reading `-` as `_`. Compares character codes in place:
 * this runs at every `=` and `:` of every string, so it must not allocate.
 */
function sensitiveNameMatcher(
  names: readonly string[],
): (text: string, start: number, end: number) => boolean {
  const exactByLength = new Map<number, string[]>();
  for (const name of names.filter((n) => !n.startsWith('*')).map(normalizeName)) {
    exactByLength.set(name.length, [...(exactByLength.get(name.length) ?? []), name]);
  }
  const suffixes = names.filter((n) => n.startsWith('*')).map((n) => normalizeName(n.slice(1)));
  return (text, start, end) =>
    (exactByLength.get(end - start)?.some((name) => sameName(text, start, name)) ?? false) ||
    suffixes.some(
      (suffix) => suffix.length < end - start && sameName(text, end - suffix.length, suffix),
    );
}

/** text[at, at + name.length) equals the normalized `name`, ignoring case, `-` as `_`. */
function sameName(text: string, at: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    let code = text.charCodeAt(at + i);
    if (code >= 65 && code <= 90) code += 32;
    else if (code === 45) code = 95;
    if (code !== name.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Calls `visit` at each `=` and `:` in `text`, in order (native indexOf, no regex).
 * `visit` returns where to go on from: past a value it took, so that separators inside a
 * value are not read again (which would make "token=token=…" quadratic).
 */
function eachSeparator(text: string, visit: (at: number) => number): void {
  let equals = text.indexOf('=');
  let colon = text.indexOf(':');
  while (equals !== -1 || colon !== -1) {
    const at = equals === -1 || (colon !== -1 && colon < equals) ? colon : equals;
    const from = Math.max(at + 1, visit(at));
    // Each search resumes past `from`, so every character is searched once per separator.
    if (equals !== -1 && equals < from) equals = text.indexOf('=', from);
    if (colon !== -1 && colon < from) colon = text.indexOf(':', from);
  }
}

export function createSecretParamDetector(names: readonly string[]): Detector {
  const isSensitive = sensitiveNameMatcher(names);
  return {
    type: 'secretParam',
    scope: 'text',
    mayContain: (text) => text.includes('=') || text.includes(':'),
    find(text: string, offset: number, out: Match[]): void {
      eachSeparator(text, (sep) => {
        const end = nameEnd(text, sep);
        const start = nameStart(text, end);
        if (start === end || !isSensitive(text, start, end)) return sep + 1;
        const value = valueAfter(text, sep);
        if (!value) return sep + 1;
        pushMatch(out, 'secretParam', offset, value.start, value.end);
        return value.end;
      });
    },
    normalize: identity,
  };
}
