// Who sent a request: the tenant a bearer token maps to, else the tenant header, else the
// default tenant. With auth.required, a request without a known token is refused.
import { invalidArgument, TelepipeError } from '../../lib/errors.ts';
import type { IngestConfig } from '../../lib/config/sections/ingest.ts';

/** Reads a request header (HTTP) or metadata value (gRPC) by lower-case name. */
export type HeaderReader = (name: string) => string | undefined;

// Tenant ids end up in Kafka headers, ClickHouse columns and alert labels: keep them plain.
const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const BEARER = /^Bearer\s+(\S+)\s*$/i;

export class TenantResolver {
  private readonly tokens: Map<string, string>;
  private readonly header: string;

  constructor(
    private readonly auth: IngestConfig['auth'],
    private readonly tenant: IngestConfig['tenant'],
  ) {
    this.tokens = new Map(Object.entries(auth.tokens));
    this.header = tenant.header.toLowerCase();
  }

  /** The request's tenant; throws unauthenticated or invalid_argument. */
  resolve(header: HeaderReader): string {
    const token = BEARER.exec(header('authorization') ?? '')?.[1];
    const fromToken = token === undefined ? undefined : this.tokens.get(token);
    if (fromToken !== undefined) return fromToken;
    if (this.auth.required) {
      throw new TelepipeError(
        'unauthenticated',
        token === undefined
          ? 'missing bearer token: send "Authorization: Bearer <token>"'
          : 'unknown bearer token',
      );
    }
    const claimed = header(this.header);
    if (claimed === undefined || claimed === '') return this.tenant.default;
    if (!TENANT_ID.test(claimed)) {
      throw invalidArgument(
        `invalid tenant id in ${this.tenant.header}: use 1-128 letters, digits, '_', '.' or '-'`,
      );
    }
    return claimed;
  }
}
