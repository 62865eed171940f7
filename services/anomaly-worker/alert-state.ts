// The alert lifecycle of one series, one call per scored step, under an AlertPolicy
// (lib/alerts/policy.ts): an anomaly must persist for `persistSteps` consecutive steps before
// the alert fires, and a firing alert resolves after `resolveSteps` consecutive normal steps
// (a single normal step in the middle of an incident does not resolve and re-fire it). The
// models' alertEpisodes() counts alerts the same way for the offline quality numbers.
import type { AlertPolicy } from '../../lib/alerts/policy.ts';

export type AlertPhase = 'normal' | 'pending' | 'firing';

/** What a step changed: `fired` and `resolved` are the transitions Alertmanager hears about. */
export type AlertTransition = 'none' | 'fired' | 'resolved';

export class AlertStateMachine {
  private current: AlertPhase = 'normal';
  /** Consecutive anomalous steps while pending, consecutive normal steps while firing. */
  private run = 0;

  constructor(private readonly policy: AlertPolicy) {}

  get phase(): AlertPhase {
    return this.current;
  }

  observe(anomalous: boolean): AlertTransition {
    switch (this.current) {
      case 'normal':
      case 'pending':
        if (!anomalous) {
          this.enter('normal');
          return 'none';
        }
        this.run = this.current === 'pending' ? this.run + 1 : 1;
        this.current = 'pending';
        if (this.run < this.policy.persistSteps) return 'none';
        this.enter('firing');
        return 'fired';
      case 'firing':
        this.run = anomalous ? 0 : this.run + 1;
        if (this.run < this.policy.resolveSteps) return 'none';
        this.enter('normal');
        return 'resolved';
    }
  }

  private enter(phase: AlertPhase): void {
    this.current = phase;
    this.run = 0;
  }
}
