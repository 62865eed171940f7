// Shared setup of the processor integration tests: a per-test config (own topics,
// database, consumer group), the migrated database, and the in-process service
// (test/support/processor.ts), plus reading the admin server and topics back.
import { pino } from 'pino';
import type { Config } from '../../../lib/config/index.ts';
import type { IncomingRecord } from '../../../lib/kafka/group-consumer.ts';
import { KafkaGroupConsumer } from '../../../lib/kafka/group-consumer.ts';
import type { Service } from '../../../lib/service.ts';
import { waitUntil } from '../../../infra/stack/processes.ts';
import { uniqueSuffix } from '../../support/stack.ts';

export { prepare, processorTestConfig, startProcessor } from '../../support/processor.ts';

export async function admin(
  service: Service,
  path: string,
): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${service.adminPort()}${path}`);
  return { status: res.status, body: await res.text() };
}

/** A metric's value from the Prometheus text, summed over matching label sets. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Reads `expected` records from a topic with a throwaway consumer group. */
export async function readTopic(
  config: Config,
  topic: string,
  expected: number,
  timeoutMs = 60_000,
): Promise<IncomingRecord[]> {
  const records: IncomingRecord[] = [];
  const consumer = new KafkaGroupConsumer(config.kafka, pino({ level: 'silent' }), {
    groupId: `test_reader_${uniqueSuffix()}`,
    topics: [topic],
    fromBeginning: true,
    partitionsConsumedConcurrently: 1,
    sessionTimeoutMs: 10_000,
    maxBytesPerPartition: 1024 * 1024,
  });
  await consumer.start((batch) => {
    records.push(...batch.records);
    return Promise.resolve();
  });
  try {
    await waitUntil(() => Promise.resolve(records.length >= expected), timeoutMs, 200);
  } finally {
    await consumer.stop();
  }
  return records;
}
