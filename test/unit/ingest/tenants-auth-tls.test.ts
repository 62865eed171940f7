import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureProtobuf, RawGrpcClient, startReceivers, type Harness } from './harness.ts';

const PROTOBUF = { 'content-type': 'application/x-protobuf' };

describe('tenants', () => {
  let h: Harness;
  let grpc: RawGrpcClient;
  beforeAll(async () => {
    h = await startReceivers({
      auth: { tokens: { 's3cret-acme': 'acme' } },
      tenant: { header: 'X-Tenant', default: 'shared' },
    });
    grpc = new RawGrpcClient(h.grpcAddress);
  });
  afterAll(async () => {
    grpc.close();
    await h.close();
  });

  const httpTenant = async (headers: Record<string, string>) => {
    const before = h.consumer.exports.length;
    const res = await fetch(`${h.httpUrl}/v1/logs`, {
      method: 'POST',
      headers: { ...PROTOBUF, ...headers },
      body: fixtureProtobuf('logs'),
    });
    return {
      status: res.status,
      tenant: h.consumer.exports[before]?.tenant,
      text: await res.text(),
    };
  };

  it('takes the tenant from a mapped bearer token, else the header, else the default', async () => {
    expect((await httpTenant({ authorization: 'Bearer s3cret-acme' })).tenant).toBe('acme');
    // The token wins over a header that claims another tenant.
    expect(
      (await httpTenant({ authorization: 'bearer s3cret-acme', 'x-tenant': 'other' })).tenant,
    ).toBe('acme');
    expect((await httpTenant({ 'x-tenant': 'team-7' })).tenant).toBe('team-7');
    expect((await httpTenant({ authorization: 'Bearer unknown' })).tenant).toBe('shared');
    expect((await httpTenant({})).tenant).toBe('shared');
  });

  it('refuses a tenant id with characters that do not belong in one', async () => {
    const res = await httpTenant({ 'x-tenant': 'a b/../c' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/invalid tenant id in X-Tenant/);
  });

  it('reads the token and the tenant header from gRPC metadata', async () => {
    const before = h.consumer.exports.length;
    await grpc.export('logs', fixtureProtobuf('logs'), { authorization: 'Bearer s3cret-acme' });
    await grpc.export('logs', fixtureProtobuf('logs'), { 'x-tenant': 'team-9' });
    expect(h.consumer.exports.slice(before).map((e) => e.tenant)).toEqual(['acme', 'team-9']);
  });
});

describe('required bearer auth', () => {
  let h: Harness;
  let grpc: RawGrpcClient;
  beforeAll(async () => {
    h = await startReceivers({ auth: { required: true, tokens: { 'tok-1': 'acme' } } });
    grpc = new RawGrpcClient(h.grpcAddress);
  });
  afterAll(async () => {
    grpc.close();
    await h.close();
  });

  it('answers 401 without a valid token and accepts a valid one over HTTP', async () => {
    const send = (headers: Record<string, string>) =>
      fetch(`${h.httpUrl}/v1/traces`, {
        method: 'POST',
        headers: { ...PROTOBUF, ...headers },
        body: fixtureProtobuf('traces'),
      });
    const missing = await send({ 'x-scope-orgid': 'acme' });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await send({ authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await send({ authorization: 'Basic dG9rLTE6' })).status).toBe(401);
    expect((await send({ authorization: 'Bearer tok-1' })).status).toBe(200);
    expect(h.consumer.exports.map((e) => e.tenant)).toEqual(['acme']);
  });

  it('answers UNAUTHENTICATED without a valid token over gRPC', async () => {
    const refused = await grpc.export('traces', fixtureProtobuf('traces'));
    expect(refused.code).toBe(status.UNAUTHENTICATED);
    expect(refused.details).toMatch(/missing bearer token/);
    const ok = await grpc.export('traces', fixtureProtobuf('traces'), {
      authorization: 'Bearer tok-1',
    });
    expect(ok.code).toBe(status.OK);
  });
});

describe('TLS', () => {
  let dir: string;
  let cert: Buffer;
  let h: Harness;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telepipe-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'));
    h = await startReceivers(
      { tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } },
      'https',
    );
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves OTLP/HTTP over HTTPS', async () => {
    const statusCode = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        `${h.httpUrl}/v1/metrics`,
        { method: 'POST', headers: PROTOBUF, ca: cert },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(fixtureProtobuf('metrics'));
    });
    expect(statusCode).toBe(200);
    expect(h.consumer.exports).toHaveLength(1);
    // Plain HTTP to the TLS listener does not get through.
    await expect(
      fetch(h.httpUrl.replace('https:', 'http:') + '/v1/metrics', {
        method: 'POST',
        headers: PROTOBUF,
        body: fixtureProtobuf('metrics'),
      }),
    ).rejects.toThrow();
  });

  it('serves OTLP/gRPC over TLS and refuses plaintext', async () => {
    const secure = new RawGrpcClient(h.grpcAddress, { credentials: credentials.createSsl(cert) });
    const plain = new RawGrpcClient(h.grpcAddress);
    try {
      expect((await secure.export('logs', fixtureProtobuf('logs'))).code).toBe(status.OK);
      expect((await plain.export('logs', fixtureProtobuf('logs'))).code).toBe(status.UNAVAILABLE);
    } finally {
      secure.close();
      plain.close();
    }
  });
});
