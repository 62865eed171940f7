// The wire path (records.ts over lib/otlp/wire) against today's decode path (decode,
// screen, one record per resource in the exporter): same records, accepted items and
// partial success for random and hand-built requests of the three signals, including the
// cases the wire path hands to the decode path (rejected items, oversized resources).
import { describe, expect, it } from 'vitest';
import { TelepipeError } from '../../../lib/errors.ts';
import { Rng } from '../../../models/simulator/rng.ts';
import { decodeRequest, encodeRequest } from '../../../lib/otlp/codec.ts';
import { kafkaRecords, outgoingRecords } from '../../../lib/otlp/kafka-records.ts';
import type { OutgoingRecord } from '../../../lib/kafka/client.ts';
import type {
  ExportPartialSuccess,
  ExportRequestBySignal,
  Signal,
} from '../../../lib/otlp/types.ts';
import { requestRecords } from '../../../services/ingest/records.ts';
import { screenRequest } from '../../../services/ingest/screen.ts';
import { RandomOtlp } from '../../support/random-otlp.ts';
import { keyValue, len, tag, varintField } from '../../support/wire-builder.ts';

const SIGNALS: Signal[] = ['metrics', 'logs', 'traces'];
const ORIGIN = { tenant: 'acme', receivedNs: 1795464000123456789n };
const MAX_RECORD_BYTES = 1_000_000;

interface Records {
  records: OutgoingRecord[];
  accepted: number;
  partial: ExportPartialSuccess | undefined;
}

/** Records with their values decoded, so that two outcomes compare as requests. */
type Outcome = { records: unknown[]; accepted: number; partial: unknown } | { error: string };

/** Before the wire path: decode, screen, and the exporter's records of the screened request. */
function viaDecode(signal: Signal, body: Buffer, maxRecordBytes: number): Outcome {
  return outcome(signal, () => {
    const screened = screenRequest(signal, decodeRequest(signal, body));
    const records =
      screened.accepted > 0
        ? kafkaRecords({ signal, request: screened.request, ...ORIGIN }, 'topic', maxRecordBytes)
        : [];
    return { records, accepted: screened.accepted, partial: screened.partial };
  });
}

function viaIngest(signal: Signal, body: Buffer, maxRecordBytes: number): Outcome {
  return outcome(signal, () => {
    const { records, accepted, partial } = requestRecords(signal, 'protobuf', body, maxRecordBytes);
    return { records: outgoingRecords(records, 'topic', ORIGIN), accepted, partial };
  });
}

function outcome(signal: Signal, run: () => Records): Outcome {
  try {
    const { records, accepted, partial } = run();
    const decoded = records.map((r) => ({ ...r, value: decodeRequest(signal, r.value) }));
    return { records: decoded, accepted, partial };
  } catch (err) {
    if (!(err instanceof TelepipeError)) throw err;
    return { error: `${err.reason}: ${err.message}` };
  }
}

function expectSameOutcome(
  signal: Signal,
  body: Buffer,
  maxRecordBytes = MAX_RECORD_BYTES,
): Outcome {
  const wire = viaIngest(signal, body, maxRecordBytes);
  expect(wire).toEqual(viaDecode(signal, body, maxRecordBytes));
  return wire;
}

const encode = <S extends Signal>(signal: S, request: ExportRequestBySignal[S]): Buffer =>
  Buffer.from(encodeRequest(signal, request));

