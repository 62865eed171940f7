// IP addresses (off by default): IPv4 in dotted quads, IPv6 validated by node:net.
import { isIPv6 } from 'node:net';
import type { Detector, Match } from '../types.ts';
import { eachMatch, identity, pushMatch } from './scan-utils.ts';

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const IPV4 = new RegExp(
  String.raw`(?<![A-Za-z0-9.])${OCTET}(?:\.${OCTET}){3}(?![A-Za-z0-9]|\.\d)`,
  'g',
);
/** "version 1.2.3.4" and "build=10.0.1.2" are versions, not addresses. */
const VERSION_LABEL = /\b(?:version|ver|release|build|v)\s*[:=]?\s*["']?$/i;
const LABEL_WINDOW = 16;

export const ipv4Detector: Detector = {
  type: 'ipv4',
  scope: 'text',
  mayContain: (text) => text.includes('.'),
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(IPV4, text, (m) => {
      const before = text.slice(Math.max(0, m.index - LABEL_WINDOW), m.index);
      if (!VERSION_LABEL.test(before)) {
        pushMatch(out, 'ipv4', offset, m.index, m.index + m[0].length);
      }
    });
  },
  normalize: identity,
};

/**
 * Hex groups and colons (at least two), optionally ending in an embedded IPv4; a colon may
 * follow ("dial 2001:db8::1: refused") but not another group.
 */
const IPV6_CANDIDATE =
  /(?<![A-Za-z0-9:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?![A-Za-z0-9]|:[0-9A-Fa-f:]|\.\d)/g;

export const ipv6Detector: Detector = {
  type: 'ipv6',
  scope: 'text',
  mayContain: (text) => text.includes(':'),
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(IPV6_CANDIDATE, text, (m) => {
      // The groups may have taken the colon after the address ("…:7334: refused").
      const candidate = /[^:]:$/.test(m[0]) ? m[0].slice(0, -1) : m[0];
      if (candidate !== '::' && isIPv6(candidate)) {
        pushMatch(out, 'ipv6', offset, m.index, m.index + candidate.length);
      }
    });
  },
  normalize: (value) => value.toLowerCase(),
};
