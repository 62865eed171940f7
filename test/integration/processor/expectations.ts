// What the example queries must return for the fixture data (clickhouseFixtures.ts), in
// either dialect: one place, so both engines are held to the same answers.
import { expect } from 'vitest';
import type { QueryParams } from '../../../lib/clickhouse/queries.ts';
import { TRACE_ID } from '../../support/clickhouseFixtures.ts';

export const QUERY_SERVICE = 'checkout';

export const queryParams = (database: string): QueryParams => ({
  database,
  service: QUERY_SERVICE,
  traceId: TRACE_ID,
  since: 'now() - INTERVAL 1 HOUR',
  route: '/pay',
});

type Rows = Record<string, unknown>[];

export function expectExampleResults(results: Record<string, Rows>): void {
  const goroutines = results.latestGoroutines!;
  expect(goroutines.map((r) => [r.ServiceName, r.Instance, Number(r.Goroutines)])).toEqual([
    ['checkout', 'checkout-1', 42],
    ['payments', 'payments-1', 7],
  ]);

  // Two minutes; the second is the increment of cumulative buckets (see the fixture).
  const gc = results.gcPauseP99PerMinute!;
  expect(gc).toHaveLength(2);
  for (const minute of gc) expect(Number(minute.P99)).toBeCloseTo(750_000, 3);
  const latency = results.requestLatencyP99PerMinute!;
  expect(latency).toHaveLength(2);
  for (const minute of latency) expect(Number(minute.P99)).toBeCloseTo(0.5, 6);
  expect(String(latency[1]!.Minute) > String(latency[0]!.Minute)).toBe(true);

  // Only checkout's ERROR records on /pay, newest first.
  const errors = results.errorLogs!;
  expect(errors.map((r) => r.Body)).toEqual(['error 2', 'error 1', 'error 0']);
  expect(errors.every((r) => r.Route === '/pay' && r.SeverityText === 'ERROR')).toBe(true);

  const spans = results.traceById!;
  expect(spans.map((r) => r.SpanName)).toEqual(['POST /pay', 'SELECT cart', 'charge']);
  expect(spans.map((r) => Number(r.Duration))).toEqual([120e6, 3e6, 80e6]);
  expect(spans[2]).toMatchObject({
    StatusCode: 'Error',
    StatusMessage: 'card declined',
    SpanKind: 'Client',
  });
}
