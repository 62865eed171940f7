// Shared shapes of the redaction engine.
import type { DetectorName } from '../config/sections/redaction.ts';
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
  'passport',
  'hkId',
  'twId',
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

interface DetectorBase {
  /** The types this detector reports; it runs when at least one of them is enabled. */
  readonly types: readonly DetectorName[];
  /** Appends findings in `text` to `out`, shifting their offsets by `offset`. */
  find(text: string, offset: number, out: Match[]): void;
}

/** Sees whole texts, but only those its cheap `mayContain` check passes. */
export interface TextDetector extends DetectorBase {
  readonly scope: 'text';
  mayContain(text: string): boolean;
}

/**
 * Sees only windows around runs of 7+ digits (the scanner finds those once for all number
 * detectors), and only windows with a run that `wantsRun` accepts: whether one of its
 * values could hold that run, from its digits and the characters next to it.
 */
export interface DigitDetector extends DetectorBase {
  readonly scope: 'digits';
  wantsRun(text: string, run: DigitRun): boolean;
}

/** A value detector. Findings of types the config disables are discarded. */
export type Detector = TextDetector | DigitDetector;

export interface TextRedaction {
  text: string;
  counts: RedactionCounts;
}

export interface RedactionSummary {
  redacted: boolean;
  counts: RedactionCounts;
}
