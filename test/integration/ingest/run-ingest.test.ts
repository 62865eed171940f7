// runIngest as a process: it serves OTLP, and SIGTERM drains and exits 0.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaAdmin } from '../../../lib/kafka/admin.ts';
import { fixtureProtobuf } from '../../unit/ingest/harness.ts';
import { readTopic } from '../../support/kafka-read.ts';
import { silentLogger, testConfig } from '../../support/stack.ts';

const config = {
  ...testConfig({
    ingest: {
      grpc: { address: '127.0.0.1:0' },
      http: { address: '127.0.0.1:0' },
      adminAddress: '127.0.0.1:0',
    },
  }),
  log: { level: 'info' as const },
};

afterAll(async () => {
  const admin = new KafkaAdmin(config.kafka, silentLogger);
  await admin.deleteTopics(Object.values(config.kafka.topics));
  await admin.disconnect();
});

describe('runIngest', () => {
  it('serves OTLP until SIGTERM, then shuts down gracefully with exit code 0', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'run-ingest-child.ts'), JSON.stringify(config)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const logs: { msg?: string; httpPort?: number }[] = [];
    const httpPort = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; httpPort?: number };
        logs.push(entry);
        if (entry.msg === 'OTLP ingest listening' && entry.httpPort) resolve(entry.httpPort);
      });
      void exited.then((code) => reject(new Error(`ingest exited early with ${code}`)));
    });

    const res = await fetch(`http://127.0.0.1:${httpPort}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: fixtureProtobuf('logs'),
    });
    expect(res.status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs.some((l) => l.msg === 'component stopped')).toBe(true);
    expect(await readTopic(config.kafka, config.kafka.topics.logs)).toHaveLength(2);
  });
});
