// Every configuration key must be documented: this walks the defaults and looks for each
// key's dotted path in docs/configuration.md.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config/index.ts';

function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}

describe('docs/configuration.md', () => {
  it('documents every configuration key', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    const undocumented = leafPaths(loadConfig({ env: {} })).filter(
      (path) => !doc.includes(`\`${path}\``),
    );
    expect(undocumented).toEqual([]);
  });
});
