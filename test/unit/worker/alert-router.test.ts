// Scores → alerts: fire after the pending steps with the series' labels and the driving
// signal, annotations that explain (which statistic flagged it, and whether a model took part), a
// page link, the same
// label set until resolution, endsAt = now on resolution; a derived signal says what it was
// derived from.
import { describe, expect, it } from 'vitest';
import type { OutboxAlert } from '../../../lib/alertmanager/outbox.ts';
import { workerSchema } from '../../../lib/config/sections/worker.ts';
import type { StepScore } from '../../../models/step-score.ts';
import { AlertRouter } from '../../../services/anomaly-worker/alert-router.ts';

const ID = { tenant: 'acme', service: 'checkout', instance: 'checkout-1' };

function score(anomalous: boolean, overrides: Partial<StepScore> = {}): StepScore {
  return {
    key: 'k',
    timestampMs: Date.UTC(2026, 0, 1, 12, 0, 0),
    method: 'lstm',
    modelVersion: 'v20260101T000000Z',
    observed: { goroutines: anomalous ? 5000 : 120, heap_inuse: 1e8 },
    expected: { goroutines: 118, heap_inuse: 1e8 },
    lower: { goroutines: 90, heap_inuse: 0.9e8 },
    upper: { goroutines: 146, heap_inuse: 1.1e8 },
    forecast: { goroutines: 121, heap_inuse: 1e8 },
    signalErrors: { goroutines: anomalous ? 15 : 0.2, heap_inuse: 0.1 },
    score: anomalous ? 0.97 : 0.01,
    ratio: anomalous ? 2.4 : 0.3,
    anomalous,
    drivingSignal: anomalous ? 'goroutines' : 'heap_inuse',
    reason: 'forecast',
    direction: 'up',
    ...overrides,
  };
}

function setup() {
  const sent: Array<{ key: string; alert: OutboxAlert; urgent: boolean }> = [];
  let now = 1_000_000;
  const router = new AlertRouter(
    {
      alertname: 'GoRuntimeAnomaly',
      severity: 'warning',
      labels: { cluster: 'eu-1', service: 'must-not-win' },
      persistSteps: 2,
      resolveSteps: 2,
    },
    {
      sink: { send: (key, alert, urgent) => sent.push({ key, alert, urgent }) },
      pageUrl: () => 'http://worker:8891',
      now: () => now,
    },
  );
  return { router, sent, advance: (ms: number) => (now += ms), now: () => now };
}

