// Fusion of one step's statistics: each over its own threshold, the largest ratio decides, a
// signal decides only in the directions it alerts on, context signals never decide but explain
// the same move of a scored signal, and the severity is a squashed ratio.
import { describe, expect, it } from 'vitest';
import { ALERT_DOWN, ALERT_UP, SeriesCalibration, squashRatio } from '../../../../models/fusion.ts';
import {
  channelCalibration,
  CHANNELS,
  DEFAULT_ONLINE_PARAMS,
  onlineParams,
  type Channel,
} from '../../../../models/online/params.ts';

const C = CHANNELS.length;
const BOTH = ALERT_UP | ALERT_DOWN;
/** One calibration for every statistic (the per-statistic differences have their own test). */
const PARAMS = onlineParams({ channels: { drift: {}, forecast: {} } });
/** Every threshold of a new series is the prior's `initial`. */
const INITIAL = PARAMS.calibration.initial;

/** Evidence arrays for `featureCount` signals with the given statistics set. */
function evidence(
  featureCount: number,
  set: Array<[f: number, channel: Channel, value: number]>,
): Float64Array {
  const out = new Float64Array(featureCount * C).fill(Number.NaN);
  for (const [f, channel, value] of set) out[f * C + CHANNELS.indexOf(channel)] = value;
  return out;
}

function fuseOnce(
  alerting: number[],
  up: Array<[number, Channel, number]>,
  down: Array<[number, Channel, number]> = [],
  params = PARAMS,
): ReturnType<SeriesCalibration['fuse']> {
  const F = alerting.length;
  const calibration = new SeriesCalibration(F, params, 15);
  return calibration.fuse(evidence(F, up), evidence(F, down), Uint8Array.from(alerting));
}

describe('fusion', () => {
  it('lets the largest statistic/threshold ratio decide and names its signal, statistic and direction', () => {
    const fused = fuseOnce(
      [BOTH, BOTH],
      [
        [0, 'spike', 4],
        [1, 'drift', 12],
      ],
      [[0, 'level', 6]],
    );
    expect(fused.ratio).toBeCloseTo(12 / INITIAL, 12);
    expect([fused.signal, fused.channel, fused.direction]).toEqual([1, 'drift', 'up']);
    // signal 0 is anomalous too (its level down reached its threshold): it is held back
    expect(Array.from(fused.anomalousSignals)).toEqual([1, 1]);
    const calm = fuseOnce([BOTH], [[0, 'spike', 4]]);
    expect(calm.ratio).toBeCloseTo(0.8, 12);
    expect(Array.from(calm.anomalousSignals)).toEqual([0]);
  });

  it('has nothing to say without a finite statistic', () => {
    const fused = fuseOnce([BOTH, BOTH], [[0, 'spike', Number.NaN]]);
    expect(fused).toMatchObject({ ratio: 0, signal: -1, channel: null, direction: null });
    expect(squashRatio(fused.ratio)).toBe(0);
  });

  it('lets a signal decide only in the directions it alerts on', () => {
    // signal 0 alerts up only (a Go signal), signal 1 down only
    const fused = fuseOnce(
      [ALERT_UP, ALERT_DOWN],
      [
        [0, 'spike', 2],
        [1, 'spike', 50],
      ],
      [
        [0, 'level', 50],
        [1, 'spike', 3],
      ],
    );
    expect(Array.from(fused.anomalousSignals)).toEqual([0, 0]);
    expect(fused.ratio).toBeCloseTo(3 / INITIAL, 12);
    expect([fused.signal, fused.direction]).toEqual([1, 'down']);
    const leak = fuseOnce([ALERT_UP], [[0, 'drift', 20]], [[0, 'drift', 40]]);
    expect([leak.ratio, leak.direction]).toEqual([20 / INITIAL, 'up']);
  });

  describe('context signals', () => {
    // signal 0 is scored, signal 1 is the load (request rate): never decides
    const SCORED_AND_CONTEXT = [BOTH, 0];

    it('never decide and are never held back, however unusual', () => {
      const fused = fuseOnce(SCORED_AND_CONTEXT, [[1, 'spike', 500]], [[1, 'level', 500]]);
      expect(fused).toMatchObject({ ratio: 0, signal: -1, channel: null });
      expect(Array.from(fused.anomalousSignals)).toEqual([0, 0]);
    });

    it('explain the same move of a scored signal: its ratio over the context ratio / contextShare', () => {
      // latency spikes up (ratio 2) while the load spikes up as unusually (ratio 2 → 4)
      const explained = fuseOnce(SCORED_AND_CONTEXT, [
        [0, 'spike', 10],
        [1, 'spike', 10],
      ]);
      expect(explained.ratio).toBeCloseTo(2 / 4, 12);
      expect(Array.from(explained.anomalousSignals)).toEqual([0, 0]);
      // with contextShare 1 the same load explains only half of it
      const share1 = fuseOnce(
        SCORED_AND_CONTEXT,
        [
          [0, 'spike', 10],
          [1, 'spike', 10],
        ],
        [],
        onlineParams({ contextShare: 1 }),
      );
      expect(share1.ratio).toBeCloseTo(1, 12);
      expect(share1.anomalousSignals[0]).toBe(1);
    });

    it('explain nothing when the load made another move, or a usual one', () => {
      const other = (context: Array<[number, Channel, number]>, down = false) =>
        fuseOnce(
          SCORED_AND_CONTEXT,
          [[0, 'spike', 10], ...(down ? [] : context)],
          down ? context : [],
        ).ratio;
      expect(other([[1, 'level', 10]])).toBeCloseTo(2, 12); // another statistic
      expect(other([[1, 'spike', 10]], true)).toBeCloseTo(2, 12); // the other direction
      expect(other([[1, 'spike', 2]])).toBeCloseTo(2, 12); // 0.4 / 0.5 < 1: usual
    });
  });

  it('reports the spike thresholds the next step is judged against (the band)', () => {
    const calibration = new SeriesCalibration(1, PARAMS, 15);
    const first = calibration.fuse(
      evidence(1, [[0, 'spike', 1]]),
      evidence(1, [[0, 'spike', 0.5]]),
      Uint8Array.of(BOTH),
    );
    expect(first.spikeUp[0]).toBeLessThan(INITIAL);
    expect(first.spikeUp[0]).toBeGreaterThan(PARAMS.calibration.floor);
    const second = calibration.fuse(
      evidence(1, [[0, 'spike', 7]]),
      evidence(1, []),
      Uint8Array.of(BOTH),
    );
    expect(second.ratio).toBe(7 / first.spikeUp[0]!);
    expect(second.spikeDown[0]).toBe(first.spikeDown[0]); // no down evidence recorded
  });

  it('forgets the forecast statistic history on resetChannel, and only that', () => {
    const params = onlineParams({
      calibration: { ...PARAMS.calibration, blocks: 4, blockSteps: 2 },
    });
    const calibration = new SeriesCalibration(1, params, 15);
    const step = (forecast: number, spike: number) =>
      calibration.fuse(
        evidence(1, [
          [0, 'forecast', forecast],
          [0, 'spike', spike],
        ]),
        evidence(1, []),
        Uint8Array.of(BOTH),
      );
    for (let i = 0; i < 12; i++) step(40, 40); // both thresholds learn 40 is normal
    expect(step(40, 40).ratio).toBeLessThan(1);
    calibration.resetChannel('forecast');
    const after = step(40, 1);
    expect([after.channel, after.ratio]).toEqual(['forecast', 40 / INITIAL]);
    expect(step(1, 40).ratio).toBeLessThan(1); // the spike threshold kept its history
  });
});

