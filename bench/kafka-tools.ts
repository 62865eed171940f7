// The Kafka distribution's own tools, run from the local stack's broker jars
// (.telepipe/kafka/libs): the producer ceiling and client quotas for the benches.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** Runs `java <mainClass> <args>` on the broker's classpath; throws with its output on failure. */
export function runKafkaTool(mainClass: string, args: string[]): string {
  const result = spawnSync(
    'java',
    [
      '-Xmx512m',
      `-Dlog4j2.configurationFile=${join(REPO, 'infra/kafka/log4j2.properties')}`,
      '-cp',
      `${join(REPO, '.telepipe/kafka/libs')}/*`,
      mainClass,
      ...args,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) {
    throw new Error(`${mainClass} exited with ${result.status}:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

/**
 * Sets (or with `null` removes) the broker's produce quota for one client id: the broker then
 * delays that client's produce answers to hold it to `bytesPerSecond`.
 */
export function setProducerQuota(
  brokers: readonly string[],
  clientId: string,
  bytesPerSecond: number | null,
): void {
  const change =
    bytesPerSecond === null
      ? ['--delete-config', 'producer_byte_rate']
      : ['--add-config', `producer_byte_rate=${Math.round(bytesPerSecond)}`];
  runKafkaTool('kafka.admin.ConfigCommand', [
    '--bootstrap-server',
    brokers.join(','),
    '--alter',
    '--entity-type',
    'clients',
    '--entity-name',
    clientId,
    ...change,
  ]);
}
