// What the page server's JSON endpoints (score-api.ts, webhook.ts) share: the answer type, error
// answers, turning a raw body and a zod schema into a value or a 400 naming the field, and the
// POST-only, size-limited request handling around them.
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { asTelepipeError } from '../../lib/errors.ts';
import { readBody } from '../../lib/http/body.ts';

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

/** An HTTP answer of the page server. */
export interface HttpReply {
  status: number;
  body: string;
  type: 'text/html' | 'text/plain' | 'application/json';
  headers?: Record<string, string>;
}

function jsonReply(status: number, body: unknown, headers?: Record<string, string>): HttpReply {
  return {
    status,
    type: 'application/json',
    body: JSON.stringify(body),
    ...(headers ? { headers } : {}),
  };
}

/** A JSON API endpoint: POST only, the body at most `maxBytes`, answered by `answer`. */
export async function jsonPost(
  req: IncomingMessage,
  maxBytes: number,
  answer: (raw: string) => Promise<ApiResponse>,
): Promise<HttpReply> {
  if (req.method !== 'POST') {
    return jsonReply(
      405,
      { error: 'method_not_allowed', message: `POST a JSON body to ${req.url ?? ''}` },
      { allow: 'POST' },
    );
  }
  let raw: string;
  try {
    raw = (
      await readBody(req, { maxRequestBytes: maxBytes, maxDecompressedBytes: maxBytes })
    ).toString('utf8');
  } catch (err) {
    if (asTelepipeError(err).reason !== 'payload_too_large') throw err;
    return jsonReply(413, {
      error: 'body_too_large',
      message: `body is larger than ${maxBytes} bytes`,
    });
  }
  const { status, body } = await answer(raw);
  return jsonReply(status, body);
}
