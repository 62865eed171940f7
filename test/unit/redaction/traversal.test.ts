// A request with personal data planted in every place a string can be comes out clean,
// with everything else intact and the affected records marked.
import { describe, expect, it } from 'vitest';
import {
  decodeJsonRequest,
  decodeRequest,
  encodeJsonRequest,
  encodeRequest,
} from '../../../lib/otlp/codec.ts';
import type {
  AnyValue,
  ExportLogsServiceRequest,
  KeyValue,
  Signal,
} from '../../../lib/otlp/types.ts';
import { Redactor } from '../../../lib/redaction/redactor.ts';
import { config, keyringWith } from './helpers.ts';

const PLANTED = {
  email: 'bob@example.com',
  email2: 'carol@example.org',
  phone: '13800138000',
  card: '4111 1111 1111 1111',
  id: '11010519491231002X',
  password: 'hunter2-s3cret',
  bearer: 'ya29.a0AfH6SMBx3kLq9Zt',
  urlSecret: 'app:s3cr3tpw',
  token: 'tok3nvalue99',
};

const s = (stringValue: string) => ({ stringValue });
const kv = (key: string, value: unknown) => ({ key, value });
const resource = {
  attributes: [kv('service.name', s('checkout')), kv('owner.email', s(PLANTED.email))],
};
const scope = {
  name: `lib-${PLANTED.phone}`,
  version: '1.2.3',
  attributes: [kv('team', s(`mail ${PLANTED.email2}`))],
};
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

const logsJson = {
  resourceLogs: [
    {
      resource,
      scopeLogs: [
        {
          scope,
          logRecords: [
            {
              traceId: TRACE_ID,
              spanId: SPAN_ID,
              severityText: 'INFO',
              eventName: `signup.${PLANTED.email}`,
              body: s(`login for ${PLANTED.email} from card ${PLANTED.card}`),
              attributes: [
                kv('http.request.method', s('GET')),
                kv('http.response.status_code', { intValue: '200' }),
                kv('http.request.header.authorization', s(`Bearer ${PLANTED.bearer}`)),
                kv('http.response.header.Set-Cookie', s('sid=abc')),
                kv('db.password', { intValue: '1234' }),
                kv('tags', {
                  arrayValue: {
                    values: [s(`call ${PLANTED.phone}`), { intValue: '7' }, s('plain')],
                  },
                }),
                kv('user', {
                  kvlistValue: {
                    values: [
                      kv('id_number', s(PLANTED.id)),
                      kv('api_key', s('k-123')),
                      kv('nested', { arrayValue: { values: [s(`to ${PLANTED.email2}`)] } }),
                    ],
                  },
                }),
              ],
            },
            {
              body: {
                kvlistValue: {
                  values: [
                    kv('msg', s('payment')),
                    kv('password', s(PLANTED.password)),
                    kv(
                      'url',
                      s(`https://${PLANTED.urlSecret}@db.example.com/x?token=${PLANTED.token}`),
                    ),
                  ],
                },
              },
              attributes: [],
            },
            { body: s('nothing personal here'), attributes: [kv('k', s('v'))] },
          ],
        },
      ],
    },
  ],
};

const tracesJson = {
  resourceSpans: [
    {
      resource,
      scopeSpans: [
        {
          scope,
          spans: [
            {
              traceId: TRACE_ID,
              spanId: SPAN_ID,
              name: `GET /users/${PLANTED.email}`,
              kind: 2,
              attributes: [kv('url.full', s(`https://${PLANTED.urlSecret}@db.example.com/`))],
              events: [
                {
                  name: `sms to ${PLANTED.phone}`,
                  attributes: [kv('exception.message', s(`card ${PLANTED.card} declined`))],
                },
              ],
              links: [
                {
                  traceId: TRACE_ID,
                  spanId: SPAN_ID,
                  attributes: [kv('peer.contact', s(PLANTED.email2))],
                },
              ],
              status: { code: 2, message: `failed for ${PLANTED.id}` },
            },
            { traceId: TRACE_ID, spanId: SPAN_ID, name: 'GET /healthz', attributes: [] },
          ],
        },
      ],
    },
  ],
};

const point = (attributes: unknown[], extra: Record<string, unknown> = {}) => ({
  attributes,
  timeUnixNano: '1700000000000000000',
  ...extra,
});
const exemplar = { filteredAttributes: [kv('user.phone', s(PLANTED.phone))], asDouble: 1.5 };

