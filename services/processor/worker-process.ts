// One worker of a multi-process processor (ProcessorWorkers, workers.ts): started by the
// parent with a config, it runs a whole one-process processor until the parent asks it to
// stop or goes away. Signals are the parent's to handle: a Ctrl-C reaches the whole
// process group, and the parent then stops each worker the graceful way.
import type { ComponentStats } from '../../lib/component.ts';
import type { Service } from '../../lib/service.ts';
import { createProcessorService } from './main.ts';
import type { FromWorker, ToWorker } from './workers.ts';

const STATS_INTERVAL_MS = 1000;

let service: Service | undefined;
let stopping: Promise<void> | undefined;

const send = (message: FromWorker): void => {
  if (process.connected) process.send?.(message);
};

/** Leaves with `code` once the last message is out (a disconnected parent gets none). */
function exit(code: number, last?: FromWorker): void {
  if (!last || !process.connected || !process.send) process.exit(code);
  else process.send(last, () => process.exit(code));
}

function stats(running: Service): ComponentStats {
  const byName = new Map(running.components.map((c) => [c.name, c.stats()]));
  const dropped = [...byName.values()].reduce((n, s) => n + s.dropped, 0);
  return {
    received: byName.get('kafka_otlp_receiver')?.received ?? 0,
    sent: byName.get('clickhouse_writer')?.sent ?? 0,
    dropped,
  };
}

function stop(): Promise<void> {
  stopping ??= (async () => {
    let code = 0;
    try {
      await service?.shutdown();
    } catch {
      code = 1; // the service logged why; the parent sees the exit code
    }
    exit(code, service ? { type: 'stats', stats: stats(service) } : undefined);
  })();
  return stopping;
}

async function start(message: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  try {
    service = (await createProcessorService(message.config)).service;
  } catch (err) {
    exit(1, { type: 'failed', message: err instanceof Error ? err.message : String(err) });
    return;
  }
  const running = service;
  setInterval(() => send({ type: 'stats', stats: stats(running) }), STATS_INTERVAL_MS).unref();
  send({ type: 'started' });
}

process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.on('disconnect', () => void stop());
process.on('message', (message: ToWorker) => {
  if (message.type === 'start') void start(message);
  else if (message.type === 'shutdown') void stop();
  else if (message.type === 'metrics' && service) {
    const { id } = message;
    service.registry
      .getMetricsAsJSON()
      .then((metrics) => send({ type: 'metrics', id, metrics }))
      .catch(() => send({ type: 'metrics', id, metrics: [] }));
  }
});
// The imports above are what takes long; the parent starts the workers together after it.
send({ type: 'loaded' });
