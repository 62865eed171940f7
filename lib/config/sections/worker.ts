import { z } from 'zod';
import { listenAddress } from '../fields.ts';

export const workerSchema = z
  .object({
    /** Health, readiness and Prometheus metrics of the worker service. */
    adminAddress: listenAddress('127.0.0.1:8890'),
  })
  .strict()
  .prefault({});