const metricsJson = {
  resourceMetrics: [
    {
      resource,
      scopeMetrics: [
        {
          scope,
          metrics: [
            {
              name: 'orders',
              description: `orders of ${PLANTED.email2}`,
              gauge: { dataPoints: [point([kv('customer', s(PLANTED.email))], { asInt: '3' })] },
            },
            {
              name: 'payments',
              sum: {
                dataPoints: [point([kv('card', s(PLANTED.card))], { asDouble: 2 })],
                aggregationTemporality: 2,
                isMonotonic: true,
              },
            },
            {
              name: 'latency',
              histogram: {
                dataPoints: [
                  point([kv('route', s('/a'))], {
                    count: '1',
                    bucketCounts: ['1'],
                    explicitBounds: [],
                    exemplars: [exemplar],
                  }),
                ],
                aggregationTemporality: 2,
              },
            },
            {
              name: 'size',
              exponentialHistogram: {
                dataPoints: [point([kv('id', s(PLANTED.id))], { count: '1', scale: 1 })],
                aggregationTemporality: 2,
              },
            },
            {
              name: 'quantiles',
              summary: {
                dataPoints: [point([kv('session', s('abc'))], { count: '1', sum: 1 })],
              },
            },
          ],
        },
      ],
    },
  ],
};

const CASES: [Signal, unknown][] = [
  ['logs', logsJson],
  ['traces', tracesJson],
  ['metrics', metricsJson],
];

function attributeMap(attributes: KeyValue[]): Record<string, AnyValue | null | undefined> {
  return Object.fromEntries(attributes.map((a) => [a.key, a.value]));
}

function summaryOf(attributes: KeyValue[]): Record<string, number> | undefined {
  const value = attributeMap(attributes)['redaction.summary']?.stringValue;
  return value ? (JSON.parse(value) as Record<string, number>) : undefined;
}

