// Runbook hints per signal and the co-movement text of an alert, from hand-made score rows.
import { describe, expect, it } from 'vitest';
import type { OutboxAlert } from '../../../lib/alertmanager/outbox.ts';
import type { StepScore } from '../../../models/step-score.ts';
import { workerSchema } from '../../../lib/config/sections/worker.ts';
import { AlertRouter } from '../../../services/anomaly-worker/alert-router.ts';
import {
  coMovement,
  RUNBOOK_HINTS,
  runbookHint,
} from '../../../services/anomaly-worker/runbook.ts';

const ID = { tenant: 'acme', service: 'checkout', instance: 'checkout-1' };

/** A step where `drivingSignal` fired; observed/expected per signal as given. */
function step(
  drivingSignal: string,
  values: Record<string, [observed: number, expected: number]>,
): StepScore {
  const observed = Object.fromEntries(Object.entries(values).map(([s, [o]]) => [s, o]));
  const expected = Object.fromEntries(Object.entries(values).map(([s, [, e]]) => [s, e]));
  return {
    key: 'k',
    timestampMs: Date.UTC(2026, 0, 1, 12, 0, 0),
    method: 'lstm',
    modelVersion: 'v1',
    observed,
    expected,
    lower: expected,
    upper: expected,
    forecast: expected,
    signalErrors: Object.fromEntries(Object.keys(values).map((s) => [s, 1])),
    score: 0.9,
    ratio: 1.7,
    anomalous: true,
    drivingSignal,
    reason: 'spike',
    direction: 'up',
  };
}

function fire(
  score: StepScore,
  config: { runbookUrls?: Record<string, string>; correlationFactor?: number } = {},
): OutboxAlert {
  const sent: OutboxAlert[] = [];
  const router = new AlertRouter(
    {
      alertname: 'GoRuntimeAnomaly',
      severity: 'warning',
      labels: {},
      persistSteps: 1,
      resolveSteps: 1,
      ...config,
    },
    { sink: { send: (_key, alert) => sent.push(alert) }, pageUrl: () => 'http://worker:8891' },
  );
  expect(router.observe(ID, score)).toBe('fired');
  return sent[0]!;
}

const NORMAL: Record<string, [number, number]> = {
  goroutines: [200, 200],
  gc_pause_p99: [0.003, 0.003],
  gc_pause_total: [0.004, 0.004],
  heap_inuse: [64e6, 64e6],
  latency_p99: [0.2, 0.2],
  request_rate: [10, 10],
};

describe('runbook hints', () => {
  it.each([
    ['goroutines', ['/debug/pprof/goroutine?debug=2', 'previous deploy', 'channel', 'context']],
    ['gc_pause_p99', ['GOGC', 'GOMEMLIMIT', 'container', 'allocation rate', 'heap profile']],
    ['gc_pause_total', ['GOGC', 'GOMEMLIMIT', 'allocation rate', 'heap profile']],
    ['heap_inuse', ['/debug/pprof/heap', 'GOMEMLIMIT', 'memory limit', 'OOMKilled']],
    ['latency_p99', ['routes', 'downstream', 'CPU throttling', 'readiness-probe timeouts']],
    ['request_rate', ['routes', 'downstream', 'CPU throttling', 'readiness-probe timeouts']],
  ])('%s: the alert carries its hint in `runbook`', (signal, phrases) => {
    const alert = fire(step(signal, { ...NORMAL, [signal]: [100, 10] }));
    expect(alert.labels.signal).toBe(signal);
    expect(alert.annotations.runbook).toBe(RUNBOOK_HINTS[signal as keyof typeof RUNBOOK_HINTS]);
    for (const phrase of phrases) expect(alert.annotations.runbook).toContain(phrase);
  });

  it('has a generic hint for a signal it does not know', () => {
    expect(runbookHint('something_else')).toMatch(/previous deploy/);
  });

  it('adds runbook_url only for signals with a configured URL', () => {
    const urls = { heap_inuse: 'https://wiki.example.com/heap' };
    const heap = fire(step('heap_inuse', { ...NORMAL, heap_inuse: [256e6, 64e6] }), {
      runbookUrls: urls,
    });
    expect(heap.annotations.runbook_url).toBe('https://wiki.example.com/heap');
    const goroutines = fire(step('goroutines', { ...NORMAL, goroutines: [800, 200] }), {
      runbookUrls: urls,
    });
    expect(goroutines.annotations).not.toHaveProperty('runbook_url');
    expect(fire(step('goroutines', NORMAL)).annotations).not.toHaveProperty('runbook_url');
  });
});

