import { z } from 'zod';
import { listenAddress } from '../fields.ts';

export const processorSchema = z
  .object({
    /** Health, readiness and Prometheus metrics of the processor service. */
    adminAddress: listenAddress('127.0.0.1:8889'),
  })
  .strict()
  .prefault({});
