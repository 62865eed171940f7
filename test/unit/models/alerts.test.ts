import { describe, expect, it } from 'vitest';
import { alertEpisodes, evaluateAlerts, fBeta, medianOf } from '../../../models/alerts.ts';

const flags = (s: string): boolean[] => [...s].map((c) => c === '1');

describe('alertEpisodes', () => {
  it('fires on the third consecutive anomalous step and ignores shorter runs', () => {
    expect(alertEpisodes(flags('0110111000'))).toEqual([
      { startIndex: 4, fireIndex: 6, endIndex: 6 },
    ]);
  });

  it('keeps one alert through short normal stretches and resolves after resolveSteps', () => {
    // a gap of 2 normal steps keeps it firing; 4 resolve it; a new run of 3 fires again
    const episodes = alertEpisodes(flags('111001100001110'), { persistSteps: 3, resolveSteps: 4 });
    expect(episodes).toEqual([
      { startIndex: 0, fireIndex: 2, endIndex: 6 },
      { startIndex: 11, fireIndex: 13, endIndex: 13 },
    ]);
  });
});

describe('evaluateAlerts', () => {
  it('matches alerts to labeled windows with a grace period and counts the rest as false', () => {
    const alerts = [
      { startIndex: 10, fireIndex: 12, endIndex: 20 }, // inside event A
      { startIndex: 48, fireIndex: 50, endIndex: 55 }, // in A's grace (end 40 + 10)
      { startIndex: 98, fireIndex: 100, endIndex: 101 }, // false
    ];
    const report = evaluateAlerts(
      alerts,
      [
        { kind: 'leak', startStep: 10, endStep: 40 },
        { kind: 'shift', startStep: 200, endStep: 220 },
      ],
      10,
    );
    expect(report.byKind['leak']).toMatchObject({
      events: 1,
      detected: 1,
      delaysSteps: [2],
      truePositiveAlerts: 2,
    });
    expect(report.byKind['shift']).toMatchObject({ events: 1, detected: 0, recall: 0 });
    expect(report.falseAlerts).toBe(1);
    expect(report.precision).toBeCloseTo(2 / 3, 10);
    expect(report.recall).toBe(0.5);
    expect(report.f05).toBeCloseTo(fBeta(2 / 3, 0.5, 0.5), 10);
    expect(report.medianDelaySteps).toBe(2);
  });

  it('computes F0.5 and medians', () => {
    expect(fBeta(1, 1, 0.5)).toBe(1);
    expect(fBeta(0.5, 1, 0.5)).toBeCloseTo((1.25 * 0.5) / (0.25 * 0.5 + 1), 10);
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 2, 3])).toBe(2.5);
    expect(medianOf([])).toBeNull();
  });
});
