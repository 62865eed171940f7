// What the page server's JSON endpoints (score-api.ts, webhook.ts) share: the answer type, error
// answers, and turning a raw body and a zod schema into a value or a 400 naming the field.
import type { z } from 'zod';

export interface ApiResponse {
  status: number;
  body: unknown;
}

/** An error answer: a code for machines, a message for people, the field when one is at fault. */
export function apiError(
  status: number,
  code: string,
  message: string,
  field?: string,
): ApiResponse {
  return { status, body: { error: code, message, ...(field === undefined ? {} : { field }) } };
}

/** A failed validation as the (first) offending field and every issue in one message. */
export function validationProblem(error: z.ZodError): { field: string; message: string } {
  const issues = error.issues.map((i) => ({ field: issueField(i), message: i.message }));
  return {
    field: issues[0]?.field ?? '',
    message: issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; '),
  };
}

function issueField(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return issue.keys.join(', ');
  return issue.path.map(String).join('.') || '(body)';
}

/** The body as JSON, or the 400 answer saying why it is not. */
export function parseJsonBody(
  rawBody: string,
): { ok: true; value: unknown } | { ok: false; answer: ApiResponse } {
  try {
    return { ok: true, value: JSON.parse(rawBody) as unknown };
  } catch (err) {
    const message = `body is not valid JSON: ${(err as Error).message}`;
    return { ok: false, answer: apiError(400, 'bad_request', message) };
  }
}