describe('protobuf requests on the wire path', () => {
  it.each(SIGNALS)(
    '%s: random valid requests give the records of the decode path, uncopied',
    (signal) => {
      const random = new RandomOtlp(7);
      let forwarded = 0;
      for (let i = 0; i < 200; i++) {
        const body = encode(signal, random.request(signal));
        expectSameOutcome(signal, body);
        const { records } = requestRecords(signal, 'protobuf', body, MAX_RECORD_BYTES);
        if (records.length > 0 && records.every((r) => r.value.buffer === body.buffer)) forwarded++;
      }
      // The rest hold an identity attribute that is not a string, or no items at all.
      expect(forwarded).toBeGreaterThan(100);
    },
  );

  it.each(SIGNALS)(
    '%s: random requests with rejected items give the same partial success',
    (signal) => {
      const random = new RandomOtlp(11, 0.15);
      let partials = 0;
      for (let i = 0; i < 200; i++) {
        const wire = expectSameOutcome(signal, encode(signal, random.request(signal)));
        if ('partial' in wire && wire.partial !== undefined) partials++;
      }
      expect(partials).toBeGreaterThan(20);
    },
  );

  it.each(SIGNALS)('%s: resources bigger than a record are split as before', (signal) => {
    const random = new RandomOtlp(13);
    const errors = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const wire = expectSameOutcome(signal, encode(signal, random.request(signal)), 600);
      if ('error' in wire) errors.add(wire.error.split(':')[0]!);
    }
    // Single items over 600 bytes are refused the same way by both.
    expect([...errors]).toEqual(errors.size ? ['payload_too_large'] : []);
  });

  it('keeps the errors for an empty body and for a request without resource entries', () => {
    for (const signal of SIGNALS) {
      expect(viaIngest(signal, Buffer.alloc(0), MAX_RECORD_BYTES)).toEqual({
        error: 'invalid_argument: empty request body; an OTLP export needs at least one resource',
      });
      // Only an unknown field: no resource entries, on either path.
      const noResources = len(9, 'x');
      expect(expectSameOutcome(signal, noResources)).toEqual({
        error: expect.stringMatching(/^invalid_argument: the request holds no resource\w+ entries/),
      });
    }
  });

  it('accepts resource entries without items and writes nothing for them', () => {
    const body = Buffer.concat([len(1), len(1, len(2, len(1, len(1, 'scope'))))]);
    for (const signal of SIGNALS) {
      expect(expectSameOutcome(signal, body)).toEqual({
        records: [],
        accepted: 0,
        partial: undefined,
      });
    }
  });
});

describe('protobuf that no SDK writes, the same on both paths', () => {
  const resource = (...attributes: Buffer[]) => len(1, ...attributes.map((a) => len(1, a)));
  const gauge = (points: number) =>
    len(
      5,
      ...Array.from({ length: points }, () => len(1, Buffer.from('19000000000000f03f', 'hex'))),
    );
  const sum = (points: number) => len(7, ...Array.from({ length: points }, () => len(1)));
  const metricsEntry = (...fields: Buffer[]) => len(1, ...fields);
  const scope = (...metrics: Buffer[]) => len(2, ...metrics.map((m) => len(2, m)));

  it('merges a resource given twice, and a metric data field given twice', () => {
    const body = metricsEntry(
      resource(keyValue('service.name', 'checkout')),
      scope(Buffer.concat([len(1, 'm'), gauge(2), gauge(3)])),
      resource(keyValue('host.name', 'node-1'), keyValue('service.name', 'ignored')),
    );
    const wire = expectSameOutcome('metrics', body);
    expect(wire).toMatchObject({ accepted: 5 });
  });

  it('counts only the last member of the data oneof', () => {
    const body = metricsEntry(scope(Buffer.concat([len(1, 'm'), gauge(2), sum(4), gauge(1)])));
    expect(expectSameOutcome('metrics', body)).toMatchObject({ accepted: 1 });
  });

  it('leaves identity attributes that are not strings to the decode path', () => {
    const intValue = varintField(3, 42);
    const cases = [
      resource(keyValue('service.instance.id', intValue)),
      resource(keyValue('service.name', Buffer.concat([len(1, 'a'), intValue]))),
      resource(keyValue('service.name', Buffer.concat([intValue, len(1, 'a')]))),
      resource(Buffer.concat([len(1, 'service.name'), len(2, intValue), len(2, len(1, 'b'))])),
      resource(keyValue('service.name', 'first'), keyValue('service.name', intValue)),
      resource(keyValue('host.name', len(6))),
      resource(Buffer.concat([len(1, 'service.name')])),
    ];
    for (const r of cases)
      expectSameOutcome('metrics', metricsEntry(r, scope(Buffer.concat([len(1, 'm'), gauge(1)]))));
  });

  it('forwards unknown fields at every level, which the decoder skips', () => {
    const unknown = Buffer.concat([
      varintField(99, 7),
      len(98, 'future'),
      tag(97, 5),
      Buffer.alloc(4),
    ]);
    const body = Buffer.concat([
      unknown,
      metricsEntry(
        unknown,
        resource(keyValue('service.name', 's')),
        scope(Buffer.concat([unknown, len(1, 'm'), gauge(1)])),
        unknown,
      ),
    ]);
    expectSameOutcome('metrics', body);
    const [record] = requestRecords('metrics', 'protobuf', body, MAX_RECORD_BYTES).records;
    expect(Buffer.from(record!.value).includes(Buffer.from('future'))).toBe(true);
  });

  it('re-frames an entry whose length prefix is padded', () => {
    const entry = metricsEntry(
      resource(keyValue('service.name', 's')),
      scope(Buffer.concat([len(1, 'm'), gauge(1)])),
    );
    const content = entry.subarray(2); // tag and a one-byte length
    const padded = Buffer.concat([
      tag(1, 2),
      Buffer.from([(content.length & 0x7f) | 0x80, content.length >> 7]),
      content,
    ]);
    expectSameOutcome('metrics', padded);
    const [record] = requestRecords('metrics', 'protobuf', padded, MAX_RECORD_BYTES).records;
    expect(Buffer.from(record!.value)).toEqual(entry);
  });

  it('drops a metric without a name even when it has no data points', () => {
    const body = metricsEntry(scope(Buffer.concat([len(1, 'm'), gauge(2)]), len(1, '')));
    expect(expectSameOutcome('metrics', body)).toMatchObject({ accepted: 2, partial: undefined });
  });

  it('screens spans and log records by the last trace and span id given', () => {
    const traceId = Buffer.alloc(16, 1);
    const spanId = Buffer.alloc(8, 2);
    const span = (...fields: Buffer[]) => len(1, len(2, len(2, ...fields)));
    for (const fields of [
      [len(1, traceId), len(2, spanId)],
      [len(1, traceId), len(2, spanId), len(2, Buffer.alloc(8))],
      [len(1, Buffer.alloc(3)), len(1, traceId), len(2, spanId)],
      [len(2, spanId)],
    ]) {
      expectSameOutcome('traces', span(...fields));
    }
    const logRecord = (...fields: Buffer[]) => len(1, len(2, len(2, ...fields)));
    for (const fields of [
      [],
      [len(9, traceId)],
      [len(9, traceId), len(9)],
      [len(10, Buffer.alloc(7))],
    ]) {
      expectSameOutcome('logs', logRecord(...fields));
    }
  });

  it('accepts packed and unpacked histogram buckets alike', () => {
    const point = (buckets: Buffer) => len(9, len(1, buckets));
    const packed = len(6, Buffer.alloc(16, 1));
    const unpacked = Buffer.concat([tag(6, 1), Buffer.alloc(8, 1), tag(6, 1), Buffer.alloc(8, 1)]);
    for (const buckets of [packed, unpacked]) {
      expectSameOutcome(
        'metrics',
        metricsEntry(scope(Buffer.concat([len(1, 'h'), point(buckets)]))),
      );
    }
  });
});

