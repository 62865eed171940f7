// IPv4 addresses where they identify a client: a dotted quad is one unless its context says
// it is a version ("build 4.18.2.1", "app-1.2.3.4.jar", "pkg@1.2.3.4") or a server's own
// address (`instance="10.0.0.5:9100"`, "dial tcp 10.0.0.2:5432", "listening on 0.0.0.0").
import type { DigitDetector, Match } from '../types.ts';
import { eachMatch, pushMatch } from './scan-utils.ts';

/** Four dotted groups of 1-3 digits; the octets are checked after (cheaper than in the regex). */
const DOTTED_QUAD = /(?<![A-Za-z0-9.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![A-Za-z0-9]|\.\d)/g;
const CONTEXT_WINDOW = 32;

/**
 * "version 1.2.3.4", "build=10.0.1.2", "Version=4.0.0.0", "(release 3.1.2.8)", and the
 * things that have versions: "agent 7.45.0.31", "driver 31.0.15.3623", "Android 4.4.2.1".
 */
const VERSION_WORD =
  /\b(?:version|ver|release|build|firmware|fw|rev|revision|v|agent|driver|kernel|sdk|plugin|runtime|engine|update|patch|installer|android|ios|windows|macos)\s*[:=]?\s*["']?$/i;
/** A product token or file name glued to the number: "Agent/1.2.3.4", "app-1.2.3.4", "pkg@1.2.3.4". */
const GLUED_BEFORE = /(?:[A-Za-z][/-]|[A-Za-z0-9]-|@)$/;
/** "1.2.3.4-beta", "1.2.3.4.jar", "1.2.3.4_amd64". */
const GLUED_AFTER = /^(?:[-_][A-Za-z0-9]|\.[A-Za-z])/;
/** The key a value belongs to: `key=`, `key: `, `"key":"`, `key="http://`. */
const VALUE_KEY = /([A-Za-z_][\w.-]*)["']?\s*[=:]\s*["']?(?:[a-z]+:\/\/)?$/;
/** Words in a key that say the value is a version, not an address. */
const VERSION_KEY = /(?:^|[._-])(?:version|ver|build|release|rev|revision)$|version$/i;
/** Keys whose value is a server's own address, not a client's. */
const SERVER_KEYS = new Set(
  [
    'instance',
    'server',
    'server_addr',
    'server_ip',
    'server.address',
    'upstream',
    'upstream_addr',
    'listen',
    'listen_addr',
    'bind',
    'bind_addr',
    'local_addr',
    'local_ip',
    'laddr',
    'lip',
    'node_ip',
    'host_ip',
    'pod_ip',
    'gateway',
    'nameserver',
    'leader',
  ].map((key) => key.toLowerCase()),
);
/**
 * Prose that puts a server's address next: "listening on", "dial tcp", "bind to",
 * "connected to", "redis at", "upstream backend at".
 */
const SERVER_PROSE =
  /(?:listening on|listen on|dial (?:tcp|udp)[46]?|bind(?:ing)? to|connect(?:ing|ed)? to|(?:upstream|redis|mysql|postgres|kafka|broker|server|backend|database|cache|proxy)(?: [\w-]+)? at)\s+["'[]?$/i;

/** 0.0.0.0/8 (this host), loopback, multicast and reserved: never a client. */
function isSpecial(firstOctet: number): boolean {
  return firstOctet === 0 || firstOctet === 127 || firstOctet >= 224;
}

function isServerKey(key: string): boolean {
  const lower = key.toLowerCase();
  return SERVER_KEYS.has(lower) || SERVER_KEYS.has(lower.slice(lower.lastIndexOf('.') + 1));
}

/** Whether the context of text[start, end) says it is not a client address. */
function isNotClient(text: string, start: number, end: number): boolean {
  const before = text.slice(Math.max(0, start - CONTEXT_WINDOW), start);
  if (VERSION_WORD.test(before) || GLUED_BEFORE.test(before) || SERVER_PROSE.test(before)) {
    return true;
  }
  if (GLUED_AFTER.test(text.slice(end, end + 2))) return true;
  const key = VALUE_KEY.exec(before)?.[1];
  return key !== undefined && (VERSION_KEY.test(key) || isServerKey(key));
}

/** Octets of at most 255 without leading zeros, and not a special address. */
function isAddress(quad: string): boolean {
  let octet = 0;
  let digits = 0;
  let first = -1;
  for (let i = 0; i <= quad.length; i++) {
    const code = i < quad.length ? quad.charCodeAt(i) : 46;
    if (code !== 46) {
      if (digits > 0 && octet === 0) return false;
      octet = octet * 10 + code - 48;
      digits++;
      continue;
    }
    if (octet > 255) return false;
    if (first < 0) first = octet;
    octet = 0;
    digits = 0;
  }
  return !isSpecial(first);
}

/** Searched only around digit runs with three or more dots, which the scanner finds anyway. */
export const ipv4Detector: DigitDetector = {
  types: ['ipv4'],
  scope: 'digits',
  wantsRun: (_text, run) => run.dots >= 3,
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(DOTTED_QUAD, text, (m) => {
      const end = m.index + m[0].length;
      if (isAddress(m[0]) && !isNotClient(text, m.index, end)) {
        pushMatch(out, 'ipv4', offset, m.index, end);
      }
    });
  },
};
