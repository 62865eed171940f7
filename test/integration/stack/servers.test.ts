// Proves each server of the local stack really works, over the network, with the
// clients the services use: kafkajs (through lib/kafka), @clickhouse/client, and
// Alertmanager's v2 API.
import { createClient } from '@clickhouse/client';
import { Kafka } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaAdmin } from '../../../lib/kafka/admin.ts';
import { KafkaProducer } from '../../../lib/kafka/producer.ts';
import { silentLogger, testConfig, uniqueSuffix } from '../../support/stack.ts';

const config = testConfig();

describe('Kafka (KRaft, from Maven jars)', () => {
  const admin = new KafkaAdmin(config.kafka, silentLogger);
  afterAll(async () => {
    await admin.deleteTopics([config.kafka.topics.logs]);
    await admin.disconnect();
  });

  it('produces a record with acks=all and consumes it back', async () => {
    const topic = config.kafka.topics.logs;
    await admin.ensureTopics([{ topic, partitions: 1 }]);
    const producer = new KafkaProducer(config.kafka, silentLogger);
    await producer.connect();
    await producer.send([
      { topic, key: 'k1', value: Buffer.from('hello kafka'), headers: { h: 'v' } },
    ]);
    await producer.disconnect();

    const consumer = new Kafka({ brokers: config.kafka.brokers, logLevel: 0 }).consumer({
      groupId: `g_${uniqueSuffix()}`,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ key: string; value: string; header: string }>(
      (resolve) => {
        void consumer.run({
          eachMessage: ({ message }) => {
            resolve({
              key: message.key?.toString() ?? '',
              value: message.value?.toString() ?? '',
              header: message.headers?.h?.toString() ?? '',
            });
            return Promise.resolve();
          },
        });
      },
    );
    await consumer.disconnect();
    expect(received).toEqual({ key: 'k1', value: 'hello kafka', header: 'v' });
  });
});

describe('ClickHouse (Debian package)', () => {
  const client = createClient({ url: config.clickhouse.url });
  const db = config.clickhouse.database;
  afterAll(async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${db}` });
    await client.close();
  });

  it('creates a table, inserts and selects rows', async () => {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
    await client.command({
      query: `CREATE TABLE ${db}.t (id UInt32, name String) ENGINE = MergeTree ORDER BY id`,
    });
    await client.insert({
      table: `${db}.t`,
      values: [
        { id: 2, name: 'b' },
        { id: 1, name: 'a' },
      ],
      format: 'JSONEachRow',
    });
    const rows = await (
      await client.query({
        query: `SELECT id, name FROM ${db}.t ORDER BY id`,
        format: 'JSONEachRow',
      })
    ).json();
    expect(rows).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
  });
});

describe('Alertmanager (Debian package)', () => {
  const base = config.alertmanager.urls[0]!;

  it('accepts an alert on /api/v2/alerts and returns it from the API', async () => {
    const marker = uniqueSuffix();
    const alert = {
      labels: { alertname: 'TelepipeStackTest', marker, severity: 'info' },
      annotations: { summary: 'stack test' },
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 5 * 60_000).toISOString(),
      generatorURL: 'http://127.0.0.1/test',
    };
    const post = await fetch(`${base}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([alert]),
    });
    expect(post.status).toBe(200);
    const res = await fetch(
      `${base}/api/v2/alerts?filter=${encodeURIComponent(`marker="${marker}"`)}`,
    );
    const alerts = (await res.json()) as {
      labels: Record<string, string>;
      status: { state: string };
    }[];
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.labels.alertname).toBe('TelepipeStackTest');
    expect(alerts[0]!.status.state).toBe('active');
  });
});
