// IPv6 and MAC addresses: hex groups joined by colons (or dashes, for MACs). Found from each
// colon outwards rather than by a regex over the whole text, which backtracked on every
// hex-looking word; the candidate is then validated (IPv6 by node:net).
import { isIPv6 } from 'node:net';
import type { Match, TextDetector } from '../types.ts';
import { isAlnum, pushMatch } from './scan-utils.ts';

const COLON = 58;
const DASH = 45;
const MAC_COLONS = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/;
const MAC_LENGTH = 17;
/** Dash-separated MACs (Windows, `00-1A-2B-3C-4D-5E`); a longer dashed hex run is something else. */
const MAC_DASHES =
  /(?<![0-9A-Za-z-])[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}(?![0-9A-Za-z]|-[0-9A-Za-z])/y;
/** The unspecified address, loopback, and the all-zero and broadcast MACs: nobody's. */
const NOBODY = new Set(['::', '::1', '00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff']);
/** The longest text form of an IPv6 address (with an embedded IPv4). */
const MAX_CANDIDATE = 45;

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

function isAddressChar(code: number): boolean {
  return isHex(code) || code === COLON || code === 46;
}

interface Span {
  start: number;
  end: number;
}

/** The run of hex digits, colons and dots around the colon at `at`, trimmed of stray ends. */
function candidateAround(text: string, at: number): Span {
  let start = at;
  while (start > 0 && isAddressChar(text.charCodeAt(start - 1))) start--;
  let end = at + 1;
  while (end < text.length && isAddressChar(text.charCodeAt(end))) end++;
  // Dots only belong to an embedded IPv4 at the end; a colon may end a sentence part
  // ("dial 2001:db8::1: refused") but "::" ends an address.
  while (start < at && text.charCodeAt(start) === 46) start++;
  while (end > at && text.charCodeAt(end - 1) === 46) end--;
  if (text.charCodeAt(end - 1) === COLON && text.charCodeAt(end - 2) !== COLON) end--;
  if (text.charCodeAt(start) === COLON && text.charCodeAt(start + 1) !== COLON) start++;
  return { start, end };
}

function isNobodys(address: string): boolean {
  return NOBODY.has(address.replaceAll('-', ':').toLowerCase());
}

/** Not glued to a word on either side ("std::vector", "sha256:e3b0…"). */
function standsAlone(text: string, { start, end }: Span): boolean {
  return !isAlnum(text.charCodeAt(start - 1)) && !isAlnum(text.charCodeAt(end));
}

/**
 * A MAC has five colons in 17 characters; an IPv6 address has seven colons or a `::`.
 * Counted in place, so that times ("10:40:32.861526") are rejected without slicing.
 */
function classify(text: string, { start, end }: Span): 'ipv6' | 'macAddress' | undefined {
  if (end - start > MAX_CANDIDATE) return undefined;
  let colons = 0;
  let doubleColon = false;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) !== COLON) continue;
    colons++;
    if (text.charCodeAt(i + 1) === COLON) doubleColon = true;
  }
  const couldBeMac = colons === 5 && end - start === MAC_LENGTH;
  const couldBeIpv6 = colons === 7 || (colons >= 2 && doubleColon);
  if (!couldBeMac && !couldBeIpv6) return undefined;
  const candidate = text.slice(start, end);
  if (isNobodys(candidate)) return undefined;
  if (couldBeMac && MAC_COLONS.test(candidate)) return 'macAddress';
  return couldBeIpv6 && isIPv6(candidate) ? 'ipv6' : undefined;
}

/**
 * Whether another colon is within five hex digits of the colon at `at`: every colon of an
 * IPv6 or MAC address has one, while `"key":"value"` and `host:8080` do not.
 */
function hasColonNearby(text: string, at: number): boolean {
  for (let i = at + 1; i <= at + 5 && i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === COLON) return true;
    if (!isHex(code)) break;
  }
  for (let i = at - 1; i >= at - 5 && i >= 0; i--) {
    const code = text.charCodeAt(i);
    if (code === COLON) return true;
    if (!isHex(code)) break;
  }
  return false;
}

function findColonAddresses(text: string, offset: number, out: Match[]): void {
  let at = text.indexOf(':');
  while (at !== -1) {
    if (!hasColonNearby(text, at)) {
      at = text.indexOf(':', at + 1);
      continue;
    }
    const span = candidateAround(text, at);
    const type = standsAlone(text, span) && classify(text, span);
    if (type) pushMatch(out, type, offset, span.start, span.end);
    at = text.indexOf(':', Math.max(at + 1, span.end));
  }
}

/** Two hex digits on each side of the dash at `at`, and dashes three and six on (`1A-2B-3C-`). */
function looksLikeMacDash(text: string, at: number): boolean {
  return (
    text.charCodeAt(at + 3) === DASH &&
    text.charCodeAt(at + 6) === DASH &&
    isHex(text.charCodeAt(at - 1)) &&
    isHex(text.charCodeAt(at + 1)) &&
    isHex(text.charCodeAt(at + 2))
  );
}

/**
 * From each dash that starts a MAC-like run (`1A-2B-3C-`), the whole 17-character form is
 * tried; dates and UUIDs fail on the cheap test.
 */
function findDashedMacs(text: string, offset: number, out: Match[]): void {
  let at = text.indexOf('-', 2);
  while (at !== -1) {
    let next = at + 1;
    if (looksLikeMacDash(text, at)) {
      MAC_DASHES.lastIndex = at - 2;
      const mac = MAC_DASHES.exec(text)?.[0];
      if (mac && !isNobodys(mac)) pushMatch(out, 'macAddress', offset, at - 2, at - 2 + MAC_LENGTH);
      if (mac) next = at - 2 + MAC_LENGTH;
    }
    at = text.indexOf('-', next);
  }
}

export const hexAddressDetector: TextDetector = {
  types: ['ipv6', 'macAddress'],
  scope: 'text',
  mayContain: (text) => text.includes(':') || text.includes('-'),
  find(text: string, offset: number, out: Match[]): void {
    findColonAddresses(text, offset, out);
    findDashedMacs(text, offset, out);
  },
};
