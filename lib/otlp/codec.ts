// OTLP codecs: protobuf and the OTLP/JSON mapping for the three Export*ServiceRequest
// messages, loaded with protobufjs from the official .proto files (fetched into
// .telepipe/proto by `npm install`, see infra/otlp/). Decoding is the validation step:
// anything that does not decode is a permanent `invalid_argument` error.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { invalidArgument, TelepipeError } from '../errors.ts';
import type { ExportPartialSuccess, ExportRequestBySignal, Signal } from './types.ts';

const PROTO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../.telepipe/proto');

const SERVICE_FILES: Record<Signal, string> = {
  metrics: 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  logs: 'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  traces: 'opentelemetry/proto/collector/trace/v1/trace_service.proto',
};

const PACKAGES: Record<Signal, string> = {
  metrics: 'opentelemetry.proto.collector.metrics.v1',
  logs: 'opentelemetry.proto.collector.logs.v1',
  traces: 'opentelemetry.proto.collector.trace.v1',
};

const MESSAGE_NAMES: Record<Signal, string> = {
  metrics: 'ExportMetricsServiceRequest',
  logs: 'ExportLogsServiceRequest',
  traces: 'ExportTraceServiceRequest',
};

/** gRPC service names and the fully qualified proto files, for the gRPC receiver. */
export const GRPC_SERVICES: Record<Signal, string> = {
  metrics: `${PACKAGES.metrics}.MetricsService`,
  logs: `${PACKAGES.logs}.LogsService`,
  traces: `${PACKAGES.traces}.TraceService`,
};

export const protoRoot = (): string => PROTO_ROOT;
export const serviceProtoFile = (signal: Signal): string => join(PROTO_ROOT, SERVICE_FILES[signal]);

let root: protobuf.Root | undefined;

function loadRoot(): protobuf.Root {
  if (root) return root;
  const marker = serviceProtoFile('traces');
  if (!existsSync(marker)) {
    throw new TelepipeError(
      'config',
      `OTLP .proto files not found under ${PROTO_ROOT}; run \`npm install\` (or \`node infra/otlp/install-protos.mjs\`), which fetches them with Maven`,
    );
  }
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => (target.startsWith('/') ? target : join(PROTO_ROOT, target));
  r.loadSync(Object.values(SERVICE_FILES).map((f) => join(PROTO_ROOT, f)));
  r.resolveAll();
  root = r;
  return r;
}

/** The request message's protobufjs reflection; lib/otlp/wire derives its wire schema from it. */
export function requestType(signal: Signal): protobuf.Type {
  return loadRoot().lookupType(`${PACKAGES[signal]}.${MESSAGE_NAMES[signal]}`);
}

function responseType(signal: Signal): protobuf.Type {
  return loadRoot().lookupType(
    `${PACKAGES[signal]}.${MESSAGE_NAMES[signal].replace('Request', 'Response')}`,
  );
}

/** Decodes an OTLP protobuf request; throws a permanent error naming what was wrong. */
export function decodeRequest<S extends Signal>(
  signal: S,
  bytes: Uint8Array,
): ExportRequestBySignal[S] {
  try {
    return requestType(signal).decode(bytes) as unknown as ExportRequestBySignal[S];
  } catch (err) {
    throw invalidArgument(
      `malformed OTLP protobuf ${MESSAGE_NAMES[signal]}: ${errorText(err)}`,
      err,
    );
  }
}

export function encodeRequest<S extends Signal>(
  signal: S,
  request: ExportRequestBySignal[S],
): Uint8Array {
  const type = requestType(signal);
  return type.encode(type.fromObject(request)).finish();
}

/** Decodes an OTLP/JSON request body (ids in hex, lowerCamelCase names, enums as numbers). */
export function decodeJsonRequest<S extends Signal>(
  signal: S,
  text: string,
): ExportRequestBySignal[S] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`invalid JSON in OTLP ${MESSAGE_NAMES[signal]}: ${errorText(err)}`, err);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidArgument(`OTLP/JSON ${MESSAGE_NAMES[signal]} must be a JSON object`);
  }
  try {
    hexIdsToBytes(parsed, signal);
    const type = requestType(signal);
    return type.fromObject(parsed) as unknown as ExportRequestBySignal[S];
  } catch (err) {
    if (err instanceof TelepipeError) throw err;
    throw invalidArgument(`invalid OTLP/JSON ${MESSAGE_NAMES[signal]}: ${errorText(err)}`, err);
  }
}

