// The machine a bench ran on, as every bench's JSON records it.
import os from 'node:os';

export interface MachineDescription {
  cpus: number;
  model: string;
  node: string;
}

export function describeMachine(): MachineDescription {
  return { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version };
}
