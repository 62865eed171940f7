// Reading the value after a key's separator: quoted (JSON, logfmt, SQL, shell), in a Go
// header map (`X-Api-Key:[…]`), or bare up to where its syntax says it ends.

export interface Span {
  start: number;
  end: number;
}

/**
 * How a bare (unquoted) value ends: `token` at a delimiter; `card` after its digit groups;
 * `name` after at most four words, before a word that is the next key; `address` at
 * whitespace or punctuation (Chinese addresses are written without spaces).
 */
export type ValueSyntax = 'token' | 'card' | 'name' | 'address';

const TOKEN_END = /[\s&"',;#)}\]<>]/;
const ADDRESS_END = /[\s,，;；|"'<>]/;
const QUOTES = new Set(['"', "'"]);
const NAME_CHAR = /[\p{L}'’.·•-]/u;
const MAX_NAME_WORDS = 4;

/** Where the value after the separator at `sep` starts: past spaces, a `\` before a quote, a `[`. */
function valueStart(text: string, sep: number): number {
  let start = sep + 1;
  while (text.charAt(start) === ' ') start++;
  if (text.charAt(start) === '[') start++;
  if (text.charAt(start) === '\\' && QUOTES.has(text.charAt(start + 1))) start++;
  return start;
}

/** The inside of the quoted value at `start` (a `\` before the closing quote excluded). */
function quoted(text: string, start: number): Span | undefined {
  const close = text.indexOf(text.charAt(start), start + 1);
  const end = close === -1 ? text.length : close - (text.charAt(close - 1) === '\\' ? 1 : 0);
  return end > start + 1 ? { start: start + 1, end } : undefined;
}

function runUntil(text: string, start: number, stop: RegExp): number {
  let end = start;
  while (end < text.length && !stop.test(text.charAt(end))) end++;
  return end;
}

/** Digits with single spaces or dashes between groups. */
function cardEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length) {
    const code = text.charCodeAt(end);
    const isDigit = code >= 48 && code <= 57;
    const joinsGroups = (code === 32 || code === 45) && /\d/.test(text.charAt(end + 1));
    if (!isDigit && !joinsGroups) break;
    end++;
  }
  return end;
}

/** Up to four words of a name, stopping before a word that is followed by `=` or `:`. */
function nameEnd(text: string, start: number): number {
  let end = start;
  for (let words = 0; words < MAX_NAME_WORDS; words++) {
    const wordStart = words === 0 ? end : end + 1;
    if (words > 0 && text.charAt(end) !== ' ') break;
    let wordEnd = wordStart;
    while (wordEnd < text.length && NAME_CHAR.test(text.charAt(wordEnd))) wordEnd++;
    if (wordEnd === wordStart || (words > 0 && /^\s*[=:]/.test(text.slice(wordEnd, wordEnd + 2)))) {
      break;
    }
    end = wordEnd;
  }
  return end;
}

const BARE_END: Record<ValueSyntax, (text: string, start: number) => number> = {
  token: (text, start) => runUntil(text, start, TOKEN_END),
  card: cardEnd,
  name: nameEnd,
  address: (text, start) => runUntil(text, start, ADDRESS_END),
};

/** The value after the separator at `sep`, if there is one. */
export function valueSpan(text: string, sep: number, syntax: ValueSyntax): Span | undefined {
  const start = valueStart(text, sep);
  if (QUOTES.has(text.charAt(start))) return quoted(text, start);
  const end = BARE_END[syntax](text, start);
  return end > start ? { start, end } : undefined;
}

const HEADER_END = /[\r\n\]"']/;

/**
 * The cookie values of a `Cookie:` header (`all`) or the one of a `Set-Cookie:` header
 * (its attributes, `Path=/; HttpOnly`, stay), and where the header value ends.
 */
export function cookieValues(
  text: string,
  sep: number,
  all: boolean,
): { values: Span[]; end: number } {
  let start = valueStart(text, sep);
  if (QUOTES.has(text.charAt(start))) start++;
  const end = runUntil(text, start, HEADER_END);
  const values: Span[] = [];
  let pairStart = start;
  while (pairStart < end) {
    const pairEnd = text.indexOf(';', pairStart);
    const stop = pairEnd === -1 || pairEnd > end ? end : pairEnd;
    const equals = text.indexOf('=', pairStart);
    if (equals !== -1 && equals < stop) {
      const value = trimmed(text, equals + 1, stop);
      if (value.end > value.start) values.push(value);
    }
    if (!all) break;
    pairStart = stop + 1;
  }
  return { values, end };
}

function trimmed(text: string, start: number, end: number): Span {
  let s = start;
  let e = end;
  while (s < e && text.charAt(s) === ' ') s++;
  while (e > s && text.charAt(e - 1) === ' ') e--;
  return { start: s, end: e };
}
