// Credentials in URLs (`scheme://user:password@host`) and in Go MySQL DSNs, which have no
// scheme (`user:password@tcp(db:3306)/orders`).
import type { Match, TextDetector } from '../types.ts';
import { positionsOf, pushMatch } from './scan-utils.ts';

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

export const urlCredentialsDetector: TextDetector = {
  types: ['urlCredentials'],
  scope: 'text',
  mayContain: (text) => text.includes('@') && text.includes('://'),
  find(text: string, offset: number, out: Match[]): void {
    for (const slashes of positionsOf(text, '://')) {
      const start = slashes + 3;
      const at = text.slice(start, authorityEnd(text, start)).lastIndexOf('@');
      if (at > 0 && isCredentialUserInfo(text.slice(start, start + at))) {
        pushMatch(out, 'urlCredentials', offset, start, start + at);
      }
    }
  },
};

/** What follows the user info of a Go MySQL DSN: a protocol and address, or `/` for the default. */
const DSN_ADDRESS = /^@(?:tcp6?|udp|unix)\(|^@\//;
const DSN_START = /[\s"'`=<>(,]/;

/** `user:password`, read back from the `@` at `at` to the start of the DSN. */
function dsnUserInfoStart(text: string, at: number): number {
  let start = at;
  while (start > 0 && !DSN_START.test(text.charAt(start - 1))) start--;
  return start;
}

export const dsnCredentialsDetector: TextDetector = {
  types: ['urlCredentials'],
  scope: 'text',
  mayContain: (text) =>
    text.includes('@') &&
    (text.includes('@tcp(') || text.includes('@unix(') || text.includes('@/')),
  find(text: string, offset: number, out: Match[]): void {
    for (const at of positionsOf(text, '@')) {
      if (!DSN_ADDRESS.test(text.slice(at, at + 7))) continue;
      const start = dsnUserInfoStart(text, at);
      const colon = text.indexOf(':', start);
      if (colon > start && colon < at - 1) pushMatch(out, 'urlCredentials', offset, start, at);
    }
  },
};
