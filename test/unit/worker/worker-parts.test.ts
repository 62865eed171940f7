// Small parts of the worker: the replay clock, the training progress output, score rows and
// their threshold band (the detector's, per signal).
import { describe, expect, it } from 'vitest';
import type { StepScore } from '../../../models/step-score.ts';
import type { FitProgress } from '../../../models/lstm.ts';
import { createDataClock } from '../../../services/anomaly-worker/clock.ts';
import { scoreRows } from '../../../services/anomaly-worker/scores.ts';
import { progressReporter } from '../../../services/anomaly-worker/train.ts';

describe('data clock', () => {
  it('is the wall clock without replay', () => {
    const clock = createDataClock({ from: '', speed: 10 }, () => 123);
    expect(clock.now()).toBe(123);
    expect(clock.wallPerDataMs).toBe(1);
  });

  it('replays from a past time at the given speed', () => {
    let wall = 1_000_000;
    const clock = createDataClock({ from: '2026-01-01T00:00:00Z', speed: 15 }, () => wall);
    expect(clock.now()).toBe(Date.UTC(2026, 0, 1));
    wall += 1000;
    expect(clock.now()).toBe(Date.UTC(2026, 0, 1) + 15_000);
    expect(clock.wallPerDataMs).toBeCloseTo(1 / 15);
  });
});

function progress(epoch: number, batch: number, phase: FitProgress['phase']): FitProgress {
  return {
    epoch,
    epochs: 2,
    batch,
    batchesPerEpoch: 2,
    loss: 0.5,
    valLoss: phase === 'epoch' ? 0.25 : null,
    fraction: (epoch + (batch + 1) / 2) / 2,
    elapsedMs: 3000,
    phase,
  };
}

describe('training progress', () => {
  it('draws a bar in place on a terminal', () => {
    let text = '';
    const out = { isTTY: true, columns: 80, write: (s: string) => ((text += s), true) };
    const reporter = progressReporter(out);
    reporter.onProgress(progress(0, 0, 'batch'));
    reporter.onProgress(progress(1, 1, 'epoch'));
    reporter.done();
    reporter.done();
    expect(text).toContain('\r[#####...............]  25% epoch 1/2 loss 0.5000 3s');
    expect(text).toContain('100% epoch 2/2 loss 0.5000 val 0.2500 3s');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.match(/\n/g)).toHaveLength(1);
  });

  it('prints one line per epoch when not on a terminal', () => {
    const lines: string[] = [];
    const reporter = progressReporter({ write: (s: string) => (lines.push(s), true) });
    reporter.onProgress(progress(0, 0, 'batch'));
    reporter.onProgress(progress(0, 1, 'epoch'));
    reporter.done();
    expect(lines).toEqual(['epoch 1/2 loss 0.5000 val 0.2500 3s\n']);
  });
});

/** A step of two signals: goroutines scored with its band, heap_inuse not scored yet. */
const step = (observed: number, method: StepScore['method'] = 'online'): StepScore => ({
  key: 'k',
  timestampMs: Date.UTC(2026, 0, 1),
  method,
  modelVersion: method === 'lstm' ? 'v20260101T000000Z' : null,
  observed: { goroutines: observed, heap_inuse: 5e7 },
  expected: { goroutines: 100, heap_inuse: Number.NaN },
  lower: { goroutines: 40, heap_inuse: Number.NaN },
  upper: { goroutines: 172, heap_inuse: Number.NaN },
  forecast: { goroutines: Number.NaN, heap_inuse: Number.NaN },
  signalErrors: { goroutines: 3, heap_inuse: Number.NaN },
  score: 0.2,
  ratio: 0.7,
  anomalous: false,
  drivingSignal: 'goroutines',
  reason: 'spike',
  direction: 'up',
});

describe('score rows', () => {
  it('writes one row per series, step and signal, with the band the detector drew for it', () => {
    const id = { tenant: 't', service: 's', instance: 'i' };
    const rows = scoreRows([
      { id, score: { ...step(130), anomalous: true } },
      { id, score: { ...step(90, 'lstm'), timestampMs: Date.UTC(2026, 0, 1, 0, 0, 15) } },
    ]);
    const row = {
      Timestamp: BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n,
      TenantId: 't',
      ServiceName: 's',
      ServiceInstanceId: 'i',
      Score: 0.2,
      DrivingSignal: 'goroutines',
    };
    expect(rows).toEqual([
      {
        ...row,
        Signal: 'goroutines',
        Observed: 130,
        Expected: 100,
        Lower: 40,
        Upper: 172,
        Anomalous: 1,
        ModelVersion: '',
        Method: 'online',
      },
      {
        ...row,
        Signal: 'heap_inuse',
        Observed: 5e7,
        Expected: Number.NaN,
        Lower: Number.NaN,
        Upper: Number.NaN,
        Anomalous: 1,
        ModelVersion: '',
        Method: 'online',
      },
      {
        ...row,
        Timestamp: BigInt(Date.UTC(2026, 0, 1, 0, 0, 15)) * 1_000_000n,
        Signal: 'goroutines',
        Observed: 90,
        Expected: 100,
        Lower: 40,
        Upper: 172,
        Anomalous: 0,
        ModelVersion: 'v20260101T000000Z',
        Method: 'lstm',
      },
      {
        ...row,
        Timestamp: BigInt(Date.UTC(2026, 0, 1, 0, 0, 15)) * 1_000_000n,
        Signal: 'heap_inuse',
        Observed: 5e7,
        Expected: Number.NaN,
        Lower: Number.NaN,
        Upper: Number.NaN,
        Anomalous: 0,
        ModelVersion: 'v20260101T000000Z',
        Method: 'lstm',
      },
    ]);
  });
});
