// TLS for both listeners: on when ingest.tls names a certificate and a key (PEM files).
import { readFileSync } from 'node:fs';
import type { IngestConfig } from '../../lib/config/sections/ingest.ts';
import { TelepipeError } from '../../lib/errors.ts';

export interface TlsKeyPair {
  cert: Buffer;
  key: Buffer;
}

/** Reads the configured PEM files; undefined when TLS is not configured. */
export function readTlsKeyPair(tls: IngestConfig['tls']): TlsKeyPair | undefined {
  if (!tls.certFile || !tls.keyFile) return undefined;
  return { cert: readPem(tls.certFile, 'certFile'), key: readPem(tls.keyFile, 'keyFile') };
}

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TelepipeError(
      'config',
      `ingest.tls.${key}: cannot read ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
