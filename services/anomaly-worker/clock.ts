// The data clock decides which steps are due. Normally it is the wall clock; in replay mode
// it starts at a past time and runs `speed` times faster, so stored history can be scored as if
// live (demos, backtests, fast integration tests). Alert times always use the wall clock:
// Alertmanager compares startsAt/endsAt with its own.

export interface DataClock {
  now(): number;
  /** Wall milliseconds per data millisecond (1 in real time). */
  readonly wallPerDataMs: number;
}

export function createDataClock(
  replay: { from: string; speed: number },
  wallNow: () => number = Date.now,
): DataClock {
  if (replay.from === '') return { now: wallNow, wallPerDataMs: 1 };
  const startMs = Date.parse(replay.from);
  const wallStart = wallNow();
  return {
    now: () => startMs + (wallNow() - wallStart) * replay.speed,
    wallPerDataMs: 1 / replay.speed,
  };
}
