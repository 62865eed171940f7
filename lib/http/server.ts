// Listening on a configured `host:port` and closing again, for every HTTP server telepipe
// runs (the services' admin servers, the OTLP/HTTP receiver, the worker's page server).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses `host:port` (IPv6 hosts in brackets or not); an empty host listens on all interfaces. */
export function parseListenAddress(address: string): ListenAddress {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i) || '0.0.0.0', port: Number(address.slice(i + 1)) };
}

/** Listens on `address`; rejects with what `describeError` makes of a listen error. */
export async function listen(
  server: Server,
  address: string,
  describeError: (err: Error) => Error = (err) => err,
): Promise<void> {
  const { host, port } = parseListenAddress(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(describeError(err)));
    server.listen(port, host, () => resolve());
  });
}

/** The port a started server listens on (the picked one for port 0); 0 when not listening. */
export function listeningPort(server: Server | undefined): number {
  return (server?.address() as AddressInfo | null)?.port ?? 0;
}

/** Closes the server and every connection still open. */
export async function closeNow(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/** The address with its host replaced by 127.0.0.1 unless it is a loopback one already. */
export function loopbackOnly(address: string): string {
  const { host, port } = parseListenAddress(address);
  const loopback = ['127.0.0.1', '::1', '[::1]', 'localhost'].includes(host);
  return loopback ? address : `127.0.0.1:${port}`;
}
