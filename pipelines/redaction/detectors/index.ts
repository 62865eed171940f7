// The detectors a configuration enables, in precedence order.
import type { DetectorName, RedactionConfig } from '../../../lib/config/sections/redaction.ts';
import type { Detector } from '../types.ts';
import { emailDetector } from './email.ts';
import { ibanDetector, paymentCardDetector } from './financial.ts';
import { prcIdDetector, usSsnDetector } from './national-ids.ts';
import { ipv4Detector, ipv6Detector } from './network.ts';
import { phoneDetector } from './phone.ts';
import {
  authCredentialDetector,
  awsAccessKeyIdDetector,
  awsSecretKeyDetector,
  jwtDetector,
  privateKeyDetector,
} from './secrets.ts';
import { createSecretParamDetector, urlCredentialsDetector } from './urls.ts';

export function createDetectors(config: RedactionConfig): Detector[] {
  const all: Record<DetectorName, Detector> = {
    privateKey: privateKeyDetector,
    jwt: jwtDetector,
    awsAccessKeyId: awsAccessKeyIdDetector,
    awsSecretKey: awsSecretKeyDetector,
    authCredential: authCredentialDetector,
    urlCredentials: urlCredentialsDetector,
    secretParam: createSecretParamDetector([...config.secretParams, ...config.extraSecretParams]),
    prcId: prcIdDetector,
    paymentCard: paymentCardDetector,
    iban: ibanDetector,
    usSsn: usSsnDetector,
    phone: phoneDetector,
    email: emailDetector,
    ipv6: ipv6Detector,
    ipv4: ipv4Detector,
  };
  return Object.values(all).filter((detector) => config.detectors[detector.type].enabled);
}
