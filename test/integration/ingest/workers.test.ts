// `telepipe ingest` with worker processes (services/ingest/workers.ts): requests over many
// connections are answered by the workers after Kafka acknowledged them, the primary's
// admin server reports the workers' readiness and summed metrics, and SIGTERM drains every
// worker and exits 0.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaAdmin } from '../../../lib/kafka/admin.ts';
import { fixtureProtobuf } from '../../unit/ingest/harness.ts';
import { readTopic } from '../../support/kafka-read.ts';
import { freePort, silentLogger, testConfig } from '../../support/stack.ts';

const adminPort = await freePort();
const config = {
  ...testConfig({
    ingest: {
      grpc: { address: '127.0.0.1:0' },
      http: { address: '127.0.0.1:0' },
      adminAddress: `127.0.0.1:${adminPort}`,
      workers: 2,
    },
  }),
  log: { level: 'info' as const },
};

afterAll(async () => {
  const admin = new KafkaAdmin(config.kafka, silentLogger);
  await admin.deleteTopics(Object.values(config.kafka.topics));
  await admin.disconnect();
});

/** POST over a connection of its own (a new connection may go to either worker). */
function post(port: number, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        port,
        host: '127.0.0.1',
        path: '/v1/logs',
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        agent: new Agent({ keepAlive: false }),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('runIngest with ingest.workers = 2', () => {
  it('serves OTLP from worker processes, reports them on the admin server, drains them on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'run-ingest-child.ts'), JSON.stringify(config)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const logs: { msg?: string; httpPort?: number; workers?: number }[] = [];
    const httpPort = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const entry = JSON.parse(line) as (typeof logs)[number];
        logs.push(entry);
        if (entry.msg === 'OTLP ingest listening' && entry.httpPort) resolve(entry.httpPort);
      });
      void exited.then((code) => reject(new Error(`ingest exited early with ${code}`)));
    });
    expect(logs.find((l) => l.msg === 'OTLP ingest listening')?.workers).toBe(2);

    const requests = 20;
    const statuses = await Promise.all(
      Array.from({ length: requests }, () => post(httpPort, fixtureProtobuf('logs'))),
    );
    expect(statuses).toEqual(Array(requests).fill(200));
    // Answered after Kafka acknowledged: the records are there once the answers are.
    const perRequest = (await readTopic(config.kafka, config.kafka.topics.logs)).length / requests;
    expect(perRequest).toBe(2);

    const ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const sent =
      /telepipe_component_items_total\{component="otlp_http_receiver",outcome="sent"\} (\d+)/.exec(
        metrics,
      );
    expect(Number(sent?.[1])).toBeGreaterThan(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Each worker started a whole ingest of its own (the workers log on the same stdout,
    // not in order with the primary), and the primary its admin side.
    expect(logs.filter((l) => l.msg === 'ingest started')).toHaveLength(3);
    expect(logs.filter((l) => l.msg === 'component stopped').length).toBeGreaterThan(2);
  });
});
