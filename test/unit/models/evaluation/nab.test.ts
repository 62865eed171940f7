import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadLabelledFiles } from '../../../../models/evaluation/corpus.ts';
import {
  NAB_PROFILES,
  nabFileScore,
  normalizedScore,
  nullFileScore,
  perfectFileScore,
  probationLength,
  scaledSigmoid,
  type NabProfile,
  type NabProfileName,
} from '../../../../models/evaluation/nab.ts';

const { standard, reward_low_FP_rate: lowFp, reward_low_FN_rate: lowFn } = NAB_PROFILES;

// A 100-row file: probation is rows 0–14; one window, rows 40–49 (10 rows wide).
const ROWS = 100;
const WINDOW = { start: 40, end: 49 };
const score = (detections: number[], profile: NabProfile = standard): number =>
  nabFileScore(ROWS, [WINDOW], detections, profile).raw;

describe('NAB scoring rules', () => {
  it('scaled sigmoid: +0.987 at the window start, 0 at its end, −1 far past it', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.986614, 6);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.986614, 6);
    expect(scaledSigmoid(3.01)).toBe(-1);
  });

  it('probation: 15 % of the rows, at most 750', () => {
    expect(probationLength(100)).toBe(15);
    expect(probationLength(4032)).toBe(604);
    expect(probationLength(22695)).toBe(750);
  });

  it('rewards the first detection in a window by its position: start, middle, end', () => {
    // position −(end − i + 1)/width: −1 at the start (the full tpWeight), −0.5 in the middle,
    // −0.1 at the last row; reward = scaledSigmoid(position) / scaledSigmoid(−1).
    expect(score([40])).toBeCloseTo(1, 12);
    expect(score([45])).toBeCloseTo(0.8597925669, 9);
    expect(score([49])).toBeCloseTo(0.2482415498, 9);
    // later detections in the same window add nothing
    expect(score([45, 47, 49])).toBeCloseTo(0.8597925669, 9);
  });

  it('a missed window costs fnWeight: 1, or 2 for reward_low_FN_rate', () => {
    expect(score([])).toBe(-1);
    expect(score([], lowFn)).toBe(-2);
  });

  it('weighs a false positive by its distance past the preceding window', () => {
    // one row past the window: position 1/(width − 1) = 1/9, scaledSigmoid = −0.2709
    expect(score([50]) - score([])).toBeCloseTo(-0.029793183, 9);
    expect(score([50], lowFp) - score([], lowFp)).toBeCloseTo(-0.0595863661, 9);
    // far past it (position 41/9 > 3) the full fpWeight; before any window too
    expect(score([90]) - score([])).toBeCloseTo(-0.11, 12);
    expect(score([20]) - score([])).toBeCloseTo(-0.11, 12);
    expect(score([40, 90], lowFp)).toBeCloseTo(0.78, 12);
  });

  it('ignores detections in the probationary period and windows that end there', () => {
    expect(score([10])).toBe(-1);
    const early = { start: 5, end: 12 };
    expect(nabFileScore(ROWS, [early, WINDOW], [40], standard)).toEqual({
      raw: 1,
      detectedWindows: 1,
      missedWindows: 0,
      falsePositives: 0,
    });
    // the early window is still the "preceding window" of a false positive after it
    expect(nabFileScore(ROWS, [early, WINDOW], [20], standard).raw).toBeCloseTo(
      -1 + scaledSigmoid(8 / 7) * 0.11,
      12,
    );
  });

  it('normalizes over a corpus: 0 for the null detector, 100 for the perfect one', () => {
    const files = [
      { rows: 100, windows: [WINDOW] },
      { rows: 100, windows: [] },
    ];
    const nullTotal = files.reduce((s, f) => s + nullFileScore(f.rows, f.windows, standard), 0);
    const perfect = files.reduce((s, f) => s + perfectFileScore(f.windows, standard), 0);
    expect([nullTotal, perfect]).toEqual([-1, 1]);
    expect(normalizedScore({ raw: -1, null: nullTotal, perfect })).toBe(0);
    expect(normalizedScore({ raw: 1, null: nullTotal, perfect })).toBe(100);
    // NAB's published totals for its `numenta` detector (results/numenta/numenta_standard_scores.csv,
    // null −116 over 116 windows) give its final score, results/final_results.json: 70.10.
    expect(normalizedScore({ raw: 46.6344501971, null: -116, perfect: 116 })).toBeCloseTo(
      70.10105611943965,
      9,
    );
  });
});

interface NumentaFixture {
  profiles: Record<
    NabProfileName,
    { threshold: number; files: Record<string, { detections: number[]; score: number }> }
  >;
}

describe('NAB cross-check', () => {
  it("reproduces NAB's own per-file scores of its numenta detector on all 30 files", async () => {
    // Detections and scores from NAB's results folder (test/fixtures/nab-numenta/derive.py).
    const fixture = JSON.parse(
      readFileSync('test/fixtures/nab-numenta/nab-numenta.json', 'utf8'),
    ) as NumentaFixture;
    const names = Object.keys(fixture.profiles.standard.files);
    expect(names).toHaveLength(30);
    const files = await loadLabelledFiles(
      names.map((n) => `bench/data/nab/${n}`),
      'bench/data/nab/combined_windows.json',
    );
    for (const [profile, { files: expected }] of Object.entries(fixture.profiles)) {
      for (const file of files) {
        const { detections, score: nabScore } = expected[file.name]!;
        const ours = nabFileScore(
          file.rows,
          file.windows,
          detections,
          NAB_PROFILES[profile as NabProfileName],
        );
        expect(ours.raw, `${profile} ${file.name}`).toBeCloseTo(nabScore, 9);
      }
    }
  });
});
