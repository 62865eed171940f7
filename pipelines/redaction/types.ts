// Shared shapes of the redaction engine.
import type { DetectorName } from '../../lib/config/sections/redaction.ts';
import type { DigitRun } from './digit-windows.ts';

/**
 * What a redaction is counted as: each kind of value, plus `sensitiveKey` for attributes
 * caught by a key rule. The order is the precedence when two findings overlap: the more
 * specific secret wins over the generic number shape that also matched, and a labelled
 * name or address wins over the numbers inside it (so the whole value goes).
 */
export const PII_TYPES = [
  'privateKey',
  'jwt',
  'awsAccessKeyId',
  'awsSecretKey',
  'authCredential',
  'providerToken',
  'urlCredentials',
  'cookie',
  'secretParam',
  'personName',
  'address',
  'iban',
  'prcId',
  'hkId',
  'twId',
  'passport',
  'paymentCard',
  'usSsn',
  'phone',
  'cnLandline',
  'email',
  'macAddress',
  'ipv6',
  'ipv4',
  'userId',
  'sensitiveKey',
] as const satisfies readonly (DetectorName | 'sensitiveKey')[];

export type PiiType = (typeof PII_TYPES)[number];

/** Redactions by type; only types that occurred are present. */
export type RedactionCounts = Partial<Record<PiiType, number>>;

/**
 * A finding in a text: the half-open range [start, end) holds a value of `type`. A finding
 * inside an encoded form (`alice%40example.com`) carries the decoded `value`: the range is
 * what gets replaced, the value is what gets hashed or encrypted.
 */
export interface Match {
  type: DetectorName;
  start: number;
  end: number;
  value?: string;
}

/**
 * A value detector. `scope: 'digits'` detectors only ever see windows around runs of 7+
 * digits (the scanner finds those once for all of them), and only windows with a run
 * their `wantsRun` accepts; `scope: 'text'` detectors see the whole text, but only when
 * their cheap `mayContain` check passes. Findings of types the config disables are
 * discarded.
 */
export interface Detector {
  /** The types this detector reports; it runs when at least one of them is enabled. */
  readonly types: readonly DetectorName[];
  readonly scope: 'text' | 'digits';
  /**
   * Digits scope: whether one of this detector's values could hold `run` (its digits, the
   * characters next to it), checked before the detector searches the run's window.
   */
  wantsRun?(text: string, run: DigitRun): boolean;
  mayContain(text: string): boolean;
  /** Appends findings in `text` to `out`, shifting their offsets by `offset`. */
  find(text: string, offset: number, out: Match[]): void;
}

export interface TextRedaction {
  text: string;
  counts: RedactionCounts;
}

export interface RedactionSummary {
  redacted: boolean;
  counts: RedactionCounts;
}