describe('AlertRouter', () => {
  it('fires after the pending steps with identity labels, the driving signal and a page link', () => {
    const { router, sent } = setup();
    expect(router.observe(ID, score(true))).toBe('none');
    expect(sent).toHaveLength(0);
    expect(router.observe(ID, score(true, { timestampMs: Date.UTC(2026, 0, 1, 12, 0, 15) }))).toBe(
      'fired',
    );
    expect(sent).toHaveLength(1);
    const { alert, urgent } = sent[0]!;
    expect(urgent).toBe(true);
    expect(alert.labels).toEqual({
      alertname: 'GoRuntimeAnomaly',
      severity: 'warning',
      tenant: 'acme',
      service: 'checkout',
      instance: 'checkout-1',
      signal: 'goroutines',
      cluster: 'eu-1',
    });
    expect(alert.endsAtMs).toBeNull();
    expect(alert.annotations.summary).toBe(
      'Goroutines of checkout (checkout-1) is anomalous: 5000 vs expected 118',
    );
    expect(alert.annotations).toMatchObject({
      observed: '5000',
      expected: '118',
      score: '0.970',
      model_version: 'v20260101T000000Z',
      method: 'lstm',
    });
    const url = new URL(alert.generatorURL!);
    expect(url.origin + url.pathname).toBe('http://worker:8891/alert');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: 'acme',
      service: 'checkout',
      instance: 'checkout-1',
      signal: 'goroutines',
      at: String(Date.UTC(2026, 0, 1, 12, 0, 15)),
    });
  });

  it('names the statistic that flagged the step and the model behind it', () => {
    const { router, sent } = setup();
    router.observe(ID, score(true));
    router.observe(ID, score(true));
    const annotations = sent[0]!.alert.annotations;
    expect(annotations.detector).toBe('forecast up');
    expect(annotations.description).toMatch(
      /Flagged by the online detectors and the LSTM forecaster \(model v20260101T000000Z\): a miss of the LSTM forecast\./,
    );
  });

  it('says so when the step was scored by the online detectors alone', () => {
    const { router, sent } = setup();
    const online = (a: boolean) =>
      score(a, {
        method: 'online',
        modelVersion: null,
        forecast: { goroutines: Number.NaN, heap_inuse: Number.NaN },
        reason: 'drift',
        direction: 'up',
      });
    router.observe(ID, online(true));
    router.observe(ID, online(true));
    const annotations = sent[0]!.alert.annotations;
    expect(annotations.method).toBe('online');
    expect(annotations.model_version).toBe('none');
    expect(annotations.detector).toBe('drift up');
    expect(annotations.description).toMatch(
      /Flagged by the online detectors \(no model forecasts this series yet\): a steady drift away from its trend/,
    );
    expect(annotations.description).not.toMatch(/LSTM/);
  });

  it('has no detector annotation when the step names no statistic', () => {
    const { router, sent } = setup();
    const unnamed = (a: boolean) => score(a, { reason: null, direction: null });
    router.observe(ID, unnamed(true));
    router.observe(ID, unnamed(true));
    expect(sent[0]!.alert.annotations).not.toHaveProperty('detector');
    expect(sent[0]!.alert.annotations.description).toMatch(/its strongest statistic/);
  });

  it('keeps the label set while firing and resolves with endsAt = now after the normal steps', () => {
    const { router, sent, advance, now } = setup();
    router.observe(ID, score(true));
    router.observe(ID, score(true));
    // Another signal drives now: still the same alert (same key and labels), a non-urgent refresh.
    router.observe(ID, score(true, { drivingSignal: 'heap_inuse' }));
    router.observe(ID, score(false));
    advance(30_000);
    expect(router.observe(ID, score(false))).toBe('resolved');
    const keys = new Set(sent.map((s) => s.key));
    expect(keys.size).toBe(1);
    expect(sent.map((s) => s.urgent)).toEqual([true, false, false, true]);
    expect(sent.every((s) => s.alert.labels.signal === 'goroutines')).toBe(true);
    const resolved = sent.at(-1)!.alert;
    expect(resolved.endsAtMs).toBe(now());
    expect(resolved.annotations.observed).toBe('120');
    expect(router.firing).toBe(0);
  });

  it('resolves the alert of a series that went away', () => {
    const { router, sent } = setup();
    router.observe(ID, score(true));
    router.observe(ID, score(true));
    router.forget(ID);
    expect(sent.at(-1)!.urgent).toBe(true);
    expect(sent.at(-1)!.alert.endsAtMs).not.toBeNull();
    expect(sent.at(-1)!.alert.annotations.summary).toMatch(/stopped reporting/);
    expect(router.firing).toBe(0);
  });

  it('names a derived source in the summary and the source annotation, in its own unit', () => {
    const { router, sent } = setup();
    const { gc_pause_total, gc_pause_p99 } = workerSchema.parse({}).signals;
    const sources = { gc_pause_total: gc_pause_total.at(-1)!, gc_pause_p99: gc_pause_p99.at(-1)! };
    const storm = (anomalous: boolean) =>
      score(anomalous, {
        observed: { gc_pause_total: 11.7, gc_pause_p99: 104 * 1024 * 1024 },
        expected: { gc_pause_total: 0.4, gc_pause_p99: 200 * 1024 },
        drivingSignal: 'gc_pause_total',
      });
    router.observe(ID, storm(true), sources);
    router.observe(ID, storm(true), sources);
    const annotations = sent[0]!.alert.annotations;
    expect(annotations.summary).toBe(
      'GC pause total per step (derived: estimated GC cycles per step) of checkout (checkout-1) ' +
        'is anomalous: 11.7 vs expected 0.4',
    );
    expect(annotations.source).toBe(
      'derived: estimated GC cycles per step (go.memory.allocated, go.memory.gc.goal, go.config.gogc); ' +
        'the series exports none of go.memory.gc.pause.duration, process.runtime.go.gc.pause_ns, ' +
        'process.runtime.go.gc.pause_total_ns, go_gc_duration_seconds',
    );
    expect(annotations.description).toMatch(/^GC pause total per step \(derived: /);
    // A step that does not say keeps the source the alert had.
    router.observe(ID, storm(true));
    expect(sent.at(-1)!.alert.annotations.source).toBe(annotations.source);
  });

  it('names a measured source by its metric and keeps the signal unit', () => {
    const { router, sent } = setup();
    const sources = { goroutines: workerSchema.parse({}).signals.goroutines[1]! };
    router.observe(ID, score(true), sources);
    router.observe(ID, score(true), sources);
    expect(sent[0]!.alert.annotations).toMatchObject({
      source: 'process.runtime.go.goroutines',
      summary: 'Goroutines of checkout (checkout-1) is anomalous: 5000 vs expected 118',
    });
  });
});
