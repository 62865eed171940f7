import { z } from 'zod';
import { stringList } from '../fields.ts';

export const logSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict()
  .prefault({});

/** OpenTelemetry self-tracing of telepipe's own services; off unless an endpoint is set. */
export const telemetrySchema = z
  .object({
    otlpEndpoint: z.string().default(''),
    sampleRatio: z.number().min(0).max(1).default(1),
  })
  .strict()
  .prefault({});

export const kafkaSchema = z
  .object({
    brokers: stringList(['127.0.0.1:9092']),
    clientId: z.string().default('telepipe'),
    topics: z
      .object({
        metrics: z.string().default('otlp_metrics'),
        logs: z.string().default('otlp_logs'),
        traces: z.string().default('otlp_spans'),
        deadLetter: z.string().default('otlp_dead_letter'),
      })
      .strict()
      .prefault({}),
    /** Partitions and replication used when telepipe creates a missing topic. */
    partitions: z.number().int().positive().default(6),
    replicationFactor: z.number().int().positive().default(1),
    connectionTimeoutMs: z.number().int().positive().default(3000),
    requestTimeoutMs: z.number().int().positive().default(30000),
  })
  .strict()
  .prefault({});

/** One tenant's read-only ClickHouse user (lib/tenants, docs/tenants.md). */
const tenantReaderSchema = z
  .object({
    /** The TenantId value the user's reads are restricted to. */
    tenant: z.string().min(1),
    /**
     * SHA-256 (hex) of the user's password; the password itself never goes into a config file.
     * Unset: `telepipe migrate` generates one for a user it creates and prints it once.
     */
    passwordSha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits (sha256 of the password)')
      .optional(),
  })
  .strict();

export const tenantsSchema = z
  .object({
    /** Each tenant's user is this prefix plus the tenant (non-identifier characters replaced). */
    userPrefix: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an identifier prefix, e.g. "telepipe_tenant_"')
      .default('telepipe_tenant_'),
    /**
     * Old servers (18.16) only: the server's users.d folder, where one users file per tenant is
     * written (the server reloads it). Empty = the local stack's `<stack.dir>/clickhouse/users.d`.
     */
    usersDir: z.string().default(''),
    /** Addresses the tenant users may connect from (CIDR or IP); both dialects. */
    networks: stringList(['::/0']),
    /** Tenants `telepipe migrate` creates (or updates) a read-only user for. */
    readers: z
      .array(tenantReaderSchema)
      .default([])
      .refine((r) => new Set(r.map((x) => x.tenant)).size === r.length, {
        message: 'each tenant may appear only once in clickhouse.tenants.readers',
      }),
  })
  .strict()
  .prefault({});

export type TenantsConfig = z.infer<typeof tenantsSchema>;

export const clickhouseSchema = z
  .object({
    url: z.string().url().default('http://127.0.0.1:8123'),
    username: z.string().default('default'),
    password: z.string().default(''),
    database: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an identifier')
      .default('telepipe'),
    /** When set, migrations run ON CLUSTER and create Replicated + Distributed tables. */
    cluster: z.string().default(''),
    retentionDays: z.number().int().nonnegative().default(30),
    requestTimeoutMs: z.number().int().positive().default(30000),
    /** Per-tenant read-only users (`telepipe tenants`, docs/tenants.md). */
    tenants: tenantsSchema,
  })
  .strict()
  .prefault({});

export const alertmanagerSchema = z
  .object({
    /** Every URL receives every alert (Alertmanager HA expects that). */
    urls: stringList(['http://127.0.0.1:9093']),
  })
  .strict()
  .prefault({});
