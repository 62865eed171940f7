import { describe, expect, it } from 'vitest';
import { BaseComponent } from '../../../lib/component.ts';

class RecordingComponent extends BaseComponent {
  readonly name = 'recording';
  readonly calls: string[] = [];
  failNextStart = false;
  protected async onStart(): Promise<void> {
    await Promise.resolve();
    if (this.failNextStart) {
      this.failNextStart = false;
      throw new Error('boom');
    }
    this.calls.push('start');
  }
  protected async onShutdown(): Promise<void> {
    await Promise.resolve();
    this.calls.push('shutdown');
  }
}

describe('BaseComponent lifecycle', () => {
  it('starts once, shuts down once even when called twice, and restarts', async () => {
    const c = new RecordingComponent();
    await Promise.all([c.start(), c.start()]);
    await Promise.all([c.shutdown(), c.shutdown()]);
    await c.shutdown();
    await c.start();
    expect(c.calls).toEqual(['start', 'shutdown', 'start']);
    expect(c.running).toBe(true);
  });

  it('stays stopped after a failed start and can start again', async () => {
    const c = new RecordingComponent();
    c.failNextStart = true;
    await expect(c.start()).rejects.toThrow('boom');
    expect(c.running).toBe(false);
    await c.shutdown();
    await c.start();
    expect(c.calls).toEqual(['start']);
  });
});
