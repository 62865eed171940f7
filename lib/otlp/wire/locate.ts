// Names where a wire fault sits, e.g. `resourceMetrics[0].scopeMetrics[1]`, for the 400 a
// client gets. Only run after a fault, so the walk itself keeps no path: this reads the
// request again from the start, down the nested messages that contain the fault's offset.
// Everything before that offset was valid when the walk passed it.
import { MalformedWire, WIRE_TYPE, WireReader } from './reader.ts';
import type { MessageSchema } from './schema.ts';

/** Paths longer than this keep their first and last segments (AnyValues nest deep). */
const MAX_SEGMENTS = 8;

/** The message holding the field whose tag starts at `at`, as a path from the request. */
export function locate(buf: Buffer, request: MessageSchema, at: number): string {
  const segments: string[] = [];
  try {
    descend(new WireReader(buf), request, at, segments);
  } catch (err) {
    // Not expected, since only valid wire lies before `at`; the path found so far still helps.
    if (!(err instanceof MalformedWire)) throw err;
  }
  return segments.length === 0 ? 'the request' : joinPath(segments);
}

function descend(r: WireReader, request: MessageSchema, at: number, segments: string[]): void {
  let schema = request;
  let seen = new Map<number, number>();
  while (r.pos < at && r.pos < r.end) {
    const tag = r.tag();
    const field = schema.fields[tag >>> 3];
    const index = seen.get(tag >>> 3) ?? 0;
    seen.set(tag >>> 3, index + 1);
    if ((tag & 7) !== WIRE_TYPE.lengthDelimited) {
      r.skipValue(tag);
      continue;
    }
    const end = r.delimited();
    if (field?.message && at >= r.pos && at < end) {
      segments.push(field.repeated ? `${field.name}[${index}]` : field.name);
      r.enter(end);
      schema = field.message;
      seen = new Map();
    } else {
      r.pos = end;
    }
  }
}

function joinPath(segments: string[]): string {
  if (segments.length <= MAX_SEGMENTS) return segments.join('.');
  const head = segments.slice(0, MAX_SEGMENTS / 2);
  const tail = segments.slice(-MAX_SEGMENTS / 2);
  return `${head.join('.')}.….${tail.join('.')}`;
}
