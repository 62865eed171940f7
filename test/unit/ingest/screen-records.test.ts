import { describe, expect, it } from 'vitest';
import { decodeJsonRequest, decodeRequest } from '../../../lib/otlp/codec.ts';
import { resourceKey } from '../../../lib/otlp/resources.ts';
import type { Signal } from '../../../lib/otlp/types.ts';
import {
  kafkaRecords,
  RECORD_HEADERS,
  type RecordSource,
} from '../../../lib/otlp/kafka-records.ts';
import { screenRequest } from '../../../services/ingest/screen.ts';
import { FIXTURE_ITEMS, fixtureRequest, SPAN_ID, TRACE_ID } from './harness.ts';

const exportOf = <S extends Signal>(signal: S, request = fixtureRequest(signal)): RecordSource => ({
  signal,
  request,
  tenant: 'acme',
  receivedNs: 1795464000123456789n,
});

describe('screenRequest', () => {
  it('passes a valid request through whole', () => {
    for (const signal of ['metrics', 'logs', 'traces'] as const) {
      const screened = screenRequest(signal, fixtureRequest(signal));
      expect(screened.accepted).toBe(FIXTURE_ITEMS[signal]);
      expect(screened.partial).toBeUndefined();
    }
  });

  it('rejects metrics without a name and reports their data points as a partial success', () => {
    const request = fixtureRequest('metrics');
    request.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.name = '';
    const screened = screenRequest('metrics', request);
    expect(screened.accepted).toBe(4);
    expect(screened.partial).toEqual({
      rejected: 2,
      errorMessage: 'rejected metric data points: 1 × metric without a name',
    });
    const names = screened.request.resourceMetrics.flatMap((rm) =>
      rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.name)),
    );
    expect(names).not.toContain('');
  });

  it('rejects spans with invalid ids and drops resource entries left empty', () => {
    const request = fixtureRequest('traces');
    request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId = new Uint8Array(16); // all zero
    const screened = screenRequest('traces', request);
    expect(screened.accepted).toBe(1);
    expect(screened.partial?.rejected).toBe(1);
    expect(screened.partial?.errorMessage).toMatch(/span without a valid trace id/);
    expect(screened.request.resourceSpans).toHaveLength(1);
  });

  it('rejects log records with ids of the wrong size but accepts records without ids', () => {
    const request = fixtureRequest('logs');
    request.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.spanId = new Uint8Array(3);
    request.resourceLogs[1]!.scopeLogs[0]!.logRecords[0]!.traceId = new Uint8Array(0);
    request.resourceLogs[1]!.scopeLogs[0]!.logRecords[0]!.spanId = new Uint8Array(0);
    const screened = screenRequest('logs', request);
    expect(screened.accepted).toBe(1);
    expect(screened.partial?.rejected).toBe(1);
  });

  it('refuses a request without resource entries but accepts empty resource entries', () => {
    expect(() => screenRequest('logs', decodeJsonRequest('logs', '{}'))).toThrowError(
      expect.objectContaining({
        reason: 'invalid_argument',
        message: expect.stringMatching(/no resourceLogs/),
      }),
    );
    const emptyResource = decodeJsonRequest('logs', '{"resourceLogs":[{"scopeLogs":[]}]}');
    const screened = screenRequest('logs', emptyResource);
    expect(screened.accepted).toBe(0);
    expect(screened.request.resourceLogs).toHaveLength(0);
    expect(screened.partial).toBeUndefined();
  });
});

describe('kafkaRecords', () => {
  it('makes one record per resource with the resource key, the headers and a single-resource value', () => {
    const request = fixtureRequest('traces');
    const records = kafkaRecords(exportOf('traces', request), 'spans', 1_000_000);
    expect(records).toHaveLength(2);
    records.forEach((record, i) => {
      expect(record.topic).toBe('spans');
      expect(record.key).toBe(resourceKey(request.resourceSpans[i]!.resource));
      expect(record.headers).toEqual({
        [RECORD_HEADERS.tenant]: 'acme',
        [RECORD_HEADERS.receivedNs]: '1795464000123456789',
        [RECORD_HEADERS.contentType]: 'application/x-protobuf',
      });
      const value = decodeRequest('traces', record.value);
      expect(value.resourceSpans).toHaveLength(1);
      const span = value.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
      expect(Buffer.from(span.traceId!).toString('hex')).toBe(TRACE_ID);
      expect(Buffer.from(span.spanId!).toString('hex')).toBe(SPAN_ID);
    });
    expect(records[0]!.key).not.toBe(records[1]!.key);
  });

  it('splits a resource bigger than a record into records of the same resource and key', () => {
    const points = Array.from({ length: 2000 }, (_, i) => ({
      asDouble: i,
      timeUnixNano: String(1700000000000000000n + BigInt(i)),
      attributes: [{ key: 'seq', value: { intValue: String(i) } }],
    }));
    const request = decodeJsonRequest(
      'metrics',
      JSON.stringify({
        resourceMetrics: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'big' } }] },
            scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: points } }] }],
          },
        ],
      }),
    );
    const records = kafkaRecords(exportOf('metrics', request), 'metrics', 10_000);
    expect(records.length).toBeGreaterThan(5);
    const values = records.map((r) => {
      expect(r.value.length).toBeLessThanOrEqual(10_000);
      expect(r.key).toBe(records[0]!.key);
      return decodeRequest('metrics', r.value);
    });
    const seqs = values.flatMap((v) =>
      v.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.gauge!.dataPoints.map((p) => p.asDouble),
    );
    expect(seqs).toEqual(points.map((p) => p.asDouble));
    for (const v of values) {
      expect(v.resourceMetrics[0]!.resource!.attributes[0]!.value!.stringValue).toBe('big');
      expect(v.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.name).toBe('m');
    }
  });

  it('refuses a single item bigger than a record as payload_too_large', () => {
    const request = fixtureRequest('logs');
    request.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.body = { stringValue: 'x'.repeat(5000) };
    expect(() => kafkaRecords(exportOf('logs', request), 'logs', 1000)).toThrowError(
      expect.objectContaining({
        reason: 'payload_too_large',
        message: expect.stringMatching(/single log record/),
      }),
    );
  });
});
