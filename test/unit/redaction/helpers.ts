// Shared fixtures for the redaction tests.
import { redactionSchema, type RedactionConfig } from '../../../lib/config/sections/redaction.ts';
import { generateKey, Keyring } from '../../../lib/redaction/keyring.ts';

export function config(overrides: Record<string, unknown> = {}): RedactionConfig {
  return redactionSchema.parse(overrides);
}

/** Every detector on, IP addresses included. */
export function allDetectorsConfig(): RedactionConfig {
  return config({ detectors: { ipv4: { enabled: true }, ipv6: { enabled: true } } });
}

export function keyringWith(ids: string[], hmacKey = generateKey()): Keyring {
  return Keyring.fromDocument(
    { hmacKey, keys: ids.map((id) => ({ id, key: generateKey() })) },
    'test',
  );
}
