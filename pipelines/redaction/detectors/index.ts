// The detectors a configuration enables (the scanner orders their findings by precedence).
import type { RedactionConfig } from '../../../lib/config/sections/redaction.ts';
import type { Detector } from '../types.ts';
import { emailDetector } from './email.ts';
import { ibanDetector, paymentCardDetector } from './financial.ts';
import { prcIdDetector, usSsnDetector } from './national-ids.ts';
import { hexAddressDetector } from './hex-addresses.ts';
import { ipv4Detector } from './network.ts';
import { phoneDetector } from './phone.ts';
import {
  authCredentialDetector,
  awsAccessKeyIdDetector,
  awsSecretKeyDetector,
  jwtDetector,
  privateKeyDetector,
} from './secrets.ts';
import { createLabelledValueDetector } from './labelled-values.ts';
import { urlCredentialsDetector } from './urls.ts';

export function createDetectors(config: RedactionConfig): Detector[] {
  const all: Detector[] = [
    privateKeyDetector,
    jwtDetector,
    awsAccessKeyIdDetector,
    awsSecretKeyDetector,
    authCredentialDetector,
    urlCredentialsDetector,
    createLabelledValueDetector([...config.secretParams, ...config.extraSecretParams]),
    prcIdDetector,
    paymentCardDetector,
    ibanDetector,
    usSsnDetector,
    phoneDetector,
    emailDetector,
    hexAddressDetector,
    ipv4Detector,
  ];
  return all.filter((detector) => detector.types.some((type) => config.detectors[type].enabled));
}
