// Encoded values for the corpus: percent-encoded (once and twice) contact details in query
// strings and form bodies, and values inside JSON strings escaped as ensure_ascii encoders
// write them.
import type { DetectorName } from '../../../lib/config/sections/redaction.ts';
import type { Rng } from './corpus-common.ts';
import { accessLog, type KindSpec, type Labelled, type Placement } from './corpus-kinds.ts';
import * as noise from './corpus-noise.ts';
import * as values from './corpus-values.ts';

const ENCODED_PLACEMENTS = (param: string): Placement[] => [
  {
    format: 'access-log',
    place: (rng, v) =>
      accessLog(rng, [`GET ${noise.path(rng)}?${param}=`, v, `&utm_source=mail HTTP/1.1`]),
  },
  {
    format: 'logfmt',
    place: (rng, v) => [
      `ts=${noise.isoTime(rng)} level=${noise.level(rng)} msg="form post" body="name=x&${param}=`,
      v,
      `&consent=true" ${noise.logfmtField(rng)}`,
    ],
  },
  {
    format: 'json',
    place: (rng, v) => [
      `{"level":"${noise.level(rng)}","url":"https://shop.example.com${noise.path(rng)}?${param}=`,
      v,
      `&t=${rng.int(1, 9999)}","status":${noise.status(rng)}}`,
    ],
  },
  {
    format: 'line-en',
    place: (rng, v) => [
      `${noise.plainTime(rng)} ${noise.LEVEL(rng)} redirecting to /login?next=%2Faccount&${param}=`,
      v,
    ],
  },
  {
    format: 'line-zh',
    place: (rng, v) => [
      `${noise.plainTime(rng)} 收到回调 https://pay.example.cn/notify?${param}=`,
      v,
      `&amount=${rng.int(1, 9999)} ${noise.zhVerb(rng)}`,
    ],
  },
];

/** A contact detail and the same in an ensure_ascii JSON string (`\u5f20\u4e09`, `\u0040`). */
function escapedInJson(rng: Rng): Labelled {
  const [type, value] = rng.pick<[DetectorName, (r: Rng) => string]>([
    ['personName', values.chineseName],
    ['email', values.email],
    ['address', values.chineseAddress],
  ]);
  return { type, value: values.jsonAsciiEscape(value(rng)) };
}

/** Where each kind of JSON-escaped value sits: a key that says what it is. */
const ESCAPED_KEY: Partial<Record<DetectorName, string>> = {
  personName: 'customer_name',
  email: 'email',
  address: 'shipping_address',
};

export const ENCODED_KINDS: KindSpec[] = [
  {
    kind: 'url-encoded email',
    make: (rng) => ({ type: 'email', value: values.percentEncode(values.email(rng)) }),
    placements: ENCODED_PLACEMENTS('email'),
  },
  {
    kind: 'url-encoded phone',
    make: (rng) => ({ type: 'phone', value: values.percentEncode(values.phone(rng)) }),
    placements: ENCODED_PLACEMENTS('tel'),
  },
  {
    kind: 'double-encoded',
    make: (rng) =>
      rng.next() < 0.5
        ? { type: 'email', value: values.doublePercentEncode(values.email(rng)) }
        : { type: 'phone', value: values.doublePercentEncode(values.phone(rng)) },
    placements: [
      {
        format: 'access-log',
        place: (rng, v) =>
          accessLog(rng, [
            'GET /oauth/callback?redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%3Fuser%3D',
            v,
            '&state=xyz HTTP/1.1',
          ]),
      },
      {
        format: 'logfmt',
        place: (rng, v) => [
          `level=warn msg="proxy rewrite" next=%2Fprofile%3Fcontact%3D`,
          v,
          ` ${noise.logfmtField(rng)}`,
        ],
      },
      {
        format: 'json',
        place: (rng, v) => [
          `{"msg":"redirect","location":"/sso?return=%2Fhome%3Fq%3D`,
          v,
          `","trace_id":"${noise.traceId(rng)}"}`,
        ],
      },
    ],
  },
  {
    kind: 'json-escaped',
    make: escapedInJson,
    placements: [
      {
        format: 'json',
        place: (rng, v) => [
          `{"level":"${noise.level(rng)}","msg":"order","body":"{\\"${ESCAPED_KEY[v.type] ?? 'value'}\\": \\"`,
          v,
          `\\", \\"qty\\": ${rng.int(1, 9)}}"}`,
        ],
      },
      {
        format: 'json',
        place: (rng, v) => [
          `{"event": "profile", "${ESCAPED_KEY[v.type] ?? 'value'}": "`,
          v,
          `", "ts": ${rng.int(1.7e9, 1.8e9)}}`,
        ],
      },
      {
        format: 'logfmt',
        place: (rng, v) => [
          `level=info payload="{\\"${ESCAPED_KEY[v.type] ?? 'value'}\\":\\"`,
          v,
          `\\"}" ${noise.logfmtField(rng)}`,
        ],
      },
    ],
  },
];
