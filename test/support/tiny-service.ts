// A tiny service built on lib/service.ts, run as a child process by the scaffolding test:
// one component, one readiness check that the parent toggles with a file, and one span.
import { existsSync } from 'node:fs';
import { trace } from '@opentelemetry/api';
import { BaseComponent } from '../../lib/component.ts';
import { loadConfig } from '../../lib/config/index.ts';
import { Service } from '../../lib/service.ts';

class TickComponent extends BaseComponent {
  readonly name = 'tick';
  private timer: NodeJS.Timeout | undefined;
  protected onStart(): Promise<void> {
    this.timer = setInterval(() => {
      this.counters.received += 1;
      this.counters.sent += 1;
    }, 10);
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    clearInterval(this.timer);
    return Promise.resolve();
  }
}

const readyFile = process.env.TINY_READY_FILE ?? '';
const service = new Service({
  name: 'tiny',
  config: loadConfig(),
  adminAddress: '127.0.0.1:0',
  components: [new TickComponent()],
  readiness: { dependency: () => Promise.resolve(existsSync(readyFile)) },
  shutdownTimeoutMs: 5000,
});
service.handleSignals();
await service.start();
trace.getTracer('tiny').startActiveSpan('tiny.started', (span) => span.end());
service.log.info({ adminPort: service.adminPort() }, 'tiny ready for test');
