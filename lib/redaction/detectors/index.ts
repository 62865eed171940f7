// The detectors a configuration enables (the scanner orders their findings by precedence).
import type { RedactionConfig } from '../../config/sections/redaction.ts';
import type { Detector } from '../types.ts';
import { chineseLabelDetector } from './chinese-labels.ts';
import { emailDetector } from './email.ts';
import { ibanDetector, paymentCardDetector } from './financial.ts';
import { hexAddressDetector } from './hex-addresses.ts';
import { createLabelledValueDetector, labelTable } from './labelled-values.ts';
import { hkIdDetector, prcIdDetector, twIdDetector, usSsnDetector } from './national-ids.ts';
import { ipv4Detector } from './network.ts';
import { cnLandlineDetector, phoneDetector } from './phone.ts';
import { providerTokenDetector } from './provider-tokens.ts';
import {
  authCredentialDetector,
  awsAccessKeyIdDetector,
  awsSecretKeyDetector,
  jwtDetector,
  privateKeyDetector,
} from './secrets.ts';
import { createSqlDetector } from './sql.ts';
import { streetAddressDetector } from './street-addresses.ts';
import { dsnCredentialsDetector, urlCredentialsDetector } from './urls.ts';

export function createDetectors(config: RedactionConfig): Detector[] {
  const labels = labelTable([...config.secretParams, ...config.extraSecretParams]);
  const all: Detector[] = [
    privateKeyDetector,
    jwtDetector,
    awsAccessKeyIdDetector,
    awsSecretKeyDetector,
    authCredentialDetector,
    providerTokenDetector,
    urlCredentialsDetector,
    dsnCredentialsDetector,
    createLabelledValueDetector(labels),
    createSqlDetector(labels),
    chineseLabelDetector,
    streetAddressDetector,
    prcIdDetector,
    hkIdDetector,
    twIdDetector,
    paymentCardDetector,
    ibanDetector,
    usSsnDetector,
    phoneDetector,
    cnLandlineDetector,
    emailDetector,
    hexAddressDetector,
    ipv4Detector,
  ];
  return all.filter((detector) => detector.types.some((type) => config.detectors[type].enabled));
}