describe('mutated protobuf requests', () => {
  // The wire path refuses what the decoder refuses, and beyond that only wire no OTLP
  // encoder writes: known fields with another wire type (protobufjs skips them as
  // unknown), groups, and varints over 10 bytes in unknown fields.
  const STRICTER = /wire type \d+ for field|wire type \d \(group\)|varint longer than 10 bytes/;

  it.each(SIGNALS)('%s: same outcome whenever the wire path accepts', (signal) => {
    const random = new RandomOtlp(17, 0.05);
    const rng = new Rng(23);
    const counts = { accepted: 0, refused: 0, stricter: 0 };
    for (let i = 0; i < 1500; i++) {
      const body = mutate(encode(signal, random.request(signal)), rng);
      const wire = viaIngest(signal, body, MAX_RECORD_BYTES);
      const decoded = viaDecode(signal, body, MAX_RECORD_BYTES);
      if (!('error' in wire)) {
        counts.accepted++;
        expect(wire).toEqual(decoded);
      } else if ('error' in decoded) {
        counts.refused++;
        expect(wire.error).toMatch(/^invalid_argument: /);
      } else {
        counts.stricter++;
        expect(wire.error).toMatch(STRICTER);
      }
    }
    expect(counts.accepted).toBeGreaterThan(100);
    expect(counts.refused).toBeGreaterThan(100);
  });
});

function mutate(valid: Buffer, rng: Rng): Buffer {
  const out = Buffer.from(valid);
  const at = () => rng.int(0, Math.max(0, out.length - 1));
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => rng.int(0, 255)));
  switch (rng.int(0, 5)) {
    case 0: // flip one to three bits
      for (let i = rng.int(1, 3); i > 0; i--) out[at()]! ^= 1 << rng.int(0, 7);
      return out;
    case 1: // truncate
      return out.subarray(0, at());
    case 2: // splice random bytes in
      return Buffer.concat([out.subarray(0, at()), bytes(rng.int(1, 12)), out.subarray(at())]);
    case 3: // repeat a tail: fields given twice, lengths that no longer fit
      return Buffer.concat([out, out.subarray(at())]);
    case 4: // one byte set to a varint continuation
      out[at()] = 0xff;
      return out;
    default:
      return bytes(rng.int(1, 64));
  }
}
