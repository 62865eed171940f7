// The OTLP ingest service: listeners, TLS, tenants and auth, limits, and how it produces
// to Kafka. Every key is described in docs/ingest.md; the defaults run with no file.
import { z } from 'zod';
import { listenAddress, positiveInt } from '../fields.ts';

const MiB = 1024 * 1024;

const tlsSchema = z
  .object({
    /** PEM certificate (chain) and private key; both set → TLS on both listeners. */
    certFile: z.string().default(''),
    keyFile: z.string().default(''),
  })
  .strict()
  .prefault({})
  .refine((tls) => (tls.certFile === '') === (tls.keyFile === ''), {
    message: 'set both certFile and keyFile to enable TLS, or neither',
  });

const authSchema = z
  .object({
    /** When true, a request without a bearer token listed in `tokens` gets 401 / UNAUTHENTICATED. */
    required: z.boolean().default(false),
    /** Bearer token → tenant id. */
    tokens: z.record(z.string().min(1), z.string().min(1)).default({}),
  })
  .strict()
  .prefault({})
  .refine((auth) => !auth.required || Object.keys(auth.tokens).length > 0, {
    message: 'auth.required is true but auth.tokens is empty: no client could authenticate',
  });

const tenantSchema = z
  .object({
    /** Request header (gRPC metadata key) naming the tenant when no bearer token maps one. */
    header: z.string().min(1).default('X-Scope-OrgID'),
    default: z.string().min(1).default('default'),
  })
  .strict()
  .prefault({});

const limitsSchema = z
  .object({
    /** Largest request body on the wire (HTTP) or gRPC message, compressed or not. */
    maxRequestBytes: positiveInt(4 * MiB),
    /** Largest HTTP body after decompression, enforced while inflating. */
    maxDecompressedBytes: positiveInt(64 * MiB),
    /**
     * Decompressed bytes of all requests being handled at once; beyond it → 429. Decoded
     * requests take about 12 times their protobuf size on the heap.
     */
    maxInFlightBytes: positiveInt(64 * MiB),
    /** Requests being handled at once; beyond it → 429 / RESOURCE_EXHAUSTED. */
    maxInFlightRequests: positiveInt(256),
    /** Seconds clients are told to wait (Retry-After, gRPC RetryInfo) on 429/503. */
    retryAfterSeconds: positiveInt(2),
  })
  .strict()
  .prefault({});

const producerSchema = z
  .object({
    compression: z.enum(['none', 'gzip']).default('none'),
    /** Deadline for Kafka to acknowledge all records of a request; then 503 / UNAVAILABLE. */
    ackTimeoutMs: positiveInt(10_000),
    /**
     * Largest record value; a bigger resource is split into several records. Keep it under the
     * broker's message.max.bytes (1048588 by default).
     */
    maxRecordBytes: positiveInt(1_000_000),
    /**
     * Record bytes per produce request: concurrent requests' records are coalesced up to
     * it. Keep it under the broker's message.max.bytes too.
     */
    batchBytes: positiveInt(1_000_000),
    /** Produce requests in flight at once per worker (one idempotent producer each). */
    maxInFlightRequests: z.number().int().min(1).max(16).default(1),
    /** How long an idle producer waits for more requests before it sends; 0 = at once. */
    lingerMs: z.number().int().min(0).max(1000).default(0),
  })
  .strict()
  .prefault({});

export const ingestSchema = z
  .object({
    /** Health, readiness and Prometheus metrics of the ingest service. */
    adminAddress: listenAddress('127.0.0.1:8888'),
    grpc: z
      .object({ address: listenAddress('0.0.0.0:4317') })
      .strict()
      .prefault({}),
    http: z
      .object({ address: listenAddress('0.0.0.0:4318') })
      .strict()
      .prefault({}),
    tls: tlsSchema,
    auth: authSchema,
    tenant: tenantSchema,
    limits: limitsSchema,
    producer: producerSchema,
    /** On shutdown, how long the listeners wait for requests in progress before closing. */
    drainTimeoutMs: positiveInt(10_000),
    /**
     * Worker processes of `telepipe ingest` (node:cluster), each with its own listeners'
     * share of connections, limits and Kafka producer; 0 = one per core.
     */
    // 1: on the 2-core bench machine a second worker cost 1.3–3.6× the CPU per point
    // (docs/benchmarks.md, peer): it only pays where the ingest has cores to itself.
    workers: z.number().int().min(0).max(256).default(1),
  })
  .strict()
  .prefault({});

export type IngestConfig = z.infer<typeof ingestSchema>;
