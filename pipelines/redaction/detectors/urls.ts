// Credentials in URLs (`scheme://user:password@host`).
import type { Detector, Match } from '../types.ts';
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

export const urlCredentialsDetector: Detector = {
  types: ['urlCredentials'],
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
};
