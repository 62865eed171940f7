// Hard negatives for the later kinds: what real logs hold that looks like personal data and
// is not, each in several formats. Redaction must leave every one byte for byte.
import type { CorpusFormat, Rng } from './corpus-common.ts';
import { groupDigits, HEX, LOWER, withLuhnDigit } from './corpus-common.ts';
import * as noise from './corpus-noise.ts';

export interface LookalikeSpec {
  kind: string;
  lines: [CorpusFormat, (rng: Rng) => string][];
}

/** A snowflake id: milliseconds since a service epoch, then worker and sequence bits. */
function snowflake(rng: Rng, epoch: bigint): string {
  const millis = BigInt(rng.int(1.7e12, 1.79e12)) - epoch;
  return (
    (millis << 22n) |
    (BigInt(rng.int(0, 1023)) << 12n) |
    BigInt(rng.int(0, 4095))
  ).toString();
}

const TWITTER_EPOCH = 1288834974657n;
const DISCORD_EPOCH = 1420070400000n;
const epochMillis = (rng: Rng): string => String(rng.int(1.7e12, 1.8e12));

const CARD_SHAPES: [string, number][] = [
  ['4', 16],
  ['51', 16],
  ['62', 16],
  ['6011', 16],
  ['34', 15],
  ['62', 19],
];

/** A number with a card issuer's prefix and length whose check digit is wrong. */
function luhnFailing(rng: Rng, shapes = CARD_SHAPES): string {
  const [prefix, length] = rng.pick(shapes);
  const valid = withLuhnDigit(prefix + rng.digits(length - prefix.length - 1));
  return valid.slice(0, -1) + String((Number(valid.slice(-1)) + rng.int(1, 9)) % 10);
}

/**
 * Grouped 4-4-4-4 only: a 19-digit number grouped 4-4-4-4-3 is read as a card and a
 * second number, and its first 16 digits pass Luhn one time in ten (a documented limit).
 */
const luhnFailing16 = (rng: Rng): string =>
  luhnFailing(
    rng,
    CARD_SHAPES.filter(([, length]) => length === 16),
  );

const buildNumber = (rng: Rng): string =>
  `${rng.int(1, 30)}.${rng.int(0, 20)}.${rng.int(0, 9)}.${rng.int(0, 250)}`;
const semver = (rng: Rng): string =>
  `${rng.int(0, 20)}.${rng.int(0, 40)}.${rng.int(0, 30)}${rng.pick(['', '-rc.1', '-beta.2', `+build.${rng.int(1, 999)}`, '-alpha'])}`;
const sha = (rng: Rng, length = 40): string => rng.chars(HEX, length);
const podName = (rng: Rng): string =>
  `${noise.service(rng)}-${rng.chars(HEX, 10)}-${rng.chars('bcdfghjklmnpqrstvwxz2456789', 5)}`;

