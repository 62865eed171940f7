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

  it('takes the detection keys over the detector defaults and rejects the old coldStart section', () => {
    expect(loadConfig({ env: {} }).worker.detection).toEqual({
      minScale: { gc_pause_p99: 0.0005, gc_pause_total: 0.0005 },
    });
    const { worker } = parseConfig({
      worker: {
        detection: {
          minSteps: 8,
          baselineSteps: 512,
          returnPeriodDays: 30,
          modelSkill: 2,
          minScale: { latency_p99: 0.002 },
        },
      },
    });
    expect(worker.detection).toEqual({
      minSteps: 8,
      baselineSteps: 512,
      returnPeriodDays: 30,
      modelSkill: 2,
      minScale: { latency_p99: 0.002 },
    });
    expect(() =>
      parseConfig({ worker: { detection: { minScale: { heap_inuse: -1 } } } }),
    ).toThrow();
    expect(() => parseConfig({ worker: { detection: { baselineSteps: 4 } } })).toThrow();
    expect(() => parseConfig({ worker: { detection: { returnPeriodDays: 0 } } })).toThrow();
    expect(() => parseConfig({ worker: { detection: { threshold: 4 } } })).toThrow();
    expect(() => parseConfig({ worker: { coldStart: { historySteps: 60 } } })).toThrow();
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

  it('derives the GC signals last, and validates derived sources field by field', () => {
    const { worker } = loadConfig({ env: {} });
    expect(worker.signals.gc_pause_p99.at(-1)).toMatchObject({
      metric: 'go.memory.allocated',
      read: 'counterRate',
      derived: 'heap allocation rate',
      unit: 'bytesPerSecond',
    });
    expect(worker.signals.gc_pause_total.at(-1)).toEqual({
      metric: 'go.memory.allocated',
      read: 'gcCycles',
      goal: 'go.memory.gc.goal',
      gogc: 'go.config.gogc',
      derived: 'estimated GC cycles per step',
      unit: 'count',
      onlyWithout: [
        'go.memory.gc.pause.duration',
        'process.runtime.go.gc.pause_ns',
        'process.runtime.go.gc.pause_total_ns',
        'go_gc_duration_seconds',
      ],
    });
    const gcTotal = (source: Record<string, unknown>) => () =>
      parseConfig({ worker: { signals: { gc_pause_total: [source] } } });
    const cycles = { metric: 'a', read: 'gcCycles', goal: 'g', gogc: 'p' };
    expect(gcTotal(cycles)).not.toThrow();
    expect(gcTotal({ metric: 'a', read: 'gcCycles', gogc: 'p' })).toThrow(
      /worker.signals.gc_pause_total.0.goal/,
    );
    expect(gcTotal({ ...cycles, scale: 2 })).toThrow(/Unrecognized key: "scale"/);
    expect(gcTotal({ ...cycles, unit: 'parsecs' })).toThrow(/worker.signals.gc_pause_total.0.unit/);
    expect(gcTotal({ ...cycles, onlyWithout: [] })).toThrow(
      /worker.signals.gc_pause_total.0.onlyWithout/,
    );
    expect(gcTotal({ metric: 'a', read: 'ratio' })).toThrow(/worker.signals.gc_pause_total.0.read/);
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
