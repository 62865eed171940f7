// An OTLP/HTTP server for tests at the far end of an exporter (the Collector's otlp_http
// exporter): it decodes each request with telepipe's codec and keeps it, so a test can count
// exactly what arrived. Bodies may be gzip compressed (the exporter's default).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readBody } from '../../lib/http/body.ts';
import { closeNow, listen, listeningPort } from '../../lib/http/server.ts';
import { decodeRequest, encodeResponse } from '../../lib/otlp/codec.ts';
import type { ExportRequestBySignal, Signal } from '../../lib/otlp/types.ts';

const SIGNAL_BY_PATH = new Map<string, Signal>([
  ['/v1/metrics', 'metrics'],
  ['/v1/logs', 'logs'],
  ['/v1/traces', 'traces'],
]);

const LIMITS = { maxRequestBytes: 16 * 1024 * 1024, maxDecompressedBytes: 64 * 1024 * 1024 };

export interface OtlpHttpSink {
  /** Base URL; the signal paths are appended by the exporter. */
  url: string;
  /** The requests received for `signal` so far, decoded, in arrival order. */
  received<S extends Signal>(signal: S): ExportRequestBySignal[S][];
  close(): Promise<void>;
}

export async function startOtlpHttpSink(): Promise<OtlpHttpSink> {
  const received: { [S in Signal]: ExportRequestBySignal[S][] } = {
    metrics: [],
    logs: [],
    traces: [],
  };
  const keep = <S extends Signal>(signal: S, body: Buffer): void => {
    received[signal].push(decodeRequest(signal, body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const signal = SIGNAL_BY_PATH.get(req.url ?? '');
    if (req.method !== 'POST' || signal === undefined) {
      res.writeHead(404).end();
      return;
    }
    try {
      keep(signal, await readBody(req, LIMITS));
    } catch (err) {
      // A 400 is permanent for the exporter: it drops the request and logs this message,
      // so the test's counts come out short and the Collector's output says why.
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err));
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/x-protobuf' })
      .end(Buffer.from(encodeResponse(signal)));
  };
  const server = createServer((req, res) => void handle(req, res));
  await listen(server, '127.0.0.1:0');
  return {
    url: `http://127.0.0.1:${listeningPort(server)}`,
    received: (signal) => received[signal],
    close: () => closeNow(server),
  };
}
