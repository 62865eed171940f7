// Email addresses, found from each `@` outwards rather than by a regex over the whole
// text: text without `@` costs one indexOf.
import type { Match, TextDetector } from '../types.ts';
import { positionsOf, pushMatch } from './scan-utils.ts';

const LOCAL_CHAR = /[A-Za-z0-9._%+'-]/;
const DOMAIN_CHAR = /[A-Za-z0-9.-]/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TOP_LEVEL = /^[A-Za-z]{2,24}$/;
/** File names like icon@2x.png end in a "top-level domain" that is an extension. */
const FILE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'css', 'js']);

function localPartStart(text: string, at: number): number {
  let start = at;
  while (start > 0 && at - start < 64 && LOCAL_CHAR.test(text.charAt(start - 1))) start--;
  while (start < at && /[.'-]/.test(text.charAt(start))) start++;
  return start;
}

function domainEnd(text: string, at: number): number {
  let end = at + 1;
  while (end < text.length && end - at <= 253 && DOMAIN_CHAR.test(text.charAt(end))) end++;
  while (end > at + 1 && /[.-]/.test(text.charAt(end - 1))) end--;
  return end;
}

function validLocalPart(local: string): boolean {
  return local.length > 0 && !local.endsWith('.') && !local.includes('..');
}

/**
 * `ssh://git@host/…` (URL user info) and `git@host:org/repo` (scp syntax) name a login on
 * a host, not a mailbox; URL credentials are the urlCredentials detector's business.
 */
function isHostLogin(text: string, start: number, end: number): boolean {
  const afterColon = text.charAt(end) === ':' && /\S/.test(text.charAt(end + 1));
  return afterColon || text.startsWith('://', start - 3);
}

function validDomain(domain: string): boolean {
  const labels = domain.split('.');
  const tld = labels[labels.length - 1] ?? '';
  return (
    labels.length >= 2 &&
    labels.every((label) => LABEL.test(label)) &&
    TOP_LEVEL.test(tld) &&
    !FILE_EXTENSIONS.has(tld.toLowerCase())
  );
}

export const emailDetector: TextDetector = {
  types: ['email'],
  scope: 'text',
  mayContain: (text) => text.includes('@'),
  find(text: string, offset: number, out: Match[]): void {
    for (const at of positionsOf(text, '@')) {
      const start = localPartStart(text, at);
      const end = domainEnd(text, at);
      const valid = validLocalPart(text.slice(start, at)) && validDomain(text.slice(at + 1, end));
      if (valid && !isHostLogin(text, start, end)) {
        pushMatch(out, 'email', offset, start, end);
      }
    }
  },
};
