// Token matching and the page server's access decisions, without a server (the HTTP behaviour
// is test/integration/worker/page-auth.test.ts): constant-time matching of every token, tenant
// scoping, the webhook token's own door, tokens from files and their errors.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bearerToken, TokenSet } from '../../../lib/auth/bearer.ts';
import { parseConfig } from '../../../lib/config/index.ts';
import { loopbackOnly } from '../../../lib/http/server.ts';
import { PageAuth } from '../../../services/anomaly-worker/page-auth.ts';

const secretFile = (text: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'telepipe-tokens-')), 'tokens');
  writeFileSync(file, text);
  return file;
};

const A = 'token-of-acme-0000000000';
const ALL = 'token-of-every-tenant-000';
const HOOK = 'token-of-the-webhook-0000';

describe('bearer tokens', () => {
  it('reads only the Bearer scheme', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('matches whole tokens only, whatever their length', () => {
    const set = new TokenSet([
      ['first', 1],
      ['second', 2],
    ] as const);
    expect(set.match('second')).toBe(2);
    expect(set.match('secon')).toBeUndefined();
    expect(set.match('second2')).toBeUndefined();
    expect(set.match('')).toBeUndefined();
  });
});

describe('page auth', () => {
  const auth = new PageAuth(
    [
      { token: A, tenant: 'acme' },
      { token: ALL, tenant: '*' },
    ],
    HOOK,
  );

  it('scopes a tenant token to its tenant and an all-tenants token to all', () => {
    const a = auth.pages(`Bearer ${A}`);
    expect(a.ok && a.mayRead('acme')).toBe(true);
    expect(a.ok && a.mayRead('globex')).toBe(false);
    const all = auth.pages(`Bearer ${ALL}`);
    expect(all.ok && all.mayRead('globex')).toBe(true);
  });

  it('keeps the webhook token for the webhook', () => {
    expect(auth.webhook(`Bearer ${HOOK}`).ok).toBe(true);
    expect(auth.webhook(`Bearer ${ALL}`)).toMatchObject({ ok: false, status: 403 });
    expect(auth.pages(`Bearer ${HOOK}`)).toMatchObject({ ok: false, status: 403 });
    expect(auth.webhook(undefined)).toMatchObject({ ok: false, status: 401 });
  });

  it('is off without any token, and on with only a webhook token', () => {
    const open = new PageAuth([], '');
    expect(open.enabled).toBe(false);
    expect(open.pages(undefined).ok).toBe(true);
    expect(new PageAuth([], HOOK).pages(undefined)).toMatchObject({ ok: false, status: 401 });
  });

  it('reads tokens from files, as a mounted Secret holds them', () => {
    const config = parseConfig({
      worker: {
        page: {
          auth: {
            tokensFile: secretFile(`- token: ${A}\n  tenant: acme\n`),
            webhookTokenFile: secretFile(`${HOOK}\n`),
          },
        },
      },
    }).worker.page.auth;
    const fromFiles = PageAuth.fromConfig(config);
    expect(fromFiles.pages(`Bearer ${A}`).ok).toBe(true);
    expect(fromFiles.webhook(`Bearer ${HOOK}`).ok).toBe(true);
  });

  it('names the field and the problem of a bad tokens file', () => {
    const base = parseConfig({}).worker.page.auth;
    expect(() => PageAuth.fromConfig({ ...base, tokensFile: '/nonexistent/tokens.yaml' })).toThrow(
      /worker\.page\.auth\.tokensFile: cannot read \/nonexistent\/tokens\.yaml/,
    );
    expect(() =>
      PageAuth.fromConfig({ ...base, tokensFile: secretFile('- token: short\n  tenant: a\n') }),
    ).toThrow(/worker\.page\.auth\.tokensFile: .* 0\.token: tokens must be at least 16 characters/);
  });

  it('validates tokens in the config', () => {
    expect(() =>
      parseConfig({ worker: { page: { auth: { tokens: [{ token: 'short', tenant: 'a' }] } } } }),
    ).toThrow(/worker\.page\.auth\.tokens\.0\.token: tokens must be at least 16 characters/);
    expect(() =>
      parseConfig({ worker: { page: { auth: { webhookToken: HOOK, webhookTokenFile: '/x' } } } }),
    ).toThrow(/webhookToken or webhookTokenFile, not both/);
  });

  it('moves a server without tokens to loopback', () => {
    expect(loopbackOnly('0.0.0.0:8891')).toBe('127.0.0.1:8891');
    expect(loopbackOnly(':8891')).toBe('127.0.0.1:8891');
    expect(loopbackOnly('127.0.0.1:0')).toBe('127.0.0.1:0');
  });
});