describe('squashRatio', () => {
  it('is 0.5 at the threshold, monotonic, and bounded to [0, 1]', () => {
    expect(squashRatio(1)).toBe(0.5);
    expect(squashRatio(2)).toBeCloseTo(16 / 17, 12);
    expect(squashRatio(0.5)).toBeCloseTo(1 / 17, 12);
    expect(squashRatio(0)).toBe(0);
    expect(squashRatio(Number.NaN)).toBe(0);
    expect(squashRatio(Number.POSITIVE_INFINITY)).toBe(1);
    const ratios = [0.1, 0.5, 0.9, 1, 1.1, 2, 10, 1e6];
    const scores = ratios.map(squashRatio);
    scores.slice(1).forEach((s, i) => expect(s).toBeGreaterThan(scores[i]!));
    expect(scores.every((s) => s > 0 && s <= 1)).toBe(true);
  });

  it('gives each statistic its own return period and prior where the params say', () => {
    const params = onlineParams({
      channels: { drift: { returnPeriodFactor: 100, initial: 10 } },
    });
    const drift = channelCalibration(params, 'drift');
    const spike = channelCalibration(params, 'spike');
    expect(drift.returnPeriodDays).toBe(100 * params.calibration.returnPeriodDays);
    expect(drift.initial).toBe(10);
    expect(spike).toEqual(params.calibration);
    // a new series: the drift statistic's threshold is its own prior
    const fused = fuseOnce([BOTH], [[0, 'drift', 12]], [], params);
    expect(fused.ratio).toBeCloseTo(12 / 10, 12);
    expect(DEFAULT_ONLINE_PARAMS.channels.drift?.initial).toBeGreaterThan(
      DEFAULT_ONLINE_PARAMS.calibration.initial,
    );
  });
});
