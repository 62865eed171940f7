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
