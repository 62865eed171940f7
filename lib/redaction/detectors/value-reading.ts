// Reading the value after a key's separator: quoted (JSON, logfmt, SQL, shell), in a Go
// header map (`X-Api-Key:[…]`), or bare up to where its syntax says it ends.

export interface Span {
  start: number;
  end: number;
}

/**
 * How a bare (unquoted) value ends: `token` at a delimiter of a URL query too (`&`, `#`);
 * `word` at whitespace and punctuation only (a logfmt `pass=p&ss#1`); `card` after its
 * digit groups; `name` after at most four words, before a word that is the next key;
 * `address` at whitespace or punctuation (Chinese addresses are written without spaces).
 */
export type ValueSyntax = 'token' | 'word' | 'card' | 'name' | 'address';

const TOKEN_END = /[\s&"',;#)}\]<>，。；）]/;
const WORD_END = /[\s"',;)}\]<>，。；）]/;
const ADDRESS_END = /[\s,，;；。|"'<>”」]/;
/** Opening quotes and the quote that closes each. */
const QUOTES = new Map([
  ['"', '"'],
  ["'", "'"],
  ['“', '”'],
  ['「', '」'],
]);
const NAME_CHAR = /[\p{L}'’.·•-]/u;
const MAX_NAME_WORDS = 4;
const HAN = /\p{Script=Han}/u;
const HAN_NAME_CHAR = /[\p{Script=Han}·•]/u;
const MAX_HAN_NAME = 4;
/**
 * Field names that follow a value without a separator in Chinese text ("姓名张三电话138…",
 * "收货地址…号联系人…"): a Chinese name or address ends before them.
 */
const NEXT_FIELD =
  /^(?:电话|手机|性别|年龄|地址|住址|身份证|证件|卡号|邮箱|联系|订单|用户|护照|民族|出生|籍贯|职业|单位|金额|收货人|收件人)/u;

/** Where the value after the separator at `sep` starts: past spaces, a `\` before a quote, a `[`. */
function valueStart(text: string, sep: number): number {
  let start = sep + 1;
  while (text.charAt(start) === ' ') start++;
  if (text.charAt(start) === '[') start++;
  if (text.charAt(start) === '\\' && QUOTES.has(text.charAt(start + 1))) start++;
  return start;
}

/**
 * The inside of the quoted value at `start`: a doubled quote (SQL's `'O''Brien'`) does not
 * close it, and a `\` before the closing quote (escaped JSON) is not part of it.
 */
function quoted(text: string, start: number): Span | undefined {
  const quote = QUOTES.get(text.charAt(start)) ?? '"';
  let close = text.indexOf(quote, start + 1);
  while (close !== -1 && text.charAt(close + 1) === quote) close = text.indexOf(quote, close + 2);
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

/** Where a run of Chinese characters ends before the next field name, if one follows. */
function beforeNextField(text: string, start: number, end: number): number {
  for (let i = start + 1; i < end; i++) if (NEXT_FIELD.test(text.slice(i, i + 3))) return i;
  return end;
}

/** A Chinese name: at most four characters (more with a `·`), before the next field name. */
function hanNameEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length && HAN_NAME_CHAR.test(text.charAt(end))) end++;
  const dotted = /[·•]/u.test(text.slice(start, end));
  return beforeNextField(text, start, dotted ? end : Math.min(end, start + MAX_HAN_NAME));
}

/**
 * A name in Chinese characters, or up to four words of one in Latin script, stopping
 * before a word that is followed by `=` or `:` (the next key).
 */
function nameEnd(text: string, start: number): number {
  if (HAN.test(text.charAt(start))) return hanNameEnd(text, start);
  let end = start;
  for (let words = 0; words < MAX_NAME_WORDS; words++) {
    const wordStart = words === 0 ? end : end + 1;
    if (words > 0 && text.charAt(end) !== ' ') break;
    let wordEnd = wordStart;
    while (wordEnd < text.length && NAME_CHAR.test(text.charAt(wordEnd))) wordEnd++;
    if (
      wordEnd === wordStart ||
      (words > 0 && /^\s*[=:：]/.test(text.slice(wordEnd, wordEnd + 2)))
    ) {
      break;
    }
    end = wordEnd;
  }
  return end;
}

function addressEnd(text: string, start: number): number {
  const end = runUntil(text, start, ADDRESS_END);
  return HAN.test(text.charAt(start)) ? beforeNextField(text, start, end) : end;
}

const BARE_END: Record<ValueSyntax, (text: string, start: number) => number> = {
  token: (text, start) => runUntil(text, start, TOKEN_END),
  word: (text, start) => runUntil(text, start, WORD_END),
  card: cardEnd,
  name: nameEnd,
  address: addressEnd,
};

/** The value starting at `start`: the inside of its quotes, or as far as its syntax goes. */
export function valueAt(text: string, start: number, syntax: ValueSyntax): Span | undefined {
  if (QUOTES.has(text.charAt(start))) return quoted(text, start);
  const end = BARE_END[syntax](text, start);
  return end > start ? { start, end } : undefined;
}

/** The value after the separator at `sep`, if there is one. */
export function valueSpan(text: string, sep: number, syntax: ValueSyntax): Span | undefined {
  return valueAt(text, valueStart(text, sep), syntax);
}

/** A cookie's name: token characters (RFC 6265), possibly with a `__Host-`-style prefix. */
const COOKIE_NAME = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;
/** What a cookie value is made of (RFC 6265 cookie-octets): no spaces, quotes, `,`, `;`, `\`. */
const COOKIE_VALUE = /[!#-+\--:<-[\]-~]/;

/**
 * The cookie values of a `Cookie:` header (`all`) or the one of a `Set-Cookie:` header
 * (its attributes, `Path=/; HttpOnly`, stay), and where the header's pairs end: at the
 * first thing that is not `name=value` followed by `; ` (a quote, a `]`, a line end).
 */
export function cookieValues(
  text: string,
  sep: number,
  all: boolean,
): { values: Span[]; end: number } {
  let at = valueStart(text, sep);
  if (QUOTES.has(text.charAt(at))) at++;
  const values: Span[] = [];
  for (;;) {
    const nameEnd = runWhile(text, at, COOKIE_NAME);
    if (nameEnd === at || text.charAt(nameEnd) !== '=') return { values, end: at };
    const valueEnd = runWhile(text, nameEnd + 1, COOKIE_VALUE);
    if (valueEnd > nameEnd + 1) values.push({ start: nameEnd + 1, end: valueEnd });
    if (!all || text.charAt(valueEnd) !== ';') return { values, end: valueEnd };
    at = valueEnd + 1;
    while (text.charAt(at) === ' ') at++;
  }
}

function runWhile(text: string, start: number, allowed: RegExp): number {
  let end = start;
  while (end < text.length && allowed.test(text.charAt(end))) end++;
  return end;
}
