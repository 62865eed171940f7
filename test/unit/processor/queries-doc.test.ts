// docs/queries.md quotes lib/clickhouse/queries.ts verbatim, in both dialects.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOC_PARAMS, EXAMPLE_QUERIES } from '../../../lib/clickhouse/queries.ts';

const doc = readFileSync(join(import.meta.dirname, '../../../docs/queries.md'), 'utf8');

describe('docs/queries.md', () => {
  it.each(EXAMPLE_QUERIES.map((q) => [q.name, q] as const))(
    'quotes %s for both dialects',
    (_name, query) => {
      for (const dialect of ['modern', 'old'] as const) {
        expect(doc).toContain(`\`\`\`sql\n${query.sql(dialect, DOC_PARAMS)}\n\`\`\``);
      }
    },
  );

  it('covers every required question', () => {
    expect(EXAMPLE_QUERIES.map((q) => q.name)).toEqual([
      'latestGoroutines',
      'gcPauseP99PerMinute',
      'requestLatencyP99PerMinute',
      'errorLogs',
      'traceById',
    ]);
  });
});
