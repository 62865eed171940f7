// Decoding passes: personal data hidden by an encoding (`alice%40example.com`,
// `\u5f20\u4e09`) is found in the decoded text, and each finding is mapped back to the
// characters that encode it, so that only those are replaced and the rest of the text
// stays byte for byte.

/** Decoded text, and where each of its characters came from in the encoded text. */
export interface Decoded {
  text: string;
  /**
   * `origin[i]` is the offset in the encoded text of decoded character i; one more entry
   * holds the encoded length, so a decoded range [s, e) is the encoded [origin[s], origin[e]).
   */
  origin: number[];
}

const HEX = /^[0-9A-Fa-f]{2}$/;
/** Double (`%2540`) and triple encoding happen; a fourth layer is not worth a pass. */
const MAX_URL_ROUNDS = 3;

/** The byte `%xx` at `at` encodes, or -1. */
function percentByte(text: string, at: number): number {
  if (text.charCodeAt(at) !== 37) return -1;
  const hex = text.slice(at + 1, at + 3);
  return HEX.test(hex) ? parseInt(hex, 16) : -1;
}

/** Bytes in the UTF-8 sequence a lead byte starts (0: not a lead byte). */
function utf8Length(lead: number): number {
  if (lead < 0) return 0;
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead < 0xe0) return 2;
  if (lead >= 0xe0 && lead < 0xf0) return 3;
  return lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
}

/**
 * The code point of the UTF-8 sequence of percent-escapes at `at` and how many escapes it
 * took, or undefined when the bytes there are not valid UTF-8 (they are then left as is).
 */
function percentCodePoint(
  text: string,
  at: number,
): { point: number; escapes: number } | undefined {
  const lead = percentByte(text, at);
  const length = utf8Length(lead);
  if (length === 0) return undefined;
  let point = length === 1 ? lead : lead & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) {
    const next = percentByte(text, at + 3 * k);
    if (next < 0x80 || next >= 0xc0) return undefined;
    point = (point << 6) | (next & 0x3f);
  }
  return { point, escapes: length };
}

/** One round of percent-decoding; `plusIsSpace` for form encoding (first round only). */
function percentDecodeOnce(text: string, plusIsSpace: boolean): Decoded {
  let out = '';
  const origin: number[] = [];
  let i = 0;
  while (i < text.length) {
    const decoded = text.charCodeAt(i) === 37 ? percentCodePoint(text, i) : undefined;
    if (decoded) {
      const chars = String.fromCodePoint(decoded.point);
      for (let k = 0; k < chars.length; k++) origin.push(i);
      out += chars;
      i += 3 * decoded.escapes;
    } else {
      origin.push(i);
      out += plusIsSpace && text.charCodeAt(i) === 43 ? ' ' : text.charAt(i);
      i++;
    }
  }
  origin.push(text.length);
  return { text: out, origin };
}

const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;

/**
 * Percent-decodes `text` until no escape is left (at most three rounds), composing the
 * origins; `+` is a space in the first round when `form` (query strings, form bodies).
 */
export function percentDecode(text: string, form: boolean): Decoded | undefined {
  let current: Decoded | undefined;
  for (let round = 0; round < MAX_URL_ROUNDS; round++) {
    const source = current?.text ?? text;
    const plusToDecode = form && round === 0 && source.includes('+');
    if (!plusToDecode && !PERCENT_ESCAPE.test(source)) break;
    const next = percentDecodeOnce(source, form && round === 0);
    current = current ? compose(current, next) : next;
  }
  return current;
}

/** `inner` decoded from `outer.text`, with origins in the text `outer` was decoded from. */
export function compose(outer: Decoded, inner: Decoded): Decoded {
  return { text: inner.text, origin: inner.origin.map((at) => outer.origin[at] ?? at) };
}

/** Characters a URL-encoded token is made of: anything but whitespace, quotes, `<>` and `\`. */
function isTokenChar(code: number): boolean {
  return code > 32 && code !== 34 && code !== 39 && code !== 60 && code !== 62 && code !== 92;
}

export interface EncodedToken {
  start: number;
  end: number;
  decoded: Decoded;
}

const PERCENT_ESCAPES = /%[0-9A-Fa-f]{2}/g;

/** Each whitespace-delimited token that holds percent-escapes, decoded. */
export function* percentEncodedTokens(text: string): Generator<EncodedToken> {
  PERCENT_ESCAPES.lastIndex = 0;
  for (let m = PERCENT_ESCAPES.exec(text); m !== null; m = PERCENT_ESCAPES.exec(text)) {
    let start = m.index;
    while (start > 0 && isTokenChar(text.charCodeAt(start - 1))) start--;
    let end = m.index + 3;
    while (end < text.length && isTokenChar(text.charCodeAt(end))) end++;
    const token = text.slice(start, end);
    const decoded = percentDecode(token, token.includes('='));
    if (decoded) yield { start, end, decoded };
    PERCENT_ESCAPES.lastIndex = end;
  }
}

const JSON_ESCAPE = /\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4})/;
const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Whether `text` holds a JSON string escape (`\"`, `\n`, `\u5f20`, …). */
export function hasJsonEscape(text: string): boolean {
  return text.includes('\\') && JSON_ESCAPE.test(text);
}

/**
 * `text` with every JSON string escape decoded, wherever it is: a log line that embeds
 * escaped JSON is not itself valid JSON, and a backslash that starts no escape stays.
 */
export function jsonUnescape(text: string): Decoded {
  let out = '';
  const origin: number[] = [];
  let i = 0;
  while (i < text.length) {
    const escape = text.charCodeAt(i) === 92 ? jsonEscapeAt(text, i) : undefined;
    if (escape) {
      out += escape.char;
      origin.push(i);
      i += escape.length;
    } else {
      out += text.charAt(i);
      origin.push(i);
      i++;
    }
  }
  origin.push(text.length);
  return { text: out, origin };
}

function jsonEscapeAt(text: string, at: number): { char: string; length: number } | undefined {
  const next = text.charAt(at + 1);
  const simple = SIMPLE_ESCAPES[next];
  if (simple !== undefined) return { char: simple, length: 2 };
  if (next !== 'u') return undefined;
  const hex = text.slice(at + 2, at + 6);
  return /^[0-9A-Fa-f]{4}$/.test(hex)
    ? { char: String.fromCharCode(parseInt(hex, 16)), length: 6 }
    : undefined;
}
