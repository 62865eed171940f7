// ProcessorWorkers without a stack: worker processes that cannot reach Kafka make the start
// fail with their reason, and leave no process behind (each exits; none is started again).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProcessorWorkers } from '../../../services/processor/workers.ts';
import { silentLogger, testConfig } from '../../support/stack.ts';

/** Processes whose parent is this one and whose command line names `part`. */
function children(part: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(part);
      } catch {
        return false; // exited while listed
      }
    })
    .map(Number);
}

describe('ProcessorWorkers', () => {
  it('fails to start with the reason a worker gives, and leaves no worker running', async () => {
    const config = testConfig();
    config.kafka.brokers = ['127.0.0.1:1'];
    config.kafka.connectionTimeoutMs = 200;
    config.clickhouse.url = 'http://127.0.0.1:1';
    const workers = new ProcessorWorkers({ config, workers: 2, restartMs: 10 }, silentLogger);
    await expect(workers.start()).rejects.toThrow(/Kafka at 127\.0\.0\.1:1 is unreachable/);
    await new Promise((resolve) => setTimeout(resolve, 200)); // past restartMs
    expect(children('worker-process')).toEqual([]);
    expect(workers.running).toBe(false);
  }, 60_000);
});
