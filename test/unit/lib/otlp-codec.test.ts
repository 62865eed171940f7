import { describe, expect, it } from 'vitest';
import {
  decodeJsonRequest,
  decodeRequest,
  encodeJsonRequest,
  encodeJsonResponse,
  encodeRequest,
  encodeResponse,
} from '../../../lib/otlp/codec.ts';
import {
  anyValueToString,
  attributeString,
  countItems,
  resourceKey,
  splitByResource,
} from '../../../lib/otlp/resources.ts';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

const jsonTraces = {
  resourceSpans: [1, 2].map((n) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${n}` } }] },
    scopeSpans: [
      {
        scope: { name: 'test' },
        spans: [
          {
            traceId: TRACE_ID,
            spanId: SPAN_ID,
            name: 'GET /',
            kind: 2,
            startTimeUnixNano: '1700000000000000001',
            endTimeUnixNano: 1700000000500000000,
            attributes: [{ key: 'http.status_code', value: { intValue: '200' } }],
          },
        ],
      },
    ],
  })),
};

describe('OTLP codec', () => {
  it('decodes OTLP/JSON with hex ids, string and number int64s and enum numbers', () => {
    const req = decodeJsonRequest('traces', JSON.stringify(jsonTraces));
    const span = req.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(Buffer.from(span.traceId!).toString('hex')).toBe(TRACE_ID);
    expect(Buffer.from(span.spanId!).toString('hex')).toBe(SPAN_ID);
    expect(span.startTimeUnixNano!.toString()).toBe('1700000000000000001');
    expect(span.kind).toBe(2);
  });

  it('round-trips protobuf and JSON without changing the data', () => {
    const req = decodeJsonRequest('traces', JSON.stringify(jsonTraces));
    const again = decodeRequest('traces', encodeRequest('traces', req));
    expect(JSON.parse(encodeJsonRequest('traces', again))).toEqual(
      JSON.parse(encodeJsonRequest('traces', req)),
    );
    expect(
      JSON.parse(encodeJsonRequest('traces', again)).resourceSpans[0].scopeSpans[0].spans[0]
        .traceId,
    ).toBe(TRACE_ID);
  });

  it('rejects malformed input with a permanent invalid_argument error', () => {
    const truncated = encodeRequest(
      'traces',
      decodeJsonRequest('traces', JSON.stringify(jsonTraces)),
    ).slice(0, 20);
    for (const bad of [Buffer.from([0xff, 0xff, 0xff]), truncated]) {
      expect(() => decodeRequest('traces', bad)).toThrowError(
        expect.objectContaining({ reason: 'invalid_argument', kind: 'permanent' }),
      );
    }
    expect(() => decodeJsonRequest('logs', '{not json')).toThrow(/invalid JSON/);
    expect(() => decodeJsonRequest('logs', '[]')).toThrow(/must be a JSON object/);
    expect(() =>
      decodeJsonRequest(
        'logs',
        JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ spanId: 'xyz' }] }] }] }),
      ),
    ).toThrow(/resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[0\]\.spanId must be a hex string/);
  });

  it('encodes partial success in protobuf and JSON responses', () => {
    expect(encodeJsonResponse('metrics')).toBe('{}');
    expect(
      JSON.parse(encodeJsonResponse('metrics', { rejected: 3, errorMessage: 'no name' })),
    ).toEqual({
      partialSuccess: { rejectedDataPoints: '3', errorMessage: 'no name' },
    });
    expect(encodeResponse('logs').length).toBe(0);
    expect(
      Buffer.from(encodeResponse('logs', { rejected: 1, errorMessage: 'x' })).length,
    ).toBeGreaterThan(0);
  });
});

describe('AnyValue to text', () => {
  it('reads the member actually set on decoded protobuf messages, not prototype defaults', () => {
    const json = {
      resourceLogs: [
        {
          resource: {
            attributes: [
              { key: 'i', value: { intValue: '9007199254740993' } },
              { key: 'b', value: { boolValue: false } },
              { key: 'd', value: { doubleValue: 1.5 } },
              {
                key: 'a',
                value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 2 }] } },
              },
              {
                key: 'm',
                value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } },
              },
              { key: 's', value: { stringValue: '' } },
            ],
          },
          scopeLogs: [],
        },
      ],
    };
    const decoded = decodeRequest(
      'logs',
      encodeRequest('logs', decodeJsonRequest('logs', JSON.stringify(json))),
    );
    const attrs = decoded.resourceLogs[0]!.resource!.attributes;
    expect(attrs.map((kv) => anyValueToString(kv.value))).toEqual([
      '9007199254740993',
      'false',
      '1.5',
      '["x",2]',
      '{"k":true}',
      '',
    ]);
    expect(attributeString(attrs, 'i')).toBe('9007199254740993');
  });
});

describe('per-resource split and identity key', () => {
  it('splits a request into one request per resource and counts items', () => {
    const req = decodeJsonRequest('traces', JSON.stringify(jsonTraces));
    const parts = splitByResource('traces', req);
    expect(parts).toHaveLength(2);
    expect(parts.map((p) => countItems('traces', p.request))).toEqual([1, 1]);
    expect(countItems('traces', req)).toBe(2);
  });

  it('keys by resource identity only: same identity, same key; other attributes do not matter', () => {
    const attrs = (name: string, extra: string) => ({
      attributes: [
        { key: 'service.name', value: { stringValue: name } },
        { key: 'service.instance.id', value: { stringValue: 'i-1' } },
        { key: 'telemetry.sdk.version', value: { stringValue: extra } },
      ],
    });
    expect(resourceKey(attrs('a', '1'))).toBe(resourceKey(attrs('a', '2')));
    expect(resourceKey(attrs('a', '1'))).not.toBe(resourceKey(attrs('b', '1')));
    expect(resourceKey(attrs('a', '1'))).toMatch(/^[0-9a-f]{32}$/);
  });
});
