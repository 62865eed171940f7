import { describe, expect, it } from 'vitest';
import { BaseComponent } from '../../../lib/component.ts';
import { loadConfig } from '../../../lib/config/index.ts';
import { Service } from '../../../lib/service.ts';
import { silentLogger } from '../../support/stack.ts';

class Step extends BaseComponent {
  stopped = false;
  constructor(
    readonly name: string,
    private readonly fail: boolean,
  ) {
    super();
  }
  protected onStart(): Promise<void> {
    return this.fail ? Promise.reject(new Error(`${this.name} cannot start`)) : Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}

describe('Service.start', () => {
  it('shuts down what did start when a later component fails, and reports the failure', async () => {
    const first = new Step('first', false);
    const service = new Service({
      name: 'failing',
      config: loadConfig({ env: {} }),
      adminAddress: '127.0.0.1:0',
      components: [first, new Step('second', true)],
      logger: silentLogger,
    });
    await expect(service.start()).rejects.toThrow('second cannot start');
    expect(first.stopped).toBe(true);
    expect(first.running).toBe(false);
    expect(service.adminPort()).toBe(0);
  });
});
