// Bearer tokens for telepipe's HTTP endpoints: parsing the Authorization header and matching a
// presented token against the configured ones in constant time. Tokens are compared as sha256
// digests (equal length whatever was sent) with crypto.timingSafeEqual, against every entry, so
// the time taken says nothing about which token, or how much of one, matched.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** The token of `Authorization: Bearer <token>`; undefined for a missing or other scheme. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  return match?.[1];
}

/** Configured tokens, each with what it grants. */
export class TokenSet<T> {
  private readonly entries: ReadonlyArray<{ digest: Buffer; grant: T }>;

  constructor(tokens: Iterable<readonly [token: string, grant: T]>) {
    this.entries = [...tokens].map(([token, grant]) => ({ digest: digest(token), grant }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** What the token grants, or undefined when it is none of ours. */
  match(token: string): T | undefined {
    const presented = digest(token);
    let found: T | undefined;
    for (const entry of this.entries) {
      // No early exit: every entry is compared whichever one matches.
      if (timingSafeEqual(presented, entry.digest) && found === undefined) found = entry.grant;
    }
    return found;
  }
}