describe('co-movement', () => {
  it('names the signals beyond the factor, largest first, and the flat ones', () => {
    const alert = fire(
      step('goroutines', {
        ...NORMAL,
        goroutines: [800, 200],
        latency_p99: [0.62, 0.2],
        request_rate: [4, 10],
      }),
    );
    expect(alert.annotations.correlated).toBe(
      'goroutines ×4.0 while latency_p99 ×3.1, request_rate ×0.4, gc_pause_p99, gc_pause_total, heap_inuse flat',
    );
  });

  it('reads like the example: one mover with the alert signal, one flat', () => {
    expect(
      coMovement(
        'goroutines',
        { goroutines: 800, latency_p99: 0.62, heap_inuse: 64e6 },
        { goroutines: 200, latency_p99: 0.2, heap_inuse: 65e6 },
        1.5,
      ),
    ).toBe('goroutines ×4.0 while latency_p99 ×3.1, heap_inuse flat');
  });

  it('uses the configured factor: 1.4× is flat at 1.5 and moved at 1.2', () => {
    const values = {
      heap_inuse: [3, 1] as [number, number],
      gc_pause_p99: [1.4, 1] as [number, number],
    };
    expect(fire(step('heap_inuse', values)).annotations.correlated).toBe(
      'heap_inuse ×3.0 while gc_pause_p99 flat',
    );
    expect(
      fire(step('heap_inuse', values), { correlationFactor: 1.2 }).annotations.correlated,
    ).toBe('heap_inuse ×3.0 while gc_pause_p99 ×1.4');
  });

  it('counts a drop below 1 / factor as a move', () => {
    expect(
      coMovement(
        'request_rate',
        { request_rate: 1, latency_p99: 0.1 },
        { request_rate: 10, latency_p99: 0.3 },
        2,
      ),
    ).toBe('request_rate ×0.1 while latency_p99 ×0.33');
  });

  it('leaves out signals not observed or without a ratio; 0 vs 0 is flat', () => {
    expect(
      coMovement(
        'goroutines',
        { goroutines: 900, heap_inuse: Number.NaN, gc_pause_total: 0, latency_p99: 0.5 },
        { goroutines: 300, heap_inuse: 64e6, gc_pause_total: 0, latency_p99: 0 },
        1.5,
      ),
    ).toBe('goroutines ×3.0 while gc_pause_total flat');
    expect(coMovement('goroutines', { goroutines: 900 }, { goroutines: 300 }, 1.5)).toBe(
      'goroutines ×3.0',
    );
  });

  it('still names the alert signal when it has no ratio', () => {
    expect(coMovement('gc_pause_total', { gc_pause_total: 0.5 }, { gc_pause_total: 0 }, 1.5)).toBe(
      'gc_pause_total (no ratio)',
    );
  });
});

describe('worker.alerts runbook config', () => {
  it('defaults to no URLs and factor 1.5', () => {
    const alerts = workerSchema.parse({}).alerts;
    expect(alerts.runbookUrls).toEqual({});
    expect(alerts.correlationFactor).toBe(1.5);
  });

  it('accepts URLs per signal and rejects unknown signals, non-URLs and a factor ≤ 1', () => {
    expect(
      workerSchema.parse({ alerts: { runbookUrls: { goroutines: 'https://wiki/g' } } }).alerts
        .runbookUrls,
    ).toEqual({ goroutines: 'https://wiki/g' });
    expect(() =>
      workerSchema.parse({ alerts: { runbookUrls: { gorutines: 'https://x' } } }),
    ).toThrow();
    expect(() =>
      workerSchema.parse({ alerts: { runbookUrls: { goroutines: 'not a url' } } }),
    ).toThrow();
    expect(() => workerSchema.parse({ alerts: { correlationFactor: 1 } })).toThrow();
  });
});
