// Version 1: the exporter-compatible otel_* tables, the trace id lookup (modern servers)
// and the anomaly worker's scores table.
import type { SchemaTarget } from '../ddl.ts';
import { createTable, createTraceIdLookup } from '../ddl.ts';
import { ANOMALY_SCORES, OTEL_TABLES, OTEL_TRACES } from '../tables.ts';
import type { Migration } from './index.ts';

export const otelSchema: Migration = {
  version: 1,
  name: 'otel exporter tables and anomaly_scores',
  statements(t: SchemaTarget): string[] {
    const tables = [...Object.values(OTEL_TABLES), ANOMALY_SCORES].flatMap((spec) =>
      createTable(spec, t),
    );
    const lookup = t.dialect.name === 'modern' ? createTraceIdLookup(OTEL_TRACES.name, t) : [];
    return [...tables, ...lookup];
  },
};
