// Credentials that say who issued them: a documented prefix and a body of a known alphabet
// and length (GitHub `ghp_…`, Stripe `sk_live_…`, Google `AIza…`, OpenAI `sk-proj-…`,
// Anthropic `sk-ant-api03-…`, …). Found anywhere, with or without a key or header before
// them; one search finds every prefix, then the body is checked against its issuer's shape.
import type { Match, TextDetector } from '../types.ts';
import { isAlnum, pushMatch } from './scan-utils.ts';

/** An issuer's token: its prefixes and the shape of what follows them. */
interface TokenShape {
  prefixes: string[];
  /** The body after the prefix, matched from the prefix's end. */
  body: string;
}

const TOKEN_SHAPES: TokenShape[] = [
  // GitHub: personal, OAuth, user-to-server, server-to-server and refresh tokens.
  { prefixes: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'], body: '[A-Za-z0-9]{36}' },
  { prefixes: ['github_pat_'], body: '[A-Za-z0-9]{22}_[A-Za-z0-9]{59}' },
  // Stripe secret and restricted keys, live and test, and webhook signing secrets.
  { prefixes: ['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_'], body: '[A-Za-z0-9]{24,247}' },
  { prefixes: ['whsec_'], body: '[A-Za-z0-9+/=]{32,88}' },
  // Google API keys.
  { prefixes: ['AIza'], body: '[A-Za-z0-9_-]{35}' },
  // OpenAI project, service-account and admin keys, and the older user keys.
  { prefixes: ['sk-proj-', 'sk-svcacct-', 'sk-admin-'], body: '[A-Za-z0-9_-]{40,400}' },
  { prefixes: ['sk-'], body: '[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}' },
  // Anthropic API and admin keys: sk-ant-api03-…, sk-ant-admin01-….
  { prefixes: ['sk-ant-'], body: '(?:api|admin)\\d{2}-[A-Za-z0-9_-]{80,200}' },
  // Slack bot, user, app-level and refresh tokens.
  {
    prefixes: ['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxe-'],
    body: '\\d+-[A-Za-z0-9-]{10,250}',
  },
  { prefixes: ['xapp-'], body: '\\d-[A-Z0-9]+-\\d+-[a-z0-9]{32,}' },
  // GitLab personal access tokens, npm and Hugging Face tokens.
  { prefixes: ['glpat-'], body: '[A-Za-z0-9_-]{20}' },
  { prefixes: ['npm_'], body: '[A-Za-z0-9]{36}' },
  { prefixes: ['hf_'], body: '[A-Za-z]{34}' },
];

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

/** Every prefix, longest first so that `sk-proj-` is read before `sk-`. */
const PREFIXES = TOKEN_SHAPES.flatMap((shape) => shape.prefixes).sort(
  (a, b) => b.length - a.length,
);
const ANY_PREFIX = new RegExp(PREFIXES.map(escape).join('|'), 'g');

/** Each shape's body as a sticky regex that must end at a word boundary. */
const BODIES = TOKEN_SHAPES.map((shape) => ({
  prefixes: new Set(shape.prefixes),
  body: new RegExp(`(?:${shape.body})(?![A-Za-z0-9])`, 'y'),
}));

/** The length of the token body after `prefix` at `at`, or 0 when it has no issuer's shape. */
function bodyLength(text: string, prefix: string, at: number): number {
  for (const { prefixes, body } of BODIES) {
    if (!prefixes.has(prefix)) continue;
    body.lastIndex = at;
    const found = body.exec(text)?.[0];
    if (found) return found.length;
  }
  return 0;
}

/** A prefix inside a longer word (`task-…`, `my_ghp_…`) does not start a token. */
function startsWord(text: string, at: number): boolean {
  const code = text.charCodeAt(at - 1);
  return !isAlnum(code) && code !== 95 && code !== 45;
}

export const providerTokenDetector: TextDetector = {
  types: ['providerToken'],
  scope: 'text',
  mayContain: (text) => {
    ANY_PREFIX.lastIndex = 0;
    return ANY_PREFIX.test(text);
  },
  find(text: string, offset: number, out: Match[]): void {
    ANY_PREFIX.lastIndex = 0;
    for (let m = ANY_PREFIX.exec(text); m !== null; m = ANY_PREFIX.exec(text)) {
      const prefix = m[0];
      const length = startsWord(text, m.index)
        ? bodyLength(text, prefix, m.index + prefix.length)
        : 0;
      if (length > 0) {
        const end = m.index + prefix.length + length;
        pushMatch(out, 'providerToken', offset, m.index, end);
        ANY_PREFIX.lastIndex = end;
      }
    }
  },
};