/** Encodes a request in the OTLP/JSON mapping (hex ids), e.g. for tests and `telepipe redact --json`. */
export function encodeJsonRequest<S extends Signal>(
  signal: S,
  request: ExportRequestBySignal[S],
): string {
  const type = requestType(signal);
  const message = type.fromObject(request);
  const obj = type.toObject(message, {
    longs: String,
    enums: Number,
    bytes: String,
    defaults: false,
  });
  bytesToHexIds(obj, signal);
  return JSON.stringify(obj);
}

export function encodeResponse(signal: Signal, partial?: ExportPartialSuccess): Uint8Array {
  const type = responseType(signal);
  const body =
    partial && partial.rejected > 0
      ? {
          partialSuccess: {
            [rejectedField(signal)]: partial.rejected,
            errorMessage: partial.errorMessage,
          },
        }
      : {};
  return type.encode(type.fromObject(body)).finish();
}

export function encodeJsonResponse(signal: Signal, partial?: ExportPartialSuccess): string {
  if (!partial || partial.rejected === 0) return '{}';
  return JSON.stringify({
    partialSuccess: {
      [rejectedField(signal)]: String(partial.rejected),
      errorMessage: partial.errorMessage,
    },
  });
}

function rejectedField(signal: Signal): string {
  return { metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords', traces: 'rejectedSpans' }[
    signal
  ];
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---- OTLP/JSON trace and span ids are hex strings, not base64 ----

type Json = Record<string, unknown>;
type IdConverter = (value: unknown, path: string) => unknown;

const ID_PATHS: Record<Signal, string[][]> = {
  traces: [
    ['resourceSpans', 'scopeSpans', 'spans', 'traceId'],
    ['resourceSpans', 'scopeSpans', 'spans', 'spanId'],
    ['resourceSpans', 'scopeSpans', 'spans', 'parentSpanId'],
    ['resourceSpans', 'scopeSpans', 'spans', 'links', 'traceId'],
    ['resourceSpans', 'scopeSpans', 'spans', 'links', 'spanId'],
  ],
  logs: [
    ['resourceLogs', 'scopeLogs', 'logRecords', 'traceId'],
    ['resourceLogs', 'scopeLogs', 'logRecords', 'spanId'],
  ],
  metrics: ['gauge', 'sum', 'histogram', 'exponentialHistogram'].flatMap((kind) => [
    ['resourceMetrics', 'scopeMetrics', 'metrics', kind, 'dataPoints', 'exemplars', 'traceId'],
    ['resourceMetrics', 'scopeMetrics', 'metrics', kind, 'dataPoints', 'exemplars', 'spanId'],
  ]),
};

function convertAt(node: unknown, path: string[], at: string, convert: IdConverter): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach((item, i) => convertAt(item, path, `${at}[${i}]`, convert));
    return;
  }
  const [head, ...rest] = path;
  if (head === undefined) return;
  const obj = node as Json;
  if (!(head in obj)) return;
  if (rest.length === 0) obj[head] = convert(obj[head], `${at}.${head}`);
  else convertAt(obj[head], rest, `${at}.${head}`, convert);
}

function hexIdsToBytes(obj: unknown, signal: Signal): void {
  for (const path of ID_PATHS[signal]) convertAt(obj, path, '', hexToBytes);
}

function bytesToHexIds(obj: unknown, signal: Signal): void {
  const toHex: IdConverter = (v) =>
    typeof v === 'string' ? Buffer.from(v, 'base64').toString('hex') : v;
  for (const path of ID_PATHS[signal]) convertAt(obj, path, '', toHex);
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function hexToBytes(value: unknown, path: string): unknown {
  if (value === '' || value === null) return new Uint8Array(0);
  if (typeof value !== 'string' || !HEX.test(value)) {
    throw invalidArgument(
      `${path.slice(1)} must be a hex string in OTLP/JSON, got ${JSON.stringify(value)}`,
    );
  }
  return Buffer.from(value, 'hex');
}
