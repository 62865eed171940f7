import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../lib/config/index.ts';

describe('ingest config', () => {
  it('runs with no file: OTLP on 4317/4318 and the documented limits', () => {
    const { ingest } = loadConfig({ env: {} });
    expect(ingest.grpc.address).toBe('0.0.0.0:4317');
    expect(ingest.http.address).toBe('0.0.0.0:4318');
    expect(ingest.limits.maxRequestBytes).toBe(4 * 1024 * 1024);
    expect(ingest.limits.maxDecompressedBytes).toBe(64 * 1024 * 1024);
    expect(ingest.tenant).toEqual({ header: 'X-Scope-OrgID', default: 'default' });
    expect(ingest.auth).toEqual({ required: false, tokens: {} });
    expect(ingest.producer.compression).toBe('none');
  });

  it('takes overrides from the environment', () => {
    const { ingest } = loadConfig({
      env: {
        TELEPIPE_INGEST__PRODUCER__COMPRESSION: 'gzip',
        TELEPIPE_INGEST__LIMITS__MAX_IN_FLIGHT_REQUESTS: '10',
      },
    });
    expect(ingest.producer.compression).toBe('gzip');
    expect(ingest.limits.maxInFlightRequests).toBe(10);
  });

  it('refuses half a TLS setup, required auth without tokens and unknown keys', () => {
    expect(() => parseConfig({ ingest: { tls: { certFile: '/x.pem' } } })).toThrow(
      /ingest.tls: set both certFile and keyFile/,
    );
    expect(() => parseConfig({ ingest: { auth: { required: true } } })).toThrow(
      /auth.tokens is empty/,
    );
    expect(() => parseConfig({ ingest: { producer: { compression: 'zstd' } } })).toThrow(
      /ingest.producer.compression/,
    );
    expect(() => parseConfig({ ingest: { limit: {} } })).toThrow(/ingest/);
  });
});
