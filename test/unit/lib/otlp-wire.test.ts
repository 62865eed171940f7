// lib/otlp/wire on its own: resource entries found and framed from the request's bytes,
// and malformed wire refused as invalid_argument, naming the fault and where it is.
import { describe, expect, it } from 'vitest';
import { TelepipeError } from '../../../lib/errors.ts';
import { decodeRequest, encodeRequest } from '../../../lib/otlp/codec.ts';
import { resourceKey } from '../../../lib/otlp/resources.ts';
import type { Signal } from '../../../lib/otlp/types.ts';
import { walkExportRequest } from '../../../lib/otlp/wire/request.ts';
import { Rng } from '../../../models/simulator/rng.ts';
import { RandomOtlp } from '../../support/random-otlp.ts';
import { keyValue, len, tag, varintField } from '../../support/wire-builder.ts';

const SIGNALS: Signal[] = ['metrics', 'logs', 'traces'];

/** The message of the error the walk throws, which must be an invalid_argument. */
function refusal(signal: Signal, body: Buffer): string {
  try {
    walkExportRequest(signal, body);
  } catch (err) {
    expect(err).toBeInstanceOf(TelepipeError);
    expect((err as TelepipeError).reason).toBe('invalid_argument');
    return (err as TelepipeError).message;
  }
  throw new Error(`the walk accepted ${body.toString('hex')}`);
}

const metric = (...fields: Buffer[]) => len(1, len(2, len(2, ...fields)));
const gaugePoint = (...fields: Buffer[]) => metric(len(1, 'm'), len(5, len(1, ...fields)));

/** AnyValues nested `levels` deep in arrays, as a resource attribute's value. */
function nestedArrays(levels: number): Buffer {
  let value = len(1, 'leaf');
  for (let i = 0; i < levels; i++) value = len(5, len(1, value));
  return len(1, len(1, len(1, Buffer.concat([len(1, 'k'), len(2, value)]))));
}

