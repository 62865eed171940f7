// Reads Kafka topics back in tests: everything a topic holds at the moment of the call
// (up to its high watermarks), with keys and headers as strings.
import { Kafka, logLevel } from 'kafkajs';
import type { Config } from '../../lib/config/index.ts';
import { uniqueSuffix } from './stack.ts';

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** All records in `topic` now, in offset order per partition. */
export async function readTopic(
  kafka: Config['kafka'],
  topic: string,
  timeoutMs = 60_000,
): Promise<ReadRecord[]> {
  const client = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING });
  const admin = client.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const remaining = new Map(
    ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]),
  );
  const records: ReadRecord[] = [];
  if (remaining.size === 0) return records;

  const consumer = client.consumer({ groupId: `test-read-${uniqueSuffix()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic} took over ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: ({ partition, message }) => {
            const end = remaining.get(partition);
            const offset = Number(message.offset);
            if (end !== undefined && offset < end) {
              records.push({
                topic,
                partition,
                offset,
                key: message.key?.toString() ?? '',
                value: message.value ?? Buffer.alloc(0),
                headers: Object.fromEntries(
                  Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
                ),
              });
              if (offset + 1 >= end) remaining.delete(partition);
            }
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
