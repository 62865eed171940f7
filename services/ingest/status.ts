// The edge: the one place where a TelepipeError becomes an OTLP/HTTP status or a gRPC
// status, following the OTLP specification (retryable: 429/503 with Retry-After, gRPC
// UNAVAILABLE or RESOURCE_EXHAUSTED with a google.rpc.RetryInfo detail; everything else is
// permanent and must not be retried). HTTP error bodies are google.rpc.Status messages
// in the request's encoding, as the spec asks.
import { Metadata, status as GrpcCode, type StatusObject } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { asTelepipeError, type ErrorReason, type TelepipeError } from '../../lib/errors.ts';
import type { BodyEncoding } from './intake.ts';

interface StatusPair {
  http: number;
  grpc: GrpcCode;
}

const STATUS: Record<ErrorReason, StatusPair> = {
  invalid_argument: { http: 400, grpc: GrpcCode.INVALID_ARGUMENT },
  unsupported_media_type: { http: 415, grpc: GrpcCode.INVALID_ARGUMENT },
  // Without RetryInfo, OTLP gRPC clients treat RESOURCE_EXHAUSTED as permanent.
  payload_too_large: { http: 413, grpc: GrpcCode.RESOURCE_EXHAUSTED },
  resource_exhausted: { http: 429, grpc: GrpcCode.RESOURCE_EXHAUSTED },
  unauthenticated: { http: 401, grpc: GrpcCode.UNAUTHENTICATED },
  not_found: { http: 404, grpc: GrpcCode.UNIMPLEMENTED },
  unavailable: { http: 503, grpc: GrpcCode.UNAVAILABLE },
  config: { http: 500, grpc: GrpcCode.INTERNAL },
  schema: { http: 500, grpc: GrpcCode.INTERNAL },
  internal: { http: 500, grpc: GrpcCode.INTERNAL },
};

export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

export interface HttpErrorResponse extends HttpReply {
  error: TelepipeError;
}

/** Our own or our dependencies' failures are warnings; client mistakes and backpressure are not. */
export function logLevel(error: TelepipeError): 'warn' | 'debug' {
  return STATUS[error.reason].http >= 500 ? 'warn' : 'debug';
}

export function httpErrorResponse(
  thrown: unknown,
  encoding: BodyEncoding,
  retryAfterSeconds: number,
): HttpErrorResponse {
  const error = asTelepipeError(thrown);
  const { http, grpc } = STATUS[error.reason];
  const headers: Record<string, string> = {};
  if (error.retryable) headers['retry-after'] = String(retryAfterSeconds);
  if (error.reason === 'unauthenticated') headers['www-authenticate'] = 'Bearer';
  if (encoding === 'json') {
    headers['content-type'] = 'application/json';
    return {
      status: http,
      headers,
      body: JSON.stringify({ code: grpc, message: error.message }),
      error,
    };
  }
  headers['content-type'] = 'application/x-protobuf';
  return { status: http, headers, body: rpcStatus(grpc, error.message), error };
}

export function grpcErrorStatus(
  thrown: unknown,
  retryAfterSeconds: number,
): { status: Partial<StatusObject>; error: TelepipeError } {
  const error = asTelepipeError(thrown);
  const code = STATUS[error.reason].grpc;
  const metadata = new Metadata();
  if (error.retryable) {
    // Go and Collector clients retry RESOURCE_EXHAUSTED only when the server sends RetryInfo.
    metadata.set(
      'grpc-status-details-bin',
      Buffer.from(rpcStatus(code, error.message, retryAfterSeconds)),
    );
  }
  return { status: { code, details: error.message, metadata }, error };
}

// google.rpc.Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
// google.rpc.RetryInfo { google.protobuf.Duration retry_delay = 1; }, Duration { int64 seconds = 1; }
const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

function rpcStatus(code: number, message: string, retryDelaySeconds?: number): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(0x08).int32(code);
  w.uint32(0x12).string(message);
  if (retryDelaySeconds !== undefined) {
    w.uint32(0x1a).fork(); // details[0]: Any
    w.uint32(0x0a).string(RETRY_INFO_TYPE);
    w.uint32(0x12).fork(); // Any.value: RetryInfo
    w.uint32(0x0a).fork().uint32(0x08).int64(retryDelaySeconds).ldelim(); // retry_delay
    w.ldelim().ldelim();
  }
  return w.finish();
}