export const LOOKALIKES: LookalikeSpec[] = [
  {
    kind: 'placeholders',
    lines: [
      [
        'logfmt',
        (rng) =>
          `level=${noise.level(rng)} user=bob password=<redacted> token=*** ${noise.logfmtField(rng)}`,
      ],
      [
        'json',
        (rng) =>
          `{"email":"[REDACTED]","phone":"***${rng.digits(4)}","card":"****${rng.digits(4)}","ssn":"REDACTED"}`,
      ],
      [
        'line-en',
        () => `> Authorization: Bearer ***\n> Cookie: <redacted>\n> X-Api-Key: [FILTERED]`,
      ],
      ['line-zh', () => `姓名：*** 卡号：[REDACTED] 手机：<redacted>`],
      ['sql', () => `CREATE USER app WITH PASSWORD '***'; -- rotated`],
    ],
  },
  {
    kind: 'epoch milliseconds',
    lines: [
      [
        'logfmt',
        (rng) => `ts=${epochMillis(rng)} level=info msg="tick" next_run=${epochMillis(rng)}`,
      ],
      [
        'json',
        (rng) =>
          `{"timestamp":${epochMillis(rng)},"expires_at":${epochMillis(rng)},"level":"debug"}`,
      ],
      ['line-zh', (rng) => `任务开始时间 ${epochMillis(rng)} 结束时间 ${epochMillis(rng)}`],
    ],
  },
  {
    kind: 'snowflake ids',
    lines: [
      [
        'json',
        (rng) =>
          `{"message_id":"${snowflake(rng, DISCORD_EPOCH)}","channel_id":"${snowflake(rng, DISCORD_EPOCH)}"}`,
      ],
      [
        'logfmt',
        (rng) =>
          `level=info tweet_id=${snowflake(rng, TWITTER_EPOCH)} reply_to=${snowflake(rng, TWITTER_EPOCH)}`,
      ],
      [
        'line-en',
        (rng) =>
          `${noise.plainTime(rng)} INFO id ${snowflake(rng, TWITTER_EPOCH)} allocated by worker ${rng.int(1, 31)}`,
      ],
    ],
  },
  {
    kind: 'luhn-invalid order numbers',
    lines: [
      ['line-en', (rng) => `order ${luhnFailing(rng)} shipped, refund ref ${luhnFailing(rng)}`],
      ['json', (rng) => `{"order_no":"${luhnFailing(rng)}","amount":${rng.int(1, 999)}}`],
      ['line-zh', (rng) => `订单号 ${luhnFailing(rng)} 已发货`],
      [
        'logfmt',
        (rng) =>
          `level=info invoice=${groupDigits(luhnFailing16(rng), [4, 4, 4, 4], '-')} paid=true`,
      ],
    ],
  },
  {
    kind: 'four-part build numbers',
    lines: [
      ['line-en', (rng) => `starting build ${buildNumber(rng)} (release ${buildNumber(rng)})`],
      [
        'logfmt',
        (rng) => `level=info app_version=${buildNumber(rng)} agent=Agent/${buildNumber(rng)}`,
      ],
      [
        'json',
        (rng) =>
          `{"buildVersion":"${buildNumber(rng)}","file":"installer-${buildNumber(rng)}.msi"}`,
      ],
      [
        'line-en',
        (rng) =>
          `loaded Foo.Bar, Version=${buildNumber(rng)}, Culture=neutral from app-${buildNumber(rng)}.jar`,
      ],
      ['line-zh', (rng) => `固件版本 v${buildNumber(rng)} 升级完成`],
    ],
  },
  {
    kind: 'semver',
    lines: [
      [
        'line-en',
        (rng) =>
          `upgraded from ${semver(rng)} to v${semver(rng)} (go1.${rng.int(18, 23)}.${rng.int(0, 9)})`,
      ],
      ['json', (rng) => `{"version":"${semver(rng)}","min_client":"${semver(rng)}"}`],
    ],
  },
  {
    kind: 'git shas',
    lines: [
      ['line-en', (rng) => `HEAD is now at ${sha(rng, 7)} merge ${sha(rng)} into main`],
      ['logfmt', (rng) => `level=info commit=${sha(rng)} tree=${sha(rng)} parent=${sha(rng, 12)}`],
    ],
  },
  {
    kind: 'kubernetes ids',
    lines: [
      [
        'line-en',
        (rng) =>
          `Successfully assigned shop/${podName(rng)} to ip-10-0-${rng.int(1, 254)}-${rng.int(1, 254)}.ec2.internal`,
      ],
      [
        'json',
        (rng) =>
          `{"k8s.pod.uid":"${noise.requestId(rng)}","container_id":"containerd://${sha(rng, 64)}","pod":"${podName(rng)}"}`,
      ],
      [
        'logfmt',
        (rng) =>
          `level=info replicaset=${noise.service(rng)}-${rng.chars(HEX, 10)} resourceVersion=${rng.int(100000, 99999999)}`,
      ],
    ],
  },
  {
    kind: 'goroutine dumps',
    lines: [
      [
        'go-panic',
        (rng) =>
          `panic: runtime error: index out of range [${rng.int(1, 9)}] with length ${rng.int(0, 9)}\n\n${noise.goroutineTrace(rng)}`,
      ],
      [
        'go-panic',
        (rng) =>
          `goroutine ${rng.int(1, 999)} [chan receive, ${rng.int(1, 59)} minutes]:\ncreated by main.startWorkers in goroutine 1\n\t/app/${noise.goFile(rng)} +0x${rng.chars(HEX, 3)}`,
      ],
    ],
  },
  {
    kind: 'metric lines',
    lines: [
      [
        'line-en',
        (rng) =>
          `http_requests_total{method="GET",code="${noise.status(rng)}",instance="10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}:9100",job="node"} ${rng.int(1, 99999)} ${epochMillis(rng)}`,
      ],
      [
        'line-en',
        (rng) =>
          `http_request_duration_seconds_bucket{le="0.25",handler="/api",pod="${podName(rng)}"} ${rng.int(1, 9999)}`,
      ],
      [
        'line-en',
        (rng) =>
          `go_memstats_heap_inuse_bytes ${rng.int(1e6, 9e9)}\ngo_goroutines ${rng.int(1, 9999)}`,
      ],
    ],
  },
  {
    kind: 'prometheus label sets',
    lines: [
      [
        'json',
        (rng) =>
          `{"labels":{"alertname":"GoRuntimeAnomaly","service":"${noise.service(rng)}","quantile":"0.99","le":"+Inf"},"value":"${rng.int(1, 999)}.${rng.digits(3)}"}`,
      ],
      [
        'line-en',
        (rng) =>
          `{__name__="up", instance="${noise.service(rng)}:${rng.int(1024, 65535)}", job="kubernetes-pods"} => 1 @${rng.int(1.7e9, 1.8e9)}.${rng.digits(3)}`,
      ],
    ],
  },
  {
    kind: 'durations and sizes',
    lines: [
      [
        'logfmt',
        (rng) =>
          `level=info took=${rng.int(1, 99)}.${rng.digits(3)}s size=${rng.int(1, 999)}.${rng.digits(1)}MiB bytes=${rng.int(1e6, 9e9)}`,
      ],
      [
        'json',
        (rng) =>
          `{"latency_ns":1${rng.pick(['38', '39', '50'])}${rng.digits(8)},"elapsed_ms":${rng.int(1, 99999)},"heap":"${rng.int(1, 999)}MB"}`,
      ],
      ['line-zh', (rng) => `耗时 ${rng.int(1, 9999)} 毫秒，内存 ${rng.int(1, 999)}MB`],
    ],
  },
  {
    kind: 'ports',
    lines: [
      [
        'line-en',
        (rng) => `listening on 0.0.0.0:${rng.int(1024, 65535)} and [::]:${rng.int(1024, 65535)}`,
      ],
      [
        'line-en',
        (rng) =>
          `dial tcp 10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}:${rng.int(1024, 65535)}: connect: connection refused`,
      ],
      [
        'logfmt',
        (rng) =>
          `level=info port=${rng.int(1, 65535)} addr=localhost:${rng.int(1024, 65535)} upstream=:${rng.int(1024, 65535)}`,
      ],
    ],
  },
  {
    kind: 'chinese text with numbers',
    lines: [
      ['line-zh', (rng) => `库存 ${rng.int(1, 99999)} 件，订单号 2026${rng.digits(12)} 已发货`],
      [
        'line-zh',
        (rng) =>
          `第 ${rng.int(1, 999999)} 次请求，共 ${rng.int(1, 9999)} 条记录，耗时 ${rng.int(1, 999)} 毫秒`,
      ],
      [
        'line-zh',
        (rng) =>
          `用户编号 ${rng.int(10000, 99999999)} 积分 ${rng.int(0, 99999)} 等级 ${rng.int(1, 9)}`,
      ],
    ],
  },
  {
    kind: 'package@version',
    lines: [
      [
        'line-en',
        (rng) =>
          `added lodash@4.17.${rng.int(1, 21)} @babel/core@7.${rng.int(0, 24)}.0 react@18.${rng.int(0, 3)}.0`,
      ],
      [
        'line-en',
        (rng) =>
          `go: downloading golang.org/x/net@v0.${rng.int(1, 30)}.0 github.com/${rng.chars(LOWER, 6)}/lib@v1.${rng.int(0, 9)}.${rng.int(0, 9)}`,
      ],
    ],
  },
  {
    kind: 'image@sha256',
    lines: [
      [
        'line-en',
        (rng) => `pulling registry.example.com/shop/${noise.service(rng)}@sha256:${sha(rng, 64)}`,
      ],
      [
        'json',
        (rng) =>
          `{"image":"ghcr.io/org/app:1.${rng.int(0, 9)}.0@sha256:${sha(rng, 64)}","pull":"IfNotPresent"}`,
      ],
    ],
  },
];
