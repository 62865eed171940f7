// The Kafka side of the ingest against the real broker: resources bigger than one record
// are split and still arrive whole and in order, and the producer coalesces concurrent
// sends, honours deadlines and keeps produce requests under the broker's size limit.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaAdmin } from '../../../lib/kafka/admin.ts';
import { KafkaProducer } from '../../../lib/kafka/producer.ts';
import { decodeRequest, encodeRequest, decodeJsonRequest } from '../../../lib/otlp/codec.ts';
import { createIngestService, type IngestService } from '../../../services/ingest/main.ts';
import { readTopic } from '../../support/kafka-read.ts';
import { silentLogger, testConfig } from '../../support/stack.ts';

const config = testConfig({
  ingest: {
    grpc: { address: '127.0.0.1:0' },
    http: { address: '127.0.0.1:0' },
    adminAddress: '127.0.0.1:0',
  },
});
const admin = new KafkaAdmin(config.kafka, silentLogger);

afterAll(async () => {
  await admin.deleteTopics(Object.values(config.kafka.topics));
  await admin.disconnect();
});

describe('ingest with a resource bigger than a Kafka record', () => {
  let ingest: IngestService;
  beforeAll(async () => {
    ingest = await createIngestService(config);
  });
  afterAll(() => ingest.service.shutdown());

  it('splits it over records of the same key that Kafka accepts, keeping every point in order', async () => {
    const points = 30_000;
    const request = decodeJsonRequest(
      'metrics',
      JSON.stringify({
        resourceMetrics: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'huge' } }] },
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'runtime.sample',
                    gauge: {
                      dataPoints: Array.from({ length: points }, (_, i) => ({
                        asInt: String(i),
                        timeUnixNano: String(1700000000000000000n + BigInt(i)),
                        attributes: [{ key: 'worker', value: { stringValue: `w-${i % 50}` } }],
                      })),
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const body = gzipSync(encodeRequest('metrics', request));
    const res = await fetch(`http://127.0.0.1:${ingest.httpPort()}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
      body,
    });
    expect(res.status).toBe(200);

    const records = await readTopic(config.kafka, config.kafka.topics.metrics);
    expect(records.length).toBeGreaterThan(1);
    expect(new Set(records.map((r) => r.key)).size).toBe(1);
    expect(new Set(records.map((r) => r.partition)).size).toBe(1);
    const values = records.flatMap((r) =>
      decodeRequest(
        'metrics',
        r.value,
      ).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.gauge!.dataPoints.map((p) =>
        Number(p.asInt),
      ),
    );
    expect(values).toEqual(Array.from({ length: points }, (_, i) => i));
  });
});

describe('KafkaProducer', () => {
  const topic = config.kafka.topics.logs;
  const producer = new KafkaProducer(config.kafka, silentLogger, { maxBatchBytes: 20_000 });
  beforeAll(async () => {
    await admin.ensureTopics([{ topic, partitions: 1 }]);
    await producer.connect();
  });
  afterAll(() => producer.disconnect());

  const record = (id: string, bytes = 100) => ({
    topic,
    key: 'k',
    value: Buffer.from(id.padEnd(bytes, '.')),
    headers: { id },
  });

  it('resolves concurrent sends after all their records are in Kafka, in order, and counts them', async () => {
    const before = producer.stats();
    const sends = Array.from({ length: 40 }, (_, i) =>
      producer.send(Array.from({ length: 10 }, (_, j) => record(`c${i}-${j}`, 1000))),
    );
    await Promise.all(sends);
    const after = producer.stats();
    // Two sends of 10 kB never fit in one produce request of 20 kB: one request each.
    expect({
      sends: after.sends - before.sends,
      records: after.records - before.records,
      produceRequests: after.produceRequests - before.produceRequests,
    }).toEqual({ sends: 40, records: 400, produceRequests: 40 });
    const ids = (await readTopic(config.kafka, topic))
      .map((r) => r.headers.id!)
      .filter((id) => id.startsWith('c'));
    expect(ids).toEqual(
      Array.from({ length: 40 }, (_, i) =>
        Array.from({ length: 10 }, (_, j) => `c${i}-${j}`),
      ).flat(),
    );
  });

  it('rejects retryably when the deadline has passed and does not write the records', async () => {
    await expect(
      producer.send([record('late')], { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ reason: 'unavailable', kind: 'retryable' });
    await producer.send([record('after')]);
    const ids = (await readTopic(config.kafka, topic)).map((r) => r.headers.id);
    expect(ids).toContain('after');
    expect(ids).not.toContain('late');
  });
});

describe('KafkaProducer with several produce requests in flight and a linger', () => {
  const topic = config.kafka.topics.traces;
  const producer = new KafkaProducer(config.kafka, silentLogger, {
    maxBatchBytes: 20_000,
    maxInFlightRequests: 3,
    lingerMs: 5,
  });
  beforeAll(async () => {
    await admin.ensureTopics([{ topic, partitions: 1 }]);
    await producer.connect();
  });
  afterAll(() => producer.disconnect());

  it('writes every record of concurrent sends exactly once, each send in order', async () => {
    const sends = Array.from({ length: 40 }, (_, i) =>
      producer.send(
        Array.from({ length: 10 }, (_, j) => ({
          topic,
          key: 'k',
          value: Buffer.alloc(1000, j),
          headers: { id: `p${i}-${j}` },
        })),
      ),
    );
    await Promise.all(sends);
    const ids = (await readTopic(config.kafka, topic)).map((r) => r.headers.id!);
    expect([...ids].sort()).toEqual(
      Array.from({ length: 40 }, (_, i) => Array.from({ length: 10 }, (_, j) => `p${i}-${j}`))
        .flat()
        .sort(),
    );
    for (let i = 0; i < 40; i++) {
      const ofSend = ids.filter((id) => id.startsWith(`p${i}-`));
      expect(ofSend).toEqual(Array.from({ length: 10 }, (_, j) => `p${i}-${j}`));
    }
  });

  it('flushes what it took on disconnect, and disconnecting twice is fine', async () => {
    const sent = producer.send([
      { topic, key: 'k', value: Buffer.from('last'), headers: { id: 'last' } },
    ]);
    await producer.disconnect();
    await sent;
    await producer.disconnect();
    expect((await readTopic(config.kafka, topic)).map((r) => r.headers.id)).toContain('last');
  });
});
