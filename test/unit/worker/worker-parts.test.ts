// Small parts of the worker: the replay clock, the training progress output, score rows and
// their threshold band.
import { describe, expect, it } from 'vitest';
import type { StepScore } from '../../../models/detector.ts';
import type { FitProgress } from '../../../models/lstm.ts';
import { createDataClock } from '../../../services/anomaly-worker/clock.ts';
import { BandEstimator, scoreRows } from '../../../services/anomaly-worker/scores.ts';
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

const step = (
  observed: number,
  error: number,
  method: StepScore['method'] = 'cold-start',
): StepScore => ({
  key: 'k',
  timestampMs: Date.UTC(2026, 0, 1),
  method,
  modelVersion: null,
  observed: { goroutines: observed },
  expected: { goroutines: 100 },
  signalErrors: { goroutines: error },
  error,
  smoothedError: error,
  threshold: 6,
  score: 0.2,
  anomalous: false,
  drivingSignal: 'goroutines',
});

describe('score rows', () => {
  it('puts the band at expected ± threshold in signal units, remembered where a step cannot tell', () => {
    const bands = new BandEstimator();
    // |130 - 100| / 3 = 10 goroutines per unit of standardized error → band 100 ± 60.
    expect(bands.band('k', step(130, 3), 'goroutines')).toEqual({ lower: 40, upper: 160 });
    expect(bands.band('k', step(100, 0), 'goroutines')).toEqual({ lower: 40, upper: 160 });
    expect(bands.band('k', step(Number.NaN, Number.NaN), 'goroutines')).toEqual({
      lower: 40,
      upper: 160,
    });
    // Another method has its own scale; a forgotten series starts over.
    expect(bands.band('k', step(100, 0, 'lstm'), 'goroutines').lower).toBeNaN();
    bands.forget('k');
    expect(bands.band('k', step(100, 0), 'goroutines').lower).toBeNaN();
  });

  it('writes one row per series, step and signal with the anomaly_scores columns', () => {
    const rows = scoreRows(
      [
        {
          id: { tenant: 't', service: 's', instance: 'i' },
          score: { ...step(130, 3), anomalous: true },
        },
      ],
      new BandEstimator(),
    );
    expect(rows).toEqual([
      {
        Timestamp: BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n,
        TenantId: 't',
        ServiceName: 's',
        ServiceInstanceId: 'i',
        Signal: 'goroutines',
        Observed: 130,
        Expected: 100,
        Lower: 40,
        Upper: 160,
        Score: 0.2,
        Anomalous: 1,
        DrivingSignal: 'goroutines',
        ModelVersion: '',
        Method: 'cold-start',
      },
    ]);
  });
});