describe('redactRequest traversal', () => {
  const redactor = new Redactor(config(), keyringWith(['k1']));

  it.each(CASES)('%s: no planted value survives and the rest is intact', (signal, json) => {
    const request = decodeJsonRequest(signal, JSON.stringify(json));
    const summary = redactor.redactRequest(signal, request);
    const out = encodeJsonRequest(signal, request);
    for (const [name, value] of Object.entries(PLANTED)) {
      expect({ name, leaked: out.includes(value) }).toEqual({ name, leaked: false });
    }
    for (const kept of ['checkout', 'GET', '1.2.3', TRACE_ID, SPAN_ID]) {
      if (JSON.stringify(json).includes(kept)) expect(out).toContain(kept);
    }
    expect(summary.redacted).toBe(true);
    // Still a valid message: protobuf round trip gives the same JSON.
    expect(encodeJsonRequest(signal, decodeRequest(signal, encodeRequest(signal, request)))).toBe(
      out,
    );
  });

  it('logs: redacts values in place, removes key-rule attributes, marks records', () => {
    const request = decodeJsonRequest('logs', JSON.stringify(logsJson));
    const summary = redactor.redactRequest('logs', request);
    const resourceLogs = request.resourceLogs[0]!;
    const [first, second, third] = resourceLogs.scopeLogs[0]!.logRecords;
    const attrs = attributeMap(first!.attributes);
    expect(Object.keys(attrs)).toEqual([
      'http.request.method',
      'http.response.status_code',
      'tags',
      'user',
      'data_classification',
      'redaction.summary',
    ]);
    expect(attrs['http.response.status_code']?.intValue?.toString()).toBe('200');
    expect(
      attrs.tags?.arrayValue?.values.map((v) => v.stringValue || v.intValue?.toString()),
    ).toEqual(['call ****8000', '7', 'plain']);
    const user = attributeMap(attrs.user!.kvlistValue!.values);
    expect(Object.keys(user)).toEqual(['id_number', 'nested']);
    expect(user.id_number?.stringValue).toMatch(/^enc:v1:k1:/);
    expect(attrs.data_classification?.stringValue).toBe('pii');
    expect(summaryOf(first!.attributes)).toEqual({
      prcId: 1,
      paymentCard: 1,
      phone: 1,
      email: 3,
      sensitiveKey: 4,
    });
    expect(first!.body?.stringValue).toMatch(/^login for hmac:[0-9a-f]{16} from card \*{4}1111$/);
    expect(summaryOf(second!.attributes)).toEqual({
      urlCredentials: 1,
      secretParam: 1,
      sensitiveKey: 1,
    });
    expect(attributeMap(second!.body!.kvlistValue!.values).url?.stringValue).toBe(
      'https://[REDACTED]@db.example.com/x?token=[REDACTED]',
    );
    expect(third!.attributes).toEqual([{ key: 'k', value: { stringValue: 'v' } }]);
    expect(summaryOf(resourceLogs.resource!.attributes)).toEqual({ email: 1 });
    expect(summaryOf(resourceLogs.scopeLogs[0]!.scope!.attributes)).toEqual({ phone: 1, email: 1 });
    expect(summary.counts).toEqual({
      urlCredentials: 1,
      secretParam: 1,
      prcId: 1,
      paymentCard: 1,
      phone: 2,
      email: 5,
      sensitiveKey: 5,
    });
  });

  it('traces: span name, events, links and status are redacted and the span marked', () => {
    const request = decodeJsonRequest('traces', JSON.stringify(tracesJson));
    redactor.redactRequest('traces', request);
    const [span, clean] = request.resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(span!.name).toMatch(/^GET \/users\/hmac:[0-9a-f]{16}$/);
    expect(span!.events[0]!.name).toBe('sms to ****8000');
    expect(span!.status?.message).toMatch(/^failed for enc:v1:k1:/);
    expect(summaryOf(span!.attributes)).toEqual({
      urlCredentials: 1,
      prcId: 1,
      paymentCard: 1,
      phone: 1,
      email: 2,
    });
    expect(clean!.attributes).toEqual([]);
  });

  it("metrics: data points (exemplars included) are marked, with their metric's findings", () => {
    const request = decodeJsonRequest('metrics', JSON.stringify(metricsJson));
    redactor.redactRequest('metrics', request);
    const [orders, payments, latency, size, quantiles] =
      request.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    expect(summaryOf(orders!.gauge!.dataPoints[0]!.attributes)).toEqual({ email: 2 });
    expect(summaryOf(payments!.sum!.dataPoints[0]!.attributes)).toEqual({ paymentCard: 1 });
    const histogramPoint = latency!.histogram!.dataPoints[0]!;
    expect(histogramPoint.exemplars[0]!.filteredAttributes[0]!.value?.stringValue).toBe('****8000');
    expect(summaryOf(histogramPoint.attributes)).toEqual({ phone: 1 });
    expect(summaryOf(size!.exponentialHistogram!.dataPoints[0]!.attributes)).toEqual({ prcId: 1 });
    const summaryPoint = quantiles!.summary!.dataPoints[0]!;
    expect(attributeMap(summaryPoint.attributes).session).toBeUndefined();
    expect(summaryOf(summaryPoint.attributes)).toEqual({ sensitiveKey: 1 });
  });

  it('key rules can mask, hash or encrypt instead of dropping', () => {
    const custom = new Redactor(
      config({
        keyRules: [
          { pattern: '^cookie$', action: 'mask', keep: 2 },
          { pattern: '^x_api_key$', action: 'hash' },
          { pattern: 'secret$', action: 'encrypt' },
        ],
      }),
      keyringWith(['k1']),
    );
    const request = decodeJsonRequest(
      'logs',
      JSON.stringify({
        resourceLogs: [
          {
            scopeLogs: [
              {
                logRecords: [
                  {
                    attributes: [
                      kv('http.request.header.cookie', s('sid=abcdef')),
                      kv('http.request.header.X-API-Key', s('k-123')),
                      kv('client_secret', { intValue: '42' }),
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    custom.redactRequest('logs', request);
    const attrs = attributeMap(request.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.attributes);
    expect(attrs['http.request.header.cookie']?.stringValue).toBe('****ef');
    expect(attrs['http.request.header.X-API-Key']?.stringValue).toMatch(/^hmac:[0-9a-f]{16}$/);
    expect(attrs.client_secret?.stringValue).toMatch(/^enc:v1:k1:/);
    expect(attrs.client_secret?.intValue ?? null).toBeNull();
  });

  it('throws on a request of the wrong shape instead of passing it through', () => {
    const wrong = { resourceSpans: [] } as unknown as ExportLogsServiceRequest;
    expect(() => redactor.redactRequest('logs', wrong)).toThrow();
  });
});
