import { z } from 'zod';

export const redactionSchema = z
  .object({
    enabled: z.boolean().default(true),
  })
  .strict()
  .prefault({});
