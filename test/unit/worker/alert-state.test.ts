import { describe, expect, it } from 'vitest';
import { AlertStateMachine } from '../../../services/anomaly-worker/alert-state.ts';

function run(flags: string, pendingSteps = 3, resolveSteps = 2): string[] {
  const machine = new AlertStateMachine({ persistSteps: pendingSteps, resolveSteps });
  return [...flags].map((f) => {
    const t = machine.observe(f === '1');
    return t === 'none' ? machine.phase[0]! : t;
  });
}

describe('AlertStateMachine', () => {
  it('is pending for N-1 anomalous steps and fires on the N-th', () => {
    expect(run('1110')).toEqual(['p', 'p', 'fired', 'f']);
  });

  it('goes back to normal when the anomaly does not persist', () => {
    expect(run('11011')).toEqual(['p', 'p', 'n', 'p', 'p']);
  });

  it('resolves after M consecutive normal steps, not before', () => {
    expect(run('111010011')).toEqual(['p', 'p', 'fired', 'f', 'f', 'f', 'resolved', 'p', 'p']);
  });

  it('fires at once with pendingSteps 1', () => {
    expect(run('10', 1, 1)).toEqual(['fired', 'resolved']);
  });
});
