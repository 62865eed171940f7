// Reads an HTTP request body under three limits, all enforced while the bytes stream in:
// its size on the wire, its size after gzip/deflate decompression (a 10 KB bomb never gets
// to inflate to gigabytes), and an optional shared budget (the ingest's in-flight lease).
// The OTLP/HTTP receiver and the worker's JSON APIs read their bodies with it.
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createInflate } from 'node:zlib';
import { invalidArgument, TelepipeError } from '../errors.ts';

export interface BodyLimits {
  maxRequestBytes: number;
  maxDecompressedBytes: number;
  /** The config keys a 413 message names, so the operator knows what to raise. */
  configKeys?: { request: string; decompressed: string };
}

/** Memory shared by concurrent requests; `grow` throws once the budget is spent. */
export interface ByteBudget {
  grow(bytes: number): void;
}

const DECOMPRESSORS: Record<string, (() => Transform) | undefined> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
};

export async function readBody(
  req: IncomingMessage,
  limits: BodyLimits,
  budget?: ByteBudget,
): Promise<Buffer> {
  const names = limitNames(limits);
  const declared = Number(req.headers['content-length']);
  if (declared > limits.maxRequestBytes) throw tooLarge(names.wire, limits.maxRequestBytes);
  const decompress = decompressorFor(req);
  const chunks: Buffer[] = [];
  let size = 0;
  const collect = async (body: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of body) {
      budget?.grow(chunk.length);
      size += chunk.length;
      chunks.push(chunk);
    }
  };
  // The request is piped into our own first stream, so that a failed pipeline destroys only
  // our streams, not the socket: the client still gets its 413 or 400 response.
  const wire = byteLimit(names.wire, limits.maxRequestBytes);
  req.pipe(wire);
  // pipe() does not pass on a client that went away mid-body; without this the read would
  // wait forever and keep its share of the in-flight budget.
  req.once('close', () => {
    if (!req.complete) wire.destroy(new Error('the client closed the connection mid-body'));
  });
  try {
    await (decompress
      ? pipeline(
          wire,
          decompress(),
          byteLimit(names.decompressed, limits.maxDecompressedBytes),
          collect,
        )
      : pipeline(wire, collect));
  } catch (err) {
    req.unpipe(wire);
    req.resume(); // discard the rest of the body
    throw bodyError(err);
  }
  return Buffer.concat(chunks, size);
}

function decompressorFor(req: IncomingMessage): (() => Transform) | undefined {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return undefined;
  const decompressor = DECOMPRESSORS[encoding];
  if (!decompressor) {
    throw new TelepipeError(
      'unsupported_media_type',
      `unsupported Content-Encoding "${encoding}"; use gzip, deflate or none`,
    );
  }
  return decompressor;
}

interface Limit {
  what: string;
  configKey: string | undefined;
}

function limitNames(limits: BodyLimits): { wire: Limit; decompressed: Limit } {
  return {
    wire: { what: 'request body', configKey: limits.configKeys?.request },
    decompressed: { what: 'decompressed body', configKey: limits.configKeys?.decompressed },
  };
}

/** A pass-through stream that fails once more than `max` bytes went through it. */
function byteLimit(limit: Limit, max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > max) done(tooLarge(limit, max));
      else done(null, chunk);
    },
  });
}

function tooLarge(limit: Limit, max: number): TelepipeError {
  return new TelepipeError(
    'payload_too_large',
    `${limit.what} is larger than ${max} bytes${limit.configKey ? ` (${limit.configKey})` : ''}`,
  );
}

function bodyError(err: unknown): TelepipeError {
  if (err instanceof TelepipeError) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return invalidArgument(`cannot decompress the body: ${(err as Error).message}`, err);
  }
  return invalidArgument(`cannot read the body: ${(err as Error).message}`, err);
}
