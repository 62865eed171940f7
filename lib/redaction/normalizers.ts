// Canonical forms by type: what `hash` pseudonymizes and where a mask takes its tail from,
// so that one value written two ways ("+86 138 0013 8000", "13800138000") gets one
// pseudonym. A type can be found by several detectors, so this is per type, not per detector.
import type { DetectorName } from '../config/sections/redaction.ts';
import { compactUpper, digitsOf, identity } from './detectors/scan-utils.ts';

const CHINA_MOBILE_DIGITS = /^1[3-9]\d{9}$/;

/** E.164 digits: +86 138 0013 8000 and 13800138000 hash alike. */
function phone(raw: string): string {
  const digits = digitsOf(raw).replace(/^00/, '');
  if (CHINA_MOBILE_DIGITS.test(digits)) return `86${digits}`;
  if (digits.length === 10 && !raw.trimStart().startsWith('+')) return `1${digits}`;
  return digits;
}

/** A Chinese landline in E.164 digits: 010-12345678 and +86 10 1234 5678 hash alike. */
function cnLandline(raw: string): string {
  return `86${digitsOf(raw).replace(/^0/, '')}`;
}

/** The compressed lower-case form (2001:DB8:0::1 and 2001:db8::1 are one address). */
function ipv6(raw: string): string {
  try {
    return new URL(`http://[${raw}]/`).hostname.slice(1, -1);
  } catch {
    return raw.toLowerCase();
  }
}

const words = (raw: string): string => raw.trim().replace(/\s+/g, ' ');

export const NORMALIZERS: Record<DetectorName, (raw: string) => string> = {
  email: (raw) => raw.toLowerCase(),
  phone,
  cnLandline,
  prcId: compactUpper,
  hkId: compactUpper,
  twId: compactUpper,
  passport: compactUpper,
  iban: compactUpper,
  paymentCard: digitsOf,
  usSsn: digitsOf,
  ipv4: identity,
  ipv6,
  macAddress: (raw) => raw.replace(/[^0-9A-Fa-f]/g, '').toLowerCase(),
  personName: (raw) => words(raw).toLowerCase(),
  address: words,
  jwt: identity,
  authCredential: identity,
  awsAccessKeyId: identity,
  awsSecretKey: identity,
  privateKey: identity,
  urlCredentials: identity,
  secretParam: identity,
  providerToken: identity,
  cookie: identity,
  userId: identity,
};
