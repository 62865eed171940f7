import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../lib/config/index.ts';

describe('worker config', () => {
  it('runs with no file: the local stack defaults', () => {
    const { worker } = loadConfig({ env: {} });
    expect(worker.adminAddress).toBe('127.0.0.1:8890');
    expect(worker.stepSeconds).toBe(15);
    expect(worker.shard).toEqual({ count: 1, podName: '' });
    expect(worker.alerts).toMatchObject({
      alertname: 'GoRuntimeAnomaly',
      pendingSteps: 3,
      resolveSteps: 4,
    });
    expect(worker.signals.goroutines.map((s) => s.metric)).toEqual([
      'go.goroutine.count',
      'process.runtime.go.goroutines',
      'go_goroutines',
    ]);
  });

  it('takes overrides from the environment', () => {
    const { worker } = loadConfig({
      env: {
        TELEPIPE_WORKER__SHARD__COUNT: '3',
        TELEPIPE_WORKER__SHARD__INDEX: '1',
        TELEPIPE_WORKER__PAGE__EXTERNAL_URL: 'https://worker.example.com',
      },
    });
    expect(worker.shard).toMatchObject({ count: 3, index: 1 });
    expect(worker.page.externalUrl).toBe('https://worker.example.com');
  });

  it('replaces a signal mapping and validates it', () => {
    const config = parseConfig({
      worker: { signals: { goroutines: [{ metric: 'my_goroutines', read: 'gauge' }] } },
    });
    expect(config.worker.signals.goroutines).toEqual([
      {
        metric: 'my_goroutines',
        read: 'gauge',
        scale: 1,
        attributes: {},
        quantile: 0.99,
        windowSteps: 1,
      },
    ]);
    expect(() =>
      parseConfig({ worker: { signals: { goroutines: [{ metric: 'x', read: 'average' }] } } }),
    ).toThrow(/worker.signals.goroutines.0.read/);
    expect(() => parseConfig({ worker: { signals: { threads: [] } } })).toThrow(/worker.signals/);
  });

  it('refuses an endsAt that would lapse between re-sends, and a bad replay time', () => {
    expect(() =>
      parseConfig({ worker: { alerts: { resendIntervalSeconds: 300, expireAfterSeconds: 120 } } }),
    ).toThrow(/expireAfterSeconds must be longer/);
    expect(() => parseConfig({ worker: { replay: { from: 'yesterday' } } })).toThrow(
      /worker.replay.from/,
    );
  });

  it('maps threshold alerts to series for the webhook, from a file or the environment', () => {
    const { worker } = loadConfig({
      env: {
        TELEPIPE_WORKER__ENRICHMENT__ALERT_SIGNALS: '{"HighGoroutines": "goroutines"}',
        TELEPIPE_WORKER__ENRICHMENT__HOLD_SECONDS: '1800',
      },
    });
    expect(worker.enrichment).toEqual({
      tenantLabels: ['tenant', 'tenant_id'],
      defaultTenant: 'default',
      serviceLabels: ['service', 'service_name', 'job'],
      instanceLabels: ['instance', 'pod', 'service_instance_id'],
      alertSignals: { HighGoroutines: 'goroutines' },
      lookbackSeconds: 300,
      maxWaitSeconds: 300,
      pendingWaitSeconds: 90,
      holdSeconds: 1800,
    });
    expect(() =>
      parseConfig({ worker: { enrichment: { alertSignals: { HighCpu: 'cpu' } } } }),
    ).toThrow(/worker.enrichment.alertSignals.HighCpu/);
    expect(() => parseConfig({ worker: { enrichment: { serviceLabels: [] } } })).toThrow(
      /worker.enrichment.serviceLabels/,
    );
  });
});
