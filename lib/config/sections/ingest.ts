import { z } from 'zod';
import { listenAddress } from '../fields.ts';

export const ingestSchema = z
  .object({
    /** Health, readiness and Prometheus metrics of the ingest service. */
    adminAddress: listenAddress('127.0.0.1:8888'),
  })
  .strict()
  .prefault({});
