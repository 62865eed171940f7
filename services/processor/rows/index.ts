// OTLP request → neutral rows, by signal. One code path for both dialects: the dialect
// only decides how ClickHouseWriter encodes these rows.
import type { ExportRequestBySignal, Signal } from '../../../lib/otlp/types.ts';
import type { RecordContext, RowsByTable } from './common.ts';
import { logRows } from './logs.ts';
import { metricRows } from './metrics.ts';
import { traceRows } from './traces.ts';

export type { RecordContext, RowsByTable } from './common.ts';

export function buildRows<S extends Signal>(
  signal: S,
  request: ExportRequestBySignal[S],
  ctx: RecordContext,
): RowsByTable {
  const rows: RowsByTable = {};
  if (signal === 'logs') logRows(request as ExportRequestBySignal['logs'], ctx, rows);
  else if (signal === 'traces') traceRows(request as ExportRequestBySignal['traces'], ctx, rows);
  else metricRows(request as ExportRequestBySignal['metrics'], ctx, rows);
  return rows;
}
