// Credentials: JWTs, Basic/Bearer credentials (and SMTP AUTH PLAIN), AWS keys, PEM private keys.
import type { Match, TextDetector } from '../types.ts';
import { eachMatch, isBase64UrlChar, positionsOf, pushMatch } from './scan-utils.ts';

/** Header and payload are base64url JSON objects, so both begin with `eyJ` ('{"'). */
const JWT = /eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){2,4}/y;

function isJoseHeader(segment: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && ('alg' in header || 'typ' in header);
  } catch {
    return false;
  }
}

export const jwtDetector: TextDetector = {
  types: ['jwt'],
  scope: 'text',
  // A one-character search is several times faster than a three-character one.
  mayContain: (text) => text.includes('J') && text.includes('eyJ'),
  find(text: string, offset: number, out: Match[]): void {
    for (const at of positionsOf(text, 'eyJ')) {
      if (at > 0 && isBase64UrlChar(text.charCodeAt(at - 1))) continue;
      JWT.lastIndex = at;
      const token = JWT.exec(text)?.[0];
      const [header = '', payload = ''] = token?.split('.') ?? [];
      if (token && payload.length >= 8 && isJoseHeader(header)) {
        pushMatch(out, 'jwt', offset, at, at + token.length);
      }
    }
  },
};

const AUTH_SCHEME = /basic|bearer|token|plain/i;
/** An HTTP scheme and its credentials, or SMTP's `AUTH PLAIN <base64>`. */
const AUTH_CREDENTIAL =
  /(?<![A-Za-z0-9])(basic|bearer|token|(?<=auth\s+)plain)\s+([A-Za-z0-9._~+/-]+=*)/gi;

/** Basic credentials are base64 of `user:password` in printable characters. */
function isBasicCredential(value: string): boolean {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return (
    decoded.includes(':') && decoded.length >= 3 && /^[\x20-\x7e\u00a0-\uffff]+$/.test(decoded)
  );
}

/**
 * Opaque tokens are long and mix letters and digits ("Bearer Authentication-Required" is
 * not a token); a long mixed-case run without digits also counts.
 */
function isOpaqueToken(value: string): boolean {
  if (value.length < 16 || !/[A-Za-z]/.test(value)) return false;
  return /\d/.test(value) || (value.length >= 32 && /[a-z]/.test(value) && /[A-Z]/.test(value));
}

/** SASL PLAIN is base64 of `authzid NUL user NUL password`. */
function isPlainCredential(value: string): boolean {
  return Buffer.from(value, 'base64').toString('utf8').split('\0').length === 3;
}

const CREDENTIAL_CHECKS: Record<string, (value: string) => boolean> = {
  basic: isBasicCredential,
  bearer: isOpaqueToken,
  token: isOpaqueToken,
  plain: isPlainCredential,
};

export const authCredentialDetector: TextDetector = {
  types: ['authCredential'],
  scope: 'text',
  mayContain: (text) => AUTH_SCHEME.test(text),
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(AUTH_CREDENTIAL, text, (m) => {
      const [whole, scheme = '', credential = ''] = m;
      const valid = CREDENTIAL_CHECKS[scheme.toLowerCase()]?.(credential) ?? false;
      const end = m.index + whole.length;
      if (valid) pushMatch(out, 'authCredential', offset, end - credential.length, end);
    });
  },
};

const AWS_ACCESS_KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;

export const awsAccessKeyIdDetector: TextDetector = {
  types: ['awsAccessKeyId'],
  scope: 'text',
  mayContain: (text) => text.includes('IA') && (text.includes('AKIA') || text.includes('ASIA')),
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(AWS_ACCESS_KEY_ID, text, (m) => {
      pushMatch(out, 'awsAccessKeyId', offset, m.index, m.index + m[0].length);
    });
  },
};

/**
 * A secret access key is 40 base64 characters; only taken right after a label that names
 * it ("AWS_SECRET_ACCESS_KEY=", "aws secret key is", "SecretAccessKey": "): words and
 * separators only between the label and the key, so an unrelated blob later in the line
 * is left alone.
 */
const AWS_CONTEXT = /aws|secret/i;
const AWS_LABEL = /(?:aws|secret)[A-Za-z_ "':=-]{0,24}$/i;
const AWS_SECRET_KEY = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
const LABEL_WINDOW = 48;

function looksLikeSecretKey(value: string): boolean {
  return /[a-z]/.test(value) && /[A-Z]/.test(value) && /[0-9/+]/.test(value);
}

export const awsSecretKeyDetector: TextDetector = {
  types: ['awsSecretKey'],
  scope: 'text',
  mayContain: (text) => text.length >= 40 && AWS_CONTEXT.test(text),
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(AWS_SECRET_KEY, text, (m) => {
      const before = text.slice(Math.max(0, m.index - LABEL_WINDOW), m.index);
      if (looksLikeSecretKey(m[0]) && AWS_LABEL.test(before)) {
        pushMatch(out, 'awsSecretKey', offset, m.index, m.index + m[0].length);
      }
    });
  },
};

/** A PEM private key block; a block cut off before its END line is redacted to the end. */
const PRIVATE_KEY =
  /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?(?:-----END \1-----|$)/g;

export const privateKeyDetector: TextDetector = {
  types: ['privateKey'],
  scope: 'text',
  mayContain: (text) => text.includes('-----BEGIN'),
  find(text: string, offset: number, out: Match[]): void {
    eachMatch(PRIVATE_KEY, text, (m) => {
      pushMatch(out, 'privateKey', offset, m.index, m.index + m[0].length);
    });
  },
};
