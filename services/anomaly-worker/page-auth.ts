// Who may use the page server (page-server.ts). Page tokens (worker.page.auth.tokens and
// tokensFile) open the alert pages and POST /v1/score, each for one tenant or for all ("*");
// the webhook token opens POST /v1/alertmanager/webhook and nothing else. With no token
// configured at all, auth is off and the server listens on localhost only.
// Denials: 401 when no known token was sent, 403 when a known token does not open the thing.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { bearerToken, TokenSet } from '../../lib/auth/bearer.ts';
import {
  ALL_TENANTS,
  pageTokenSchema,
  type PageAuthConfig,
  type PageToken,
} from '../../lib/config/sections/worker.ts';
import { TelepipeError } from '../../lib/errors.ts';
import type { HttpReply } from './json-api.ts';

export type Access =
  | { ok: true; mayRead: (tenant: string) => boolean }
  | { ok: false; status: 401 | 403; code: string; message: string };

const everyTenant = (): boolean => true;

/** What a token was configured for. */
type Grant = { kind: 'tenant'; tenant: string } | { kind: 'all' } | { kind: 'webhook' };

const HOW =
  'send "Authorization: Bearer <token>" with a token of worker.page.auth.tokens (docs/worker.md)';

export class PageAuth {
  private readonly tokens: TokenSet<Grant>;

  constructor(pageTokens: readonly PageToken[], webhookToken: string) {
    const grantOf = (tenant: string): Grant =>
      tenant === ALL_TENANTS ? { kind: 'all' } : { kind: 'tenant', tenant };
    const entries: Array<readonly [string, Grant]> = pageTokens.map(
      ({ token, tenant }) => [token, grantOf(tenant)] as const,
    );
    if (webhookToken) entries.push([webhookToken, { kind: 'webhook' }]);
    this.tokens = new TokenSet(entries);
  }

  /** Tokens from the config and the files it names; file errors name the config field. */
  static fromConfig(config: PageAuthConfig): PageAuth {
    const fromFile = config.tokensFile ? readTokensFile(config.tokensFile) : [];
    const webhook = config.webhookTokenFile
      ? readSecretFile(config.webhookTokenFile, 'worker.page.auth.webhookTokenFile').trim()
      : config.webhookToken;
    return new PageAuth([...config.tokens, ...fromFile], webhook);
  }

  /** False when no token is configured: everything is open, on localhost only. */
  get enabled(): boolean {
    return this.tokens.size > 0;
  }

  /** The alert pages and the score API. */
  pages(authorization: string | undefined): Access {
    if (!this.enabled) return { ok: true, mayRead: everyTenant };
    const grant = this.grantOf(authorization);
    if (!grant.ok) return grant;
    switch (grant.grant.kind) {
      case 'all':
        return { ok: true, mayRead: everyTenant };
      case 'tenant': {
        const own = grant.grant.tenant;
        return { ok: true, mayRead: (tenant) => tenant === own };
      }
      case 'webhook':
        return forbidden(
          'the webhook token opens only POST /v1/alertmanager/webhook; use a page token (worker.page.auth.tokens)',
        );
    }
  }

  /** POST /v1/alertmanager/webhook: the webhook token only. */
  webhook(authorization: string | undefined): Access {
    if (!this.enabled) return { ok: true, mayRead: everyTenant };
    const grant = this.grantOf(authorization);
    if (!grant.ok) return grant;
    return grant.grant.kind === 'webhook'
      ? { ok: true, mayRead: everyTenant }
      : forbidden(
          "this endpoint accepts only the webhook token (worker.page.auth.webhookToken), the one in Alertmanager's http_config.authorization",
        );
  }

  private grantOf(
    authorization: string | undefined,
  ): { ok: true; grant: Grant } | Extract<Access, { ok: false }> {
    const token = bearerToken(authorization);
    if (token === undefined) {
      return {
        ok: false,
        status: 401,
        code: 'unauthenticated',
        message: `missing bearer token: ${HOW}`,
      };
    }
    const grant = this.tokens.match(token);
    return grant
      ? { ok: true, grant }
      : {
          ok: false,
          status: 401,
          code: 'unauthenticated',
          message: `unknown bearer token: ${HOW}`,
        };
  }
}

/** A tenant token asking for another tenant's page or scores. */
export function tenantForbidden(tenant: string): Extract<Access, { ok: false }> {
  return forbidden(
    `this token may not read tenant ${JSON.stringify(tenant)}; use a token of that tenant or of all tenants`,
  );
}

/** A 401 / 403 answer; 401s say which scheme to use, as RFC 6750 asks. */
export function denied(
  access: Extract<Access, { ok: false }>,
  type: 'application/json' | 'text/plain',
): HttpReply {
  const headers: Record<string, string> =
    access.status === 401 ? { 'www-authenticate': 'Bearer realm="telepipe"' } : {};
  return {
    status: access.status,
    type,
    headers,
    body:
      type === 'application/json'
        ? JSON.stringify({ error: access.code, message: access.message })
        : `${access.message}\n`,
  };
}

function forbidden(message: string): Extract<Access, { ok: false }> {
  return { ok: false, status: 403, code: 'forbidden', message };
}

function readSecretFile(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new TelepipeError('config', `${field}: cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** A YAML list of { token, tenant }, as worker.page.auth.tokens. */
function readTokensFile(path: string): PageToken[] {
  const field = 'worker.page.auth.tokensFile';
  let raw: unknown;
  try {
    raw = parseYaml(readSecretFile(path, field));
  } catch (err) {
    if (err instanceof TelepipeError) throw err;
    throw new TelepipeError(
      'config',
      `${field}: ${path} is not valid YAML: ${(err as Error).message}`,
    );
  }
  const parsed = z.array(pageTokenSchema).safeParse(raw ?? []);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
  throw new TelepipeError(
    'config',
    `${field}: ${path} must hold a list of { token, tenant }: ${problems.join('; ')}`,
  );
}
