// The model's input scale for one signal: median and robust sigma of its last observed values,
// all of them. Unlike the detectors' baselines it ignores their verdicts, so a series' model input
// depends only on its values: training (models/features.ts prepareSeries) and scoring compute
// exactly the same numbers, and offline scoring can batch the forecasts of many steps.
import { SortedWindow } from './sorted-window.ts';

export class RollingNormalizer {
  private readonly window: SortedWindow;
  private center = Number.NaN;
  private spread = Number.NaN;

  constructor(
    steps: number,
    private readonly minSteps: number,
  ) {
    this.window = new SortedWindow(steps);
  }

  get ready(): boolean {
    return this.window.size >= this.minSteps;
  }

  get median(): number {
    return this.center;
  }

  get scale(): number {
    return this.spread;
  }

  push(value: number): void {
    this.window.push(value);
    this.center = this.window.median();
    this.spread = this.window.robustScale(this.center);
  }
}
