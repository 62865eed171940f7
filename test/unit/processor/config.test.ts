// The processor section works without a file and takes environment overrides.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config/index.ts';

describe('processor config', () => {
  it('has working defaults', () => {
    const { processor } = loadConfig({ env: {} });
    expect(processor).toMatchObject({
      groupId: 'telepipe-processor',
      signals: ['metrics', 'logs', 'traces'],
      insertFormat: 'RowBinary',
      batch: { maxRows: 50_000, maxBytes: 16 * 1024 * 1024, maxAgeMs: 1000 },
    });
  });

  it('reads overrides from the environment and rejects unknown keys', () => {
    const { processor } = loadConfig({
      env: {
        TELEPIPE_PROCESSOR__BATCH__MAX_ROWS: '2000',
        TELEPIPE_PROCESSOR__INSERT_FORMAT: 'JSONEachRow',
      },
    });
    expect(processor.batch.maxRows).toBe(2000);
    expect(processor.insertFormat).toBe('JSONEachRow');
    expect(() => loadConfig({ env: { TELEPIPE_PROCESSOR__BATCH__MAX_ROWZ: '1' } })).toThrow(
      /maxRowz|Unrecognized/,
    );
  });
});
