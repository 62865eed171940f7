import { z } from 'zod';
import { port } from '../fields.ts';

/** The local stack of real servers started by `telepipe stack up`. */
export const stackSchema = z
  .object({
    /** Where state, data, logs and pid files live (git-ignored). */
    dir: z.string().default('.telepipe'),
    /** `auto` uses docker-compose when `docker info` works, else the native servers. */
    mode: z.enum(['auto', 'native', 'docker']).default('auto'),
    kafka: z
      .object({ port: port(9092), controllerPort: port(19093) })
      .strict()
      .prefault({}),
    clickhouse: z
      .object({ httpPort: port(8123), tcpPort: port(9000), interserverPort: port(19009) })
      .strict()
      .prefault({}),
    alertmanager: z
      .object({ port: port(9093), clusterPort: port(19094) })
      .strict()
      .prefault({}),
    startTimeoutMs: z.number().int().positive().default(120000),
  })
  .strict()
  .prefault({});
