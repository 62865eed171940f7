// Structured JSON logs (pino) for every service and command.
import { pino, type Logger } from 'pino';
import type { Config } from './config/index.ts';

export type { Logger };

export function createLogger(name: string, config: Pick<Config, 'log'>): Logger {
  return pino({ name, level: config.log.level, base: { service: name } });
}

/** A logger for CLI commands: same JSON, to stderr so stdout stays for results. */
export function createCliLogger(name: string, config: Pick<Config, 'log'>): Logger {
  return pino({ name, level: config.log.level, base: { service: name } }, pino.destination(2));
}
