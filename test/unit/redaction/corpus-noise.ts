// The ordinary parts of log lines that surround a value in the corpus: timestamps, levels,
// services, ids, durations. Drawn at random for every case so that no two cases share
// their context.
import { ALNUM, HEX, LOWER, type Rng } from './corpus-common.ts';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export const isoTime = (rng: Rng): string =>
  `2026-${pad(rng.int(1, 12))}-${pad(rng.int(1, 28))}T${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))}.${rng.digits(3)}Z`;

export const plainTime = (rng: Rng): string =>
  `2026-${pad(rng.int(1, 12))}-${pad(rng.int(1, 28))} ${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))}.${rng.digits(3)}`;

export const accessTime = (rng: Rng): string =>
  `[${pad(rng.int(1, 28))}/${rng.pick(['Nov', 'Dec', 'Jan'])}/2026:${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))} +0800]`;

export const level = (rng: Rng): string => rng.pick(['info', 'warn', 'error', 'debug']);
export const LEVEL = (rng: Rng): string => level(rng).toUpperCase();

export const service = (rng: Rng): string =>
  rng.pick(['checkout', 'payment-svc', 'user-api', 'order-service', 'gateway', 'auth', 'crm-sync']);

export const traceId = (rng: Rng): string => rng.chars(HEX, 32);
export const spanId = (rng: Rng): string => rng.chars(HEX, 16);
export const requestId = (rng: Rng): string =>
  `${rng.chars(HEX, 8)}-${rng.chars(HEX, 4)}-4${rng.chars(HEX, 3)}-a${rng.chars(HEX, 3)}-${rng.chars(HEX, 12)}`;

export const millis = (rng: Rng): string => `${rng.int(1, 2500)}ms`;
export const status = (rng: Rng): number =>
  rng.pick([200, 200, 201, 204, 302, 400, 401, 403, 404, 500]);
export const path = (rng: Rng): string =>
  rng.pick([
    '/api/v1/orders',
    '/api/v2/users/me',
    '/checkout',
    '/login',
    '/v1/subscribe',
    '/account/profile',
  ]);
export const userAgent = (rng: Rng): string =>
  rng.pick([
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
    'okhttp/4.12.0',
    'Go-http-client/1.1',
    'curl/8.4.0',
  ]);

/** A Go source location: file and line. */
export const goFile = (rng: Rng): string =>
  `${rng.pick(['handler', 'server', 'service', 'repo', 'client'])}.go:${rng.int(12, 480)}`;

/** A short goroutine trace under a panic, as `go` prints it. */
export function goroutineTrace(rng: Rng): string {
  return `goroutine ${rng.int(1, 9999)} [running]:\nmain.(*Server).${rng.pick(['handle', 'serve', 'process'])}(0xc000${rng.chars(HEX, 6)}, {0x${rng.chars(HEX, 6)}, 0xc000${rng.chars(HEX, 6)}})\n\t/app/${goFile(rng)} +0x${rng.chars(HEX, 3)}\nnet/http.HandlerFunc.ServeHTTP(...)\n\t/usr/local/go/src/net/http/server.go:2136`;
}

/** Another field of a logfmt line, chosen at random. */
export function logfmtField(rng: Rng): string {
  return rng.pick([
    () => `trace_id=${traceId(rng)}`,
    () => `duration=${millis(rng)}`,
    () => `status=${status(rng)}`,
    () => `path=${path(rng)}`,
    () => `svc=${service(rng)}`,
    () => `attempt=${rng.int(1, 5)}`,
    () => `req=${rng.chars(ALNUM, 12)}`,
  ])();
}

/** A word or two of English prose around a value. */
export const enVerb = (rng: Rng): string =>
  rng.pick(['updated', 'created', 'verified', 'rejected', 'looked up', 'synced', 'exported']);
export const zhVerb = (rng: Rng): string =>
  rng.pick(['已提交', '已更新', '校验失败', '已同步', '下单成功', '已创建']);

export const table = (rng: Rng): string =>
  rng.pick(['customers', 'users', 'orders', 'members', 'shipments', 'accounts']);

export const randomWord = (rng: Rng): string => rng.chars(LOWER, rng.int(3, 8));
