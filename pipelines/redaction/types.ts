// Shared shapes of the redaction engine.
import type { DetectorName } from '../../lib/config/sections/redaction.ts';

/**
 * What a redaction is counted as: each value detector, plus `sensitiveKey` for attributes
 * caught by a key rule. The order is the precedence when two findings overlap: the more
 * specific secret wins over the generic number shape that also matched.
 */
export const PII_TYPES = [
  'privateKey',
  'jwt',
  'awsAccessKeyId',
  'awsSecretKey',
  'authCredential',
  'urlCredentials',
  'secretParam',
  'iban',
  'prcId',
  'paymentCard',
  'usSsn',
  'phone',
  'email',
  'ipv6',
  'ipv4',
  'sensitiveKey',
] as const satisfies readonly (DetectorName | 'sensitiveKey')[];

export type PiiType = (typeof PII_TYPES)[number];

/** Redactions by type; only types that occurred are present. */
export type RedactionCounts = Partial<Record<PiiType, number>>;

/** A finding in a text: the half-open range [start, end) holds a value of `type`. */
export interface Match {
  type: DetectorName;
  start: number;
  end: number;
}

/**
 * A value detector. `scope: 'digits'` detectors only ever see windows around runs of 7+
 * digits (the scanner finds those once for all of them), and only windows whose longest
 * run has `minDigits`; `scope: 'text'` detectors see the whole text, but only when their
 * cheap `mayContain` check passes.
 */
export interface Detector {
  readonly type: DetectorName;
  readonly scope: 'text' | 'digits';
  /** Digits a run needs before this detector can match in it (digits scope). */
  readonly minDigits?: number;
  mayContain(text: string): boolean;
  /** Appends findings in `text` to `out`, shifting their offsets by `offset`. */
  find(text: string, offset: number, out: Match[]): void;
  /** Canonical form for hashing, so that one value written two ways gets one pseudonym. */
  normalize(value: string): string;
}

export interface TextRedaction {
  text: string;
  counts: RedactionCounts;
}

export interface RedactionSummary {
  redacted: boolean;
  counts: RedactionCounts;
}