describe('walkExportRequest', () => {
  it.each(SIGNALS)(
    '%s: one entry per resource, framed from the body, with its key and items',
    (signal) => {
      const request = new RandomOtlp(3).request(signal);
      const body = Buffer.from(encodeRequest(signal, request));
      const decoded = decodeRequest(signal, body);
      const resources = Object.values(decoded)[0] as {
        resource?: Parameters<typeof resourceKey>[0];
      }[];
      const entries = walkExportRequest(signal, body);
      expect(entries).toHaveLength(resources.length);
      entries.forEach((entry, i) => {
        expect(entry.value.buffer).toBe(body.buffer);
        expect(entry.value[0]).toBe(0x0a);
        expect(Object.values(decodeRequest(signal, entry.value))[0]).toEqual([resources[i]]);
        if (entry.key !== undefined) expect(entry.key).toBe(resourceKey(resources[i]!.resource));
      });
    },
  );

  it('names truncated varints, with the path of the message they are in', () => {
    expect(refusal('metrics', Buffer.from([0x0a, 0xff]))).toBe(
      'malformed OTLP protobuf ExportMetricsServiceRequest: truncated length of field 1 in the request (byte 0)',
    );
    expect(refusal('metrics', gaugePoint(Buffer.from([0x40, 0xff])))).toMatch(
      /: truncated varint in field 8 in resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.gauge\.dataPoints\[0\] \(byte \d+\)$/,
    );
  });

  it('names lengths past the end of the body or of the enclosing message', () => {
    expect(refusal('logs', Buffer.from([0x0a, 0x05, 0x00]))).toMatch(
      /ExportLogsServiceRequest: truncated length-delimited field 1 in the request/,
    );
    const scope = len(2, len(1, len(1, 'scope')));
    const broken = len(2, Buffer.from([0x12, 0x10, 0x0a, 0x01, 0x41]));
    const body = len(1, scope, broken);
    expect(refusal('metrics', Buffer.concat([len(1, scope), body]))).toMatch(
      /: truncated length-delimited field 2 in resourceMetrics\[1\]\.scopeMetrics\[1\] \(byte \d+\)$/,
    );
  });

  it.each([
    ['metrics', 'resourceMetrics'],
    ['logs', 'resourceLogs'],
    ['traces', 'resourceSpans'],
  ] as const)('%s: refuses another wire type at field 1', (signal, field) => {
    expect(refusal(signal, varintField(1, 1))).toContain(
      `wire type 0 for field 1 (${field}), which has wire type 2 in the request`,
    );
  });

  it('names garbage inside a resource entry', () => {
    const body = len(
      1,
      len(1, len(1, keyValue('service.name', 'a'))),
      len(2, Buffer.from('ffffffff', 'hex')),
    );
    expect(refusal('metrics', body)).toMatch(
      /: truncated tag in resourceMetrics\[0\]\.scopeMetrics\[0\]/,
    );
    const badKey = len(1, len(1, len(1, len(1, Buffer.from([0x61, 0xc3])))));
    expect(refusal('traces', badKey)).toMatch(
      /: invalid UTF-8 in string field 1 \(key\) in resourceSpans\[0\]\.resource\.attributes\[0\]/,
    );
  });

  it('refuses what protobufjs refuses', () => {
    const cases: [Buffer, RegExp][] = [
      [Buffer.from([0x00, 0x00]), /field number 0 in the request/],
      [Buffer.from([0x0f]), /invalid wire type 7 in field 1/],
      [Buffer.from([0x0a, 0x80, 0x80, 0x80, 0x80, 0x10]), /invalid length encoding of field 1/],
      [metric(len(1, Buffer.from([0xff]))), /invalid UTF-8 in string field 1 \(name\)/],
      [
        metric(len(1, 'h'), len(9, len(1, len(6, Buffer.alloc(7))))),
        /packed field 6 \(bucketCounts\) of 7 bytes/,
      ],
      [
        gaugePoint(Buffer.from([0x40]), Buffer.from('ffffffffffffffffffff01', 'hex')),
        /varint longer than 10 bytes in field 8/,
      ],
    ];
    for (const [body, message] of cases) {
      expect(refusal('metrics', body)).toMatch(message);
      expect(() => decodeRequest('metrics', body)).toThrow();
    }
  });

  it('refuses groups, which protobufjs skips in unknown fields and OTLP never uses', () => {
    const body = Buffer.concat([tag(5, 3), varintField(1, 1), tag(5, 4)]);
    expect(refusal('metrics', body)).toMatch(/wire type 3 \(group\) in field 5 in the request/);
  });

  it('allows messages as deep as protobufjs does, and names the rest', () => {
    expect(() => decodeRequest('metrics', nestedArrays(48))).not.toThrow();
    expect(walkExportRequest('metrics', nestedArrays(48))).toHaveLength(1);
    expect(() => decodeRequest('metrics', nestedArrays(49))).toThrow(/max depth exceeded/);
    expect(refusal('metrics', nestedArrays(49))).toMatch(
      /messages nested more than 100 deep in resourceMetrics\[0\]\.resource\.attributes\[0\]\.value\.….*\.values\[0\]/,
    );
  });

  it('checks strings as UTF-8 exactly where the decoder does', () => {
    const rng = new Rng(31);
    const strict = new TextDecoder('utf-8', { fatal: true });
    const pool = [0x41, 0x7f, 0x80, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xc0];
    for (let i = 0; i < 2000; i++) {
      const name = Buffer.from(
        Array.from({ length: rng.int(1, 6) }, () => pool[rng.int(0, pool.length - 1)]!),
      );
      let valid = true;
      try {
        strict.decode(name);
      } catch {
        valid = false;
      }
      const body = metric(len(1, name));
      if (valid) expect(walkExportRequest('metrics', body)).toHaveLength(1);
      else expect(refusal('metrics', body)).toMatch(/invalid UTF-8/);
    }
  });

  it.each(SIGNALS)(
    '%s: random bytes are an invalid_argument or a request, never another error',
    (signal) => {
      const rng = new Rng(37);
      for (let i = 0; i < 2000; i++) {
        const body = Buffer.from(Array.from({ length: rng.int(1, 40) }, () => rng.int(0, 255)));
        try {
          walkExportRequest(signal, body);
        } catch (err) {
          expect(err).toBeInstanceOf(TelepipeError);
          expect((err as TelepipeError).reason).toBe('invalid_argument');
        }
      }
    },
  );
});
