// Small zod building blocks shared by the config sections.
import { z } from 'zod';

/** A list that can also be given as a comma-separated string (handy in env overrides). */
export const stringList = (defaults: string[]) =>
  z
    .preprocess(
      (v) =>
        typeof v === 'string'
          ? v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : v,
      z.array(z.string().min(1)),
    )
    .default(defaults);

export const port = (defaultPort: number) =>
  z.number().int().min(0).max(65535).default(defaultPort);

export const positiveInt = (defaultValue: number) =>
  z.number().int().positive().default(defaultValue);

/** host:port an HTTP admin server (health, readiness, metrics) listens on. */
export const listenAddress = (defaultAddress: string) =>
  z
    .string()
    .regex(/^[^:]*:\d{1,5}$/, 'expected host:port, e.g. "0.0.0.0:4318"')
    .default(defaultAddress);
