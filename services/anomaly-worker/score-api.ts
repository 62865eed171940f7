// POST /v1/score on the page server: the stored anomaly scores of one signal of a series, read
// from `anomaly_scores` (either dialect, through ScoreStore), as JSON. Documented in
// docs/openapi/score.yaml; the request is validated here so it can be tested without a server.
//
//   { tenant, service, instance, signal }              the latest score
//   { …, time }                                        the score of the step containing `time`
//   { …, from, to }                                    every score in [from, to)
//
// Times are unix milliseconds or ISO 8601 strings. Errors: 400 malformed body (naming the
// field), 404 `unknown_series` (no scores at all for the signal of that series) and 404
// `no_data_in_range` (the series has scores, none in the asked range).
import { z } from 'zod';
import { GO_SIGNALS, type SeriesId } from '../../models/index.ts';
import { apiError, parseJsonBody, validationProblem, type ApiResponse } from './json-api.ts';
import { tenantForbidden } from './page-auth.ts';
import type { ScoredSeries, StoredScore } from './scores.ts';

/** Longest range one request may ask for. */
export const MAX_RANGE_MS = 7 * 86_400_000;

const time = z
  .union([
    z.number().int().nonnegative(),
    z.string().refine((s) => Number.isFinite(Date.parse(s)), 'expected an ISO 8601 time'),
  ])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)));

export const scoreRequestSchema = z
  .object({
    tenant: z.string(),
    service: z.string().min(1),
    instance: z.string(),
    signal: z.enum(GO_SIGNALS),
    time: time.optional(),
    from: time.optional(),
    to: time.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (r.time !== undefined && (r.from !== undefined || r.to !== undefined)) {
      issue('time', 'give either time or from/to, not both');
    } else if (r.from !== undefined && r.to === undefined) {
      issue('to', 'required with from');
    } else if (r.to !== undefined && r.from === undefined) {
      issue('from', 'required with to');
    } else if (r.from !== undefined && r.to !== undefined) {
      if (r.to <= r.from) issue('to', 'must be after from');
      else if (r.to - r.from > MAX_RANGE_MS) issue('to', 'range is longer than 7 days');
    }
  });

export type ScoreRequestBody = z.input<typeof scoreRequestSchema>;

export interface ScoreRequest {
  id: SeriesId;
  signal: string;
  /** latest: the last stored step; at: the step containing `time`; range: [from, to). */
  mode: 'latest' | 'at' | 'range';
  fromMs?: number;
  toMs?: number;
}

export type ParsedScoreRequest =
  { ok: true; request: ScoreRequest } | { ok: false; field: string; message: string };

/** Validates a parsed JSON body; the error names the (first) offending field. */
export function parseScoreRequest(body: unknown): ParsedScoreRequest {
  const parsed = scoreRequestSchema.safeParse(body);
  if (!parsed.success) return { ok: false, ...validationProblem(parsed.error) };
  const { tenant, service, instance, signal, time: at, from, to } = parsed.data;
  const id = { tenant, service, instance };
  if (at !== undefined) return { ok: true, request: { id, signal, mode: 'at', fromMs: at } };
  if (from !== undefined && to !== undefined) {
    return { ok: true, request: { id, signal, mode: 'range', fromMs: from, toMs: to } };
  }
  return { ok: true, request: { id, signal, mode: 'latest' } };
}

/** What the API reads: ScoreStore. */
export interface ScoreSource {
  extent(
    id: SeriesId,
    signal: string,
  ): Promise<{ count: number; firstMs: number; lastMs: number } | undefined>;
  read(id: ScoredSeries, fromMs: number, toMs: number, signal?: string): Promise<StoredScore[]>;
}

export interface ScoreJson {
  time: string;
  timestampMs: number;
  score: number | null;
  anomalous: boolean;
  observed: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  modelVersion: string | null;
  method: string;
  drivingSignal: string | null;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
const iso = (ms: number): string => new Date(ms).toISOString();

function scoreJson(s: StoredScore): ScoreJson {
  return {
    time: iso(s.timestampMs),
    timestampMs: s.timestampMs,
    score: finite(s.score),
    anomalous: s.anomalous,
    observed: finite(s.observed),
    expected: finite(s.expected),
    lower: finite(s.lower),
    upper: finite(s.upper),
    modelVersion: s.modelVersion || null,
    method: s.method,
    drivingSignal: s.drivingSignal || null,
  };
}

/** Answers one POST /v1/score with its raw body. */
export async function answerScoreRequest(
  rawBody: string,
  deps: {
    scores: ScoreSource;
    stepMs: number;
    /** Whether the caller's token may read a tenant's scores (page-auth.ts); unset: every one. */
    mayRead?: (tenant: string) => boolean;
  },
): Promise<ApiResponse> {
  const body = parseJsonBody(rawBody);
  if (!body.ok) return body.answer;
  const parsed = parseScoreRequest(body.value);
  if (!parsed.ok) return apiError(400, 'bad_request', parsed.message, parsed.field);
  const { id, signal } = parsed.request;
  if (deps.mayRead && !deps.mayRead(id.tenant)) {
    const { code, message } = tenantForbidden(id.tenant);
    return apiError(403, code, message, 'tenant');
  }
  const series = `tenant=${id.tenant}, service=${id.service}, instance=${id.instance}, signal=${signal}`;
  const extent = await deps.scores.extent(id, signal);
  if (!extent) {
    return apiError(404, 'unknown_series', `unknown series: no scores at all for ${series}`);
  }
  const [fromMs, toMs] = window(parsed.request, extent.lastMs, deps.stepMs);
  const rows = await deps.scores.read(id, fromMs, toMs, signal);
  if (rows.length === 0) {
    return apiError(
      404,
      'no_data_in_range',
      `no data in range: ${series} has no scores in [${iso(fromMs)}, ${iso(toMs)}); ` +
        `it has ${extent.count} from ${iso(extent.firstMs)} to ${iso(extent.lastMs)}`,
    );
  }
  return {
    status: 200,
    body: { ...id, signal, from: iso(fromMs), to: iso(toMs), scores: rows.map(scoreJson) },
  };
}

/** The [from, to) the request asks for. */
function window(request: ScoreRequest, lastMs: number, stepMs: number): [number, number] {
  switch (request.mode) {
    case 'latest':
      return [lastMs, lastMs + 1];
    case 'at': {
      const start = Math.floor(request.fromMs! / stepMs) * stepMs;
      return [start, start + stepMs];
    }
    case 'range':
      return [request.fromMs!, request.toMs!];
  }
}
