import { describe, expect, it } from 'vitest';
import { alertRows, eventCounts } from '../../../../models/evaluation/detections.ts';
import { labelRuns, widenRuns, windowRows } from '../../../../models/evaluation/labels.ts';

const POLICY = { persistSteps: 3, resolveSteps: 2 };

/** An alert episode firing at row `fire` (start and end do not matter to the metrics). */
const at = (fire: number) => ({ startIndex: fire, fireIndex: fire, endIndex: fire });

describe('detections', () => {
  it('one detection per alert episode, at the step it fires, not per anomalous step', () => {
    const flags = Array.from({ length: 20 }, (_, i) => i >= 4 && i <= 12);
    const rowSteps = Array.from({ length: 20 }, (_, i) => i);
    expect(alertRows(flags, rowSteps, POLICY)).toEqual([
      { startIndex: 4, fireIndex: 6, endIndex: 12 },
    ]);
  });

  it('places a fire step on the first row at or after it when rows skip or repeat steps', () => {
    // rows 1 and 2 share step 1; no row is on step 3
    const rowSteps = [0, 1, 1, 2, 4, 5];
    const flags = [false, true, true, true, true, false];
    expect(alertRows(flags, rowSteps, POLICY)).toEqual([
      { startIndex: 1, fireIndex: 4, endIndex: 4 },
    ]);
    const late = [false, false, false, true, true, true];
    expect(alertRows(late, rowSteps, POLICY)[0]?.fireIndex).toBe(5);
  });

  it('event counts: alerts and windows after the probationary period', () => {
    const windows = [
      { start: 2, end: 8 }, // ends in the probation (rows 0–9): not an event
      { start: 40, end: 49 },
      { start: 70, end: 79 },
      { start: 90, end: 95 },
    ];
    const alerts = [at(5), at(42), at(45), at(60), at(75)];
    expect(eventCounts(alerts, windows, 10)).toEqual({
      alerts: 4,
      truePositiveAlerts: 3,
      windows: 3,
      detectedWindows: 2,
      delaysRows: [2, 5],
    });
  });
});

describe('label windows', () => {
  it('maps NAB window timestamps to rows, inclusive', () => {
    const t0 = Date.parse('2014-07-01T00:00:00Z');
    const timestamps = Array.from({ length: 10 }, (_, i) => t0 + i * 300_000);
    expect(
      windowRows(timestamps, '2014-07-01 00:10:00.000000', '2014-07-01 00:25:00.000000'),
    ).toEqual({ start: 2, end: 5 });
    // ends that are not timestamps of the file: the rows between them
    expect(windowRows(timestamps, '2014-07-01 00:11:00', '2014-07-01 00:24:00')).toEqual({
      start: 3,
      end: 4,
    });
    expect(windowRows(timestamps, '2015-01-01 00:00:00', '2015-01-02 00:00:00')).toBeNull();
  });

  it('turns runs of 1 into events', () => {
    expect(labelRuns([0, 1, 1, 0, 0, 1, 0, 1])).toEqual([
      { start: 1, end: 2 },
      { start: 5, end: 5 },
      { start: 7, end: 7 },
    ]);
  });

  it("widens an event to NAB's window: 10 % of the rows / events, centred, never narrower", () => {
    // 200 rows, 1 event: a 20-row window, the 2-row run padded by 9 on each side
    expect(widenRuns([{ start: 100, end: 101 }], 200).windows).toEqual([{ start: 91, end: 110 }]);
    // a run longer than that keeps its own length
    expect(widenRuns([{ start: 100, end: 149 }], 200).windows).toEqual([{ start: 100, end: 149 }]);
    // 2 events: 10-row windows; close ones merge; clipped to the file
    expect(
      widenRuns(
        [
          { start: 150, end: 150 },
          { start: 155, end: 155 },
        ],
        200,
      ).windows,
    ).toEqual([{ start: 146, end: 159 }]);
    expect(widenRuns([{ start: 198, end: 199 }], 200).windows).toEqual([{ start: 189, end: 199 }]);
  });

  it('drops windows that start in the probationary period, as NAB does', () => {
    const { windows, dropped } = widenRuns(
      [
        { start: 20, end: 20 },
        { start: 100, end: 100 },
      ],
      200,
    );
    expect(dropped).toEqual([{ start: 16, end: 24 }]);
    expect(windows).toEqual([{ start: 96, end: 104 }]);
  });
});
