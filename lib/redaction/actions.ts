// What happens to a value once found: drop, mask, hash (HMAC pseudonym) or encrypt.
import type { RedactionAction } from '../config/sections/redaction.ts';
import { ENCRYPTED_VALUE, type Keyring } from './keyring.ts';

export interface Policy {
  action: RedactionAction;
  keep: number;
}

const MASK = '****';
const PSEUDONYM_HEX_CHARS = 16;

/**
 * The policy that can actually run: `hash` without an HMAC key and `encrypt` without an
 * encryption key become `mask`, never a pass-through; `warn` says so.
 */
export function runnablePolicy(
  policy: Policy,
  keyring: Keyring | undefined,
  subject: string,
  warn: (message: string) => void,
): Policy {
  const missing =
    policy.action === 'hash' && !keyring?.canHash
      ? 'no hmacKey'
      : policy.action === 'encrypt' && !keyring?.canEncrypt
        ? 'no encryption key'
        : undefined;
  if (!missing) return policy;
  warn(
    `redaction: the keyring has ${missing}, so ${subject} values are masked instead of ${policy.action === 'hash' ? 'hashed' : 'encrypted'}`,
  );
  return { action: 'mask', keep: policy.keep };
}

export class Actions {
  constructor(private readonly keyring: Keyring | undefined) {}

  /**
   * The replacement for `value`, or undefined for `drop`. `normalized` is the value's
   * canonical form: it is what hash pseudonymizes and where a mask takes its tail from.
   */
  apply(policy: Policy, value: string, normalized: string): string | undefined {
    switch (policy.action) {
      case 'drop':
        return undefined;
      case 'mask':
        return mask(normalized, policy.keep);
      case 'hash':
        return `hmac:${this.requireKeyring().hmacHex(normalized).slice(0, PSEUDONYM_HEX_CHARS)}`;
      case 'encrypt':
        return this.requireKeyring().encrypt(value);
    }
  }

  private requireKeyring(): Keyring {
    if (!this.keyring) throw new Error('hash/encrypt policy without a keyring');
    return this.keyring;
  }
}

/** `****` plus at most `keep` trailing characters, and never more than half the value. */
export function mask(value: string, keep: number): string {
  const tail = Math.min(keep, Math.floor(value.length / 2));
  return tail > 0 ? MASK + value.slice(-tail) : MASK;
}

/**
 * Placeholders other tools (and people) write where a value was removed: `***`, a masked
 * tail like `***1234`, `<redacted>`, `[FILTERED]`, `(hidden)`, `REDACTED`.
 */
const PLACEHOLDER = String.raw`\*{3,}[^\s"',;&]{0,8}|[<[(](?:redacted|filtered|hidden|masked|removed|omitted)[>\])]|\bREDACTED\b`;

/**
 * What redaction writes and placeholders already in the text, so that a second pass over
 * redacted text leaves it unchanged and a value someone else removed stays as it is.
 */
export function ownOutputPattern(dropMarker: string): RegExp {
  const marker = dropMarker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `${marker}|hmac:[0-9a-f]{${PSEUDONYM_HEX_CHARS}}|${ENCRYPTED_VALUE.source}|${PLACEHOLDER}`,
    'gi',
  );
}
