// The items of the three signals (metrics, log records, spans) on the wire: each is
// validated whole, and only the fields that screening reads are taken out of it, to count
// its items and to apply the screening rules of nesting.ts to them.
import { logRecordProblem, metricProblem, spanProblem } from '../nesting.ts';
import type { Signal, Span } from '../types.ts';
import { fieldTag, WIRE_TYPE, type WireReader } from './reader.ts';
import { nestedSchema, type MessageSchema } from './schema.ts';
import { validateField } from './validate.ts';

/** What the walk adds up over the items of one resource entry. */
export interface ItemTally {
  /** Data points, log records or spans, as countItems() counts them after decoding. */
  items: number;
  /** Whether screening would reject one of them. */
  rejects: boolean;
}

/** Walks the item [r.pos, r.end), a message of `schema` at `depth`, into the tally. */
export type ItemWalker = (
  r: WireReader,
  schema: MessageSchema,
  tally: ItemTally,
  depth: number,
) => void;

const LEN = WIRE_TYPE.lengthDelimited;

// Metric: name = 1; the `data` oneof: gauge = 5, sum = 7, histogram = 9,
// exponential_histogram = 10, summary = 11, each holding data_points = 1.
const METRIC_NAME = fieldTag(1, LEN);
const METRIC_DATA_FIELDS: ReadonlySet<number> = new Set([5, 7, 9, 10, 11]);
const DATA_POINTS = fieldTag(1, LEN);

function walkMetric(r: WireReader, schema: MessageSchema, tally: ItemTally, depth: number): void {
  let name = '';
  let member = 0;
  let points = 0;
  while (r.pos < r.end) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (tag === METRIC_NAME) {
      const end = r.delimited();
      r.requireUtf8(end, 'name');
      name = r.text(end);
    } else if ((tag & 7) === LEN && METRIC_DATA_FIELDS.has(field)) {
      // protobufjs clears the other members when it sets one, and merges a member set
      // again: the points that count are those since the member last changed.
      if (field !== member) points = 0;
      member = field;
      points += countDataPoints(r, nestedSchema(schema, field), depth + 1);
    } else {
      validateField(r, schema, tag, depth);
    }
  }
  tally.items += points;
  if (metricProblem({ name }) !== undefined) tally.rejects = true;
}

/** Validates a gauge, sum, histogram, exponential histogram or summary; counts its points. */
function countDataPoints(r: WireReader, schema: MessageSchema, depth: number): number {
  const outer = r.enter(r.delimited());
  let points = 0;
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === DATA_POINTS) points += 1;
    validateField(r, schema, tag, depth);
  }
  r.leave(outer);
  return points;
}

type Ids = Pick<Span, 'traceId' | 'spanId'>;

/** Log records and spans count one each; screening reads their trace and span ids. */
function idsWalker(
  traceIdField: number,
  spanIdField: number,
  problem: (ids: Ids) => string | undefined,
): ItemWalker {
  const traceIdTag = fieldTag(traceIdField, LEN);
  const spanIdTag = fieldTag(spanIdField, LEN);
  return (r, schema, tally, depth) => {
    // Absent ids stay undefined, which the rules treat like protobufjs's empty default.
    const ids: Ids = {};
    while (r.pos < r.end) {
      const tag = r.tag();
      if (tag === traceIdTag) ids.traceId = r.bytes(r.delimited());
      else if (tag === spanIdTag) ids.spanId = r.bytes(r.delimited());
      else validateField(r, schema, tag, depth);
    }
    tally.items += 1;
    if (problem(ids) !== undefined) tally.rejects = true;
  };
}

export const ITEM_WALKERS: Record<Signal, ItemWalker> = {
  metrics: walkMetric,
  // LogRecord: trace_id = 9, span_id = 10.
  logs: idsWalker(9, 10, logRecordProblem),
  // Span: trace_id = 1, span_id = 2.
  traces: idsWalker(1, 2, spanProblem),
};
