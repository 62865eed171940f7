// Parsers for command-line option values. Each throws commander's InvalidArgumentError, so the
// user reads "option '--train-fraction <F>' argument '1.5' is invalid. <why>": the flag, the
// value and what would be valid.
import { InvalidArgumentError } from 'commander';

/** A share of the rows, 0 ≤ F < 1 (`--train-fraction`). */
export function parseFraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n < 1)) {
    throw new InvalidArgumentError('It must be a number with 0 ≤ F < 1, e.g. 0.15.');
  }
  return n;
}

/** A whole number ≥ 1 (steps, counts). */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('It must be a whole number ≥ 1.');
  return n;
}

/** A finite number > 0. */
export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0) || !Number.isFinite(n)) {
    throw new InvalidArgumentError('It must be a number > 0.');
  }
  return n;
}

/** A comma-separated list of names, each one of `allowed`, without repeats. */
export function listParser<T extends string>(allowed: readonly T[]): (value: string) => T[] {
  return (value) => {
    const names = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const unknown = names.filter((n) => !(allowed as readonly string[]).includes(n));
    if (names.length === 0 || unknown.length > 0) {
      throw new InvalidArgumentError(
        `${unknown.length > 0 ? `Unknown: ${unknown.join(', ')}. ` : ''}Choose from ${allowed.join(', ')}, comma-separated.`,
      );
    }
    return [...new Set(names)] as T[];
  };
}

/** A sha256 digest as 64 hex digits (`--password-sha256`). */
export function parseSha256(value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) {
    throw new InvalidArgumentError(
      'It must be 64 hex digits, e.g. the output of `printf %s "$PASSWORD" | sha256sum`.',
    );
  }
  return value.toLowerCase();
}
