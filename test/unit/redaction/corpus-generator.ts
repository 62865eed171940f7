// Deterministic generator of the labeled PII corpus (test/fixtures/pii-corpus/corpus.jsonl).
// Positives are valid values (real check digits) in many formats, alone and embedded in
// sentences, log lines and JSON; negatives are the things that look alike in telemetry.
// Regenerate with: npx tsx test/unit/redaction/corpus-generator.ts
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DetectorName } from '../../../lib/config/sections/redaction.ts';
import { prcIdCheckChar } from '../../../lib/redaction/validators.ts';
import {
  ALNUM,
  BASE64,
  BASE64URL,
  compose,
  HEX,
  groupDigits,
  LOWER,
  Rng,
  UPPER,
  withLuhnDigit,
  type CorpusCase,
  type Piece,
} from './corpus-common.ts';
import { extendedCases } from './corpus-extended.ts';

export { Rng, type CorpusCase, type CorpusLabel } from './corpus-common.ts';

export const CORPUS_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/pii-corpus/corpus.jsonl',
);
export const CORPUS_SEED = 20261123;

const b64url = (text: string): string => Buffer.from(text).toString('base64url');

/** A random token with at least one digit and one letter (what real opaque tokens are). */
function token(rng: Rng, length: number, alphabet = ALNUM): string {
  return `${rng.chars(LOWER, 1)}${rng.digits(1)}${rng.chars(alphabet, length - 2)}`;
}

// ---- valid values, several formats per type ----

type ValueFormat = (rng: Rng) => string;

function cardNumber(rng: Rng): string {
  const [prefix, length] = rng.pick<[string, number]>([
    ['4', 16],
    ['4', 13],
    ['4', 19],
    [`5${rng.int(1, 5)}`, 16],
    [String(rng.int(2221, 2720)), 16],
    [rng.pick(['34', '37']), 15],
    ['6011', 16],
    ['65', 16],
    [String(rng.int(3528, 3589)), 16],
    ['62', rng.pick([16, 19])],
    ['36', 14],
  ]);
  return withLuhnDigit(prefix + rng.digits(length - prefix.length - 1));
}

function formatCard(rng: Rng, digits: string): string {
  const separator = rng.pick(['', ' ', '-']);
  if (separator === '') return digits;
  if (digits.length === 15) return groupDigits(digits, [4, 6, 5], separator);
  if (digits.length === 14) return groupDigits(digits, [4, 6, 4], separator);
  return groupDigits(digits, [4, 4, 4, 4], separator);
}

const PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44];

function birthDate(rng: Rng): string {
  const year = rng.int(1940, 2010);
  const month = rng.int(1, 12);
  const day = rng.int(1, 28);
  return `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
}

function prcId(rng: Rng): string {
  const first17 = `${rng.pick(PROVINCES)}${rng.digits(4)}${birthDate(rng)}${rng.digits(3)}`;
  return first17 + prcIdCheckChar(first17);
}

/** A valid IBAN: country, check digits computed by ISO 7064 mod 97-10, BBAN. */
function ibanFor(country: string, bban: string): string {
  const numeric = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let remainder = 0;
  for (const ch of numeric) remainder = (remainder * 10 + Number(ch)) % 97;
  return `${country}${String(98 - remainder).padStart(2, '0')}${bban}`;
}

const IBAN_BBANS: [string, (rng: Rng) => string][] = [
  ['DE', (rng) => rng.digits(18)],
  ['GB', (rng) => `${rng.chars(UPPER, 4)}${rng.digits(14)}`],
  ['FR', (rng) => `${rng.digits(10)}${rng.chars(`${UPPER}0123456789`, 11)}${rng.digits(2)}`],
  ['NL', (rng) => `${rng.chars(UPPER, 4)}${rng.digits(10)}`],
  ['ES', (rng) => rng.digits(20)],
  ['IT', (rng) => `${rng.chars(UPPER, 1)}${rng.digits(10)}${rng.digits(12)}`],
  ['CH', (rng) => rng.digits(17)],
  ['BE', (rng) => rng.digits(12)],
];

function iban(rng: Rng): string {
  const [country, bban] = rng.pick(IBAN_BBANS);
  return ibanFor(country, bban(rng));
}

function spacedInFours(value: string): string {
  return value.replace(/(.{4})(?=.)/g, '$1 ');
}

function ssnDigits(rng: Rng): string {
  let area = rng.int(1, 899);
  if (area === 666) area = 667;
  return `${String(area).padStart(3, '0')}${String(rng.int(1, 99)).padStart(2, '0')}${String(rng.int(1, 9999)).padStart(4, '0')}`;
}

function nxx(rng: Rng): string {
  const code = `${rng.int(2, 9)}${rng.digits(2)}`;
  return code.endsWith('11') ? `${code.slice(0, 2)}2` : code;
}

function chinaMobile(rng: Rng): string {
  return `1${rng.int(3, 9)}${rng.digits(9)}`;
}

const EMAIL_DOMAINS = [
  'example.com',
  'mail.example.org',
  'corp.example.co.uk',
  'gmail.com',
  'qq.com',
  '163.com',
  'company.io',
  'uni-example.edu',
];
const FIRST_NAMES = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'li.wei',
  'zhang',
  'maria',
  'o.brien',
];

const pemBody = (rng: Rng, lines: number, newline: string): string =>
  Array.from({ length: lines }, () => rng.chars(BASE64, 64)).join(newline);

const VALUE_FORMATS: Partial<Record<DetectorName, ValueFormat[]>> = {
  email: [
    (rng) => `${rng.pick(FIRST_NAMES)}@${rng.pick(EMAIL_DOMAINS)}`,
    (rng) => `${rng.pick(FIRST_NAMES)}_${rng.digits(3)}@${rng.pick(EMAIL_DOMAINS)}`,
    (rng) => `${rng.pick(FIRST_NAMES)}+${rng.chars(LOWER, 5)}@${rng.pick(EMAIL_DOMAINS)}`,
    (rng) => `${rng.pick(FIRST_NAMES).toUpperCase()}@${rng.pick(EMAIL_DOMAINS).toUpperCase()}`,
    (rng) => `${rng.digits(9)}@qq.com`,
  ],
  phone: [
    (rng) => chinaMobile(rng),
    (rng) => groupDigits(chinaMobile(rng), [3, 4, 4], ' '),
    (rng) => groupDigits(chinaMobile(rng), [3, 4, 4], '-'),
    (rng) => `+86 ${groupDigits(chinaMobile(rng), [3, 4, 4], ' ')}`,
    (rng) => `+86${chinaMobile(rng)}`,
    (rng) => `+86-${groupDigits(chinaMobile(rng), [3, 4, 4], '-')}`,
    (rng) => `(${nxx(rng)}) ${nxx(rng)}-${rng.digits(4)}`,
    (rng) => `${nxx(rng)}-${nxx(rng)}-${rng.digits(4)}`,
    (rng) => `${nxx(rng)}.${nxx(rng)}.${rng.digits(4)}`,
    (rng) => `+1 ${nxx(rng)} ${nxx(rng)} ${rng.digits(4)}`,
    (rng) => `+1-${nxx(rng)}-${nxx(rng)}-${rng.digits(4)}`,
    (rng) => `1-800-${nxx(rng)}-${rng.digits(4)}`,
    (rng) => `+1${nxx(rng)}${nxx(rng)}${rng.digits(4)}`,
    (rng) => `+44 20 ${rng.digits(4)} ${rng.digits(4)}`,
    (rng) => `+44 (0)20 ${rng.digits(4)} ${rng.digits(4)}`,
    (rng) => `+49 30 ${rng.digits(8)}`,
    (rng) => `+33 1 ${rng.digits(2)} ${rng.digits(2)} ${rng.digits(2)} ${rng.digits(2)}`,
    (rng) => `+81 3-${rng.digits(4)}-${rng.digits(4)}`,
    (rng) => `+91 ${rng.int(6, 9)}${rng.digits(4)} ${rng.digits(5)}`,
    (rng) => `+4915${rng.digits(9)}`,
  ],
  prcId: [
    (rng) => prcId(rng),
    (rng) => prcId(rng).toLowerCase(),
    (rng) => groupDigits(prcId(rng), [6, 8, 4], ' '),
  ],
  paymentCard: [(rng) => formatCard(rng, cardNumber(rng))],
  iban: [(rng) => iban(rng), (rng) => spacedInFours(iban(rng))],
  usSsn: [(rng) => groupDigits(ssnDigits(rng), [3, 2, 4], '-')],
  jwt: [
    (rng) =>
      `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(`{"sub":"${rng.digits(8)}","iat":${rng.int(1.6e9, 1.8e9)}}`)}.${rng.chars(BASE64URL, 43)}`,
    (rng) =>
      `${b64url(`{"alg":"RS256","kid":"${rng.chars(HEX, 8)}"}`)}.${b64url(`{"iss":"https://auth.example.com","scope":"read","exp":${rng.int(1.6e9, 1.8e9)}}`)}.${rng.chars(BASE64URL, 86)}`,
    (rng) => `${b64url('{"alg":"none"}')}.${b64url(`{"sub":"svc-${rng.chars(LOWER, 6)}"}`)}.`,
  ],
  authCredential: [
    (rng) => token(rng, rng.int(24, 40)),
    (rng) => `ya29.${token(rng, 30, `${ALNUM}-_`)}`,
    (rng) => `ghp_${token(rng, 36)}`,
  ],
  awsAccessKeyId: [
    (rng) => `AKIA${rng.chars(`${UPPER}234567`, 16)}`,
    (rng) => `ASIA${rng.chars(`${UPPER}234567`, 16)}`,
  ],
  awsSecretKey: [
    (rng) => `${rng.chars(LOWER, 1)}${rng.chars(UPPER, 1)}${rng.digits(1)}${rng.chars(BASE64, 37)}`,
  ],
  privateKey: [
    (rng) =>
      `-----BEGIN RSA PRIVATE KEY-----\n${pemBody(rng, 4, '\n')}\n-----END RSA PRIVATE KEY-----`,
    (rng) => `-----BEGIN PRIVATE KEY-----\\n${pemBody(rng, 3, '\\n')}\\n-----END PRIVATE KEY-----`,
    (rng) =>
      `-----BEGIN OPENSSH PRIVATE KEY-----\n${pemBody(rng, 2, '\n')}\n-----END OPENSSH PRIVATE KEY-----`,
    (rng) => `-----BEGIN EC PRIVATE KEY-----\n${pemBody(rng, 2, '\n')}`,
  ],
  urlCredentials: [
    (rng) => `${rng.pick(['admin', 'app', 'svc_user'])}:${token(rng, 12)}`,
    (rng) => `${rng.pick(FIRST_NAMES)}:${token(rng, 10)}%40${rng.digits(2)}`,
    (rng) => `:${token(rng, 16)}`,
    () => 'guest:guest',
  ],
  secretParam: [(rng) => token(rng, rng.int(12, 32)), (rng) => token(rng, 20, `${ALNUM}%-_`)],
  ipv4: [
    (rng) => `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    (rng) => `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    (rng) => `192.168.${rng.int(0, 255)}.${rng.int(1, 254)}`,
  ],
  ipv6: [
    (rng) => `2001:db8:${rng.chars(HEX, 4)}::${rng.chars(HEX, 3)}:${rng.chars(HEX, 4)}`,
    (rng) =>
      `fe80::${rng.chars(HEX, 3)}:${rng.chars(HEX, 4)}:${rng.chars(HEX, 4)}:${rng.chars(HEX, 4)}`,
    (rng) => Array.from({ length: 8 }, () => rng.chars(HEX, 4)).join(':'),
    (rng) => `::ffff:192.0.2.${rng.int(1, 254)}`,
  ],
};

// ---- how values appear in text ----

type Template = (rng: Rng, v: { type: DetectorName; value: string }) => Piece[];

const TIMESTAMP = (rng: Rng): string =>
  `2026-11-${String(rng.int(1, 28)).padStart(2, '0')}T${String(rng.int(0, 23)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}.${rng.digits(3)}Z`;
const TRACE_ID = (rng: Rng): string => rng.chars(HEX, 32);
const SPAN_ID = (rng: Rng): string => rng.chars(HEX, 16);

const SENTENCES: Template[] = [
  (_rng, v) => ['Please contact ', v, ' for details.'],
  (_rng, v) => ['The customer said their details are ', v, ', please verify.'],
  (_rng, v) => ['客户信息 ', v, ' 已验证'],
  (_rng, v) => ['用户', v, '提交了订单'],
  (rng, v) => [`Ticket #${rng.int(1000, 9999)}: user provided `, v, ' in the support chat'],
  (_rng, v) => ['(', v, ')'],
];

const LOG_LINES: Template[] = [
  (rng, v) => [
    `ts=${TIMESTAMP(rng)} level=info msg="profile updated" user=`,
    v,
    ` trace_id=${TRACE_ID(rng)}`,
  ],
  (rng, v) => [
    `${TIMESTAMP(rng)} WARN handler.go:${rng.int(10, 400)} validation failed for `,
    v,
    `: retry ${rng.int(1, 5)}/5`,
  ],
  (rng, v) => [`[${TIMESTAMP(rng)}] ERROR payment-svc: declined `, v, ` (code ${rng.int(1, 99)})`],
  (rng, v) => [`I1123 10:15:${rng.int(10, 59)}.${rng.digits(6)} 1 worker.go:88] processing `, v],
];

const JSON_DOCS: Template[] = [
  (rng, v) => [`{"event":"signup","contact":"`, v, `","ts":"${TIMESTAMP(rng)}"}`],
  (rng, v) => [
    `{"level":"error","msg":"lookup failed","input":"`,
    v,
    `","span_id":"${SPAN_ID(rng)}"}`,
  ],
  (_rng, v) => [`{"data":{"items":[{"note":"see `, v, `"}]}}`],
];

/** Where each type is written in real telemetry (besides the generic embeddings). */
const CONTEXTS: Partial<Record<DetectorName, Template[]>> = {
  authCredential: [
    (_rng, v) => ['Authorization: Bearer ', v],
    (_rng, v) => ['curl -H "Authorization: Bearer ', v, '" https://api.example.com'],
    (rng, v) => [`ts=${TIMESTAMP(rng)} msg="upstream call" auth="token `, v, '"'],
    (_rng, v) => ['sent header Authorization: token ', v, ' to github'],
  ],
  awsSecretKey: [
    (_rng, v) => ['AWS_SECRET_ACCESS_KEY=', v],
    (_rng, v) => ['aws secret key is ', v],
    (_rng, v) => ['{"SecretAccessKey":"', v, '","Expiration":"2026-11-24T00:00:00Z"}'],
    (_rng, v) => ['loaded secret: ', v, ' from vault'],
  ],
  urlCredentials: [
    (_rng, v) => ['connecting to postgres://', v, '@db.internal:5432/orders'],
    (_rng, v) => ['dsn="mongodb+srv://', v, '@cluster0.example.net/test?retryWrites=true"'],
    (_rng, v) => ['broker amqp://', v, '@rabbitmq:5672/ unreachable'],
    (_rng, v) => ['GET https://', v, '@example.com/private 401'],
  ],
  secretParam: [
    (_rng, v) => ['GET /callback?code_verifier=x&access_token=', v, '&state=xyz HTTP/1.1'],
    (_rng, v) => ['https://api.example.com/v1/items?page=2&api_key=', v],
    (_rng, v) => ['login attempt user=bob password=', v, ' result=fail'],
    (_rng, v) => ['{"username":"bob","password":"', v, '"}'],
    (_rng, v) => ['blob.core.windows.net/c/f.txt?sv=2022-11-02&sig=', v, '&se=2026-12-01'],
    (_rng, v) => ['X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=', v],
    (_rng, v) => ['client_secret: ', v],
    (_rng, v) => ['redirect to /home;jsessionid=', v],
  ],
  usSsn: [
    (_rng, v) => ['ssn=', v],
    (_rng, v) => ['{"applicant":{"social_security_number":"', v, '"}}'],
  ],
  privateKey: [
    (_rng, v) => ['loaded key:\n', v, '\nok'],
    (_rng, v) => ['{"tls":{"key":"', v, '"}}'],
  ],
};

/** Types that only occur with their context: a bare token is not a credential. */
const CONTEXT_ONLY = new Set<DetectorName>([
  'authCredential',
  'awsSecretKey',
  'urlCredentials',
  'secretParam',
]);

const POSITIVES_PER_TYPE = 100;

function positiveCases(rng: Rng): Omit<CorpusCase, 'id'>[] {
  const cases: Omit<CorpusCase, 'id'>[] = [];
  for (const [type, formats] of Object.entries(VALUE_FORMATS) as [DetectorName, ValueFormat[]][]) {
    for (let i = 0; i < POSITIVES_PER_TYPE; i++) {
      const formatIndex = i % formats.length;
      const value = (formats[formatIndex] as ValueFormat)(rng);
      const piece = { type, value };
      const [format, templates] = embedding(type, i);
      const template = templates ? rng.pick(templates) : () => [piece];
      cases.push({
        format,
        note: `${type} format ${formatIndex + 1} (${format})`,
        ...compose(template(rng, piece)),
      });
    }
  }
  return [...cases, ...mixedCases(rng)];
}

function embedding(type: DetectorName, i: number): [CorpusCase['format'], Template[] | undefined] {
  const own = CONTEXTS[type];
  if (own && (CONTEXT_ONLY.has(type) || i % 2 === 0)) return ['log', own];
  const formats: [CorpusCase['format'], Template[] | undefined][] = [
    ['value', undefined],
    ['sentence', SENTENCES],
    ['log', LOG_LINES],
    ['json', JSON_DOCS],
  ];
  return formats[i % formats.length] as [CorpusCase['format'], Template[] | undefined];
}

/** Several types in one text, as in real records. */
function mixedCases(rng: Rng): Omit<CorpusCase, 'id'>[] {
  const value = (type: DetectorName) => ({ type, value: rng.pick(VALUE_FORMATS[type] ?? [])(rng) });
  return Array.from({ length: 100 }, () => {
    const pieces: Piece[] = [
      `ts=${TIMESTAMP(rng)} msg="order placed" email=`,
      value('email'),
      ' phone="',
      value('phone'),
      '" card=',
      value('paymentCard'),
      ` span_id=${SPAN_ID(rng)} id_no=`,
      value('prcId'),
    ];
    return {
      format: 'log' as const,
      note: 'email, phone, card and PRC id in one line',
      ...compose(pieces),
    };
  });
}

// ---- negatives: what looks alike in telemetry ----

function luhnFailing(rng: Rng, prefix: string, length: number): string {
  const valid = withLuhnDigit(prefix + rng.digits(length - prefix.length - 1));
  const last = Number(valid.slice(-1));
  return valid.slice(0, -1) + String((last + rng.int(1, 9)) % 10);
}

function idWithBadCheck(rng: Rng): string {
  const valid = prcId(rng);
  const chars = '0123456789X'.replace(valid.slice(-1), '');
  return valid.slice(0, -1) + rng.pick([...chars]);
}

function uuid(rng: Rng): string {
  const hex = rng.chars(HEX, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

const NEGATIVES: [string, (rng: Rng) => string | Piece[]][] = [
  [
    'trace and span ids',
    (rng) => `trace_id=${TRACE_ID(rng)} span_id=${SPAN_ID(rng)} parent=${SPAN_ID(rng)}`,
  ],
  ['traceparent header', (rng) => `traceparent: 00-${TRACE_ID(rng)}-${SPAN_ID(rng)}-01`],
  [
    'decimal trace id',
    (rng) => `dd.trace_id=${rng.int(1, 3)}${rng.digits(18)} dd.span_id=${rng.digits(17)}`,
  ],
  ['uuid', (rng) => `request ${uuid(rng)} completed in ${rng.int(1, 999)}ms`],
  [
    'iso timestamps',
    (rng) =>
      `${TIMESTAMP(rng)} started; deadline 2026-11-${rng.int(10, 28)}T23:59:59.999999999+08:00`,
  ],
  [
    'epoch timestamps',
    (rng) => `ts=17${rng.digits(8)} ts_ms=17${rng.digits(11)} ts_ns=17${rng.digits(17)}`,
  ],
  [
    'access log date',
    (rng) =>
      `[23/Nov/2026:10:${rng.int(10, 59)}:${rng.int(10, 59)} +0000] "GET /healthz HTTP/1.1" 200 ${rng.int(2, 9999)}`,
  ],
  [
    'version strings',
    (rng) =>
      `version ${rng.int(1, 20)}.${rng.int(0, 30)}.${rng.int(0, 9)}.${rng.int(0, 250)} go${rng.int(1, 1)}.${rng.int(18, 23)}.${rng.int(0, 9)}`,
  ],
  [
    'ip-like versions',
    (rng) =>
      `release v${rng.int(1, 9)}.${rng.int(0, 9)}.${rng.int(0, 9)}.${rng.int(0, 9)} build=${rng.int(1, 9)}.${rng.int(0, 9)}.${rng.int(0, 9)}.${rng.int(100, 250)}`,
  ],
  [
    'user agent',
    (rng) =>
      `Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.${rng.int(1000, 6999)}.${rng.int(10, 199)} Safari/537.36`,
  ],
  ['OID', (rng) => `oid 1.3.6.1.4.1.${rng.int(1000, 99999)}.1.${rng.int(1, 9)}`],
  [
    'luhn-failing order numbers',
    (rng) =>
      `order ${luhnFailing(rng, '4', 16)} refund ${luhnFailing(rng, '5' + rng.int(1, 5), 16)}`,
  ],
  [
    'grouped luhn-failing number',
    (rng) => `ref ${groupDigits(luhnFailing(rng, '4', 16), [4, 4, 4, 4], ' ')}`,
  ],
  ['18 digits failing the ID check', (rng) => `serial ${idWithBadCheck(rng)}`],
  ['18-digit snowflake ids', (rng) => `message_id=1${rng.digits(17)} channel=9${rng.digits(17)}`],
  [
    'git shas',
    (rng) => `commit ${rng.chars(HEX, 40)} (secret rotation) parent ${rng.chars(HEX, 40)}`,
  ],
  [
    'k8s pod names',
    (rng) =>
      `pod checkout-${rng.chars(HEX, 10)}-${rng.chars(LOWER + '2345', 5)} on node ip-10-0-${rng.int(1, 254)}-${rng.int(1, 254)}.ec2.internal`,
  ],
  [
    'durations and sizes',
    (rng) =>
      `took 1${rng.int(3, 9)}${rng.digits(9)}ns bytes=${rng.digits(7)} offset=${rng.digits(9)}`,
  ],
  [
    'invalid NANP',
    (rng) =>
      `call 1${rng.digits(2)}-${rng.digits(3)}-${rng.digits(4)} or 0${rng.digits(2)}-${rng.digits(3)}-${rng.digits(4)}`,
  ],
  ['11 digits not a mobile', (rng) => `order 1${rng.int(0, 2)}${rng.digits(9)} shipped`],
  [
    'invalid SSNs',
    (rng) =>
      `codes 000-${rng.digits(2)}-${rng.digits(4)} 666-${rng.int(10, 99)}-${rng.int(1000, 9999)} 9${rng.digits(2)}-${rng.int(10, 99)}-${rng.int(1000, 9999)} 123-00-4567`,
  ],
  [
    'zip+4 and dates',
    (rng) =>
      `ZIP ${rng.digits(5)}-${rng.digits(4)} on 2026-11-${rng.int(10, 28)} batch 2026-${rng.digits(4)}`,
  ],
  [
    'IBAN with bad checksum',
    (rng) => {
      const good = iban(rng);
      return `account ${good.slice(0, 2)}${String((Number(good.slice(2, 4)) + 1) % 100).padStart(2, '0')}${good.slice(4)}`;
    },
  ],
  [
    'product codes',
    (rng) =>
      `sku ${rng.chars(UPPER, 2)}${rng.digits(2)}${rng.chars(UPPER, 2)}${rng.digits(2)} lot ${rng.chars(UPPER, 3)}-${rng.digits(6)}`,
  ],
  [
    'email-like',
    (rng) =>
      `assets/icon@2x.png lodash@4.17.${rng.int(1, 21)} golang.org/x/net@v0.${rng.int(1, 30)}.0 user@localhost @scope/pkg`,
  ],
  [
    'git remote',
    (rng) =>
      `git@github.com:org/repo-${rng.chars(LOWER, 4)}.git and ssh://git@gitlab.example.com/team/app.git`,
  ],
  [
    'not a JWT',
    (rng) =>
      `payload eyJ${rng.chars(BASE64URL, 20)} and ${b64url('{"not json')}.${rng.chars(BASE64URL, 12)}.x`,
  ],
  [
    'auth words',
    () =>
      'Basic auth is disabled; Bearer token missing; token expired; WWW-Authenticate: Basic realm="api"',
  ],
  [
    'base64 blob without context',
    (rng) => `checksum ${rng.chars(BASE64, 40)} size ${rng.int(10, 9999)}`,
  ],
  [
    'url without credentials',
    (rng) =>
      `GET https://example.com/path?page=${rng.int(1, 9)}&sort=asc&limit=50 -> https://cdn.example.com/a.js`,
  ],
  [
    'non-secret params',
    (rng) =>
      `max_tokens=${rng.int(1, 4096)} token_count=${rng.int(1, 99)} password_reset=true secret_name=db-creds tokenizer=bpe`,
  ],
  [
    // A negative until MAC addresses became a detected type; its MAC is now labelled.
    'time, and a MAC address',
    (rng) => [
      `at 10:${rng.int(10, 59)}:${rng.int(10, 59)}.${rng.digits(3)} mac `,
      {
        type: 'macAddress',
        value: `00:1a:2b:${rng.chars(HEX, 2)}:${rng.chars(HEX, 2)}:${rng.chars(HEX, 2)}`,
      },
    ],
  ],
  ['C++ and Rust paths', () => 'std::vector<int> at crate::fmt::write and Foo::Bar::baz()'],
  [
    'invalid octets',
    (rng) =>
      `value ${rng.int(256, 999)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)} and 10.0.0.${rng.int(256, 999)}`,
  ],
  [
    'ISBN and UPC',
    (rng) => `ISBN 978-3-16-${rng.digits(6)}-${rng.digits(1)} UPC ${rng.digits(12)}`,
  ],
  [
    'go stack frame',
    (rng) =>
      `main.(*Server).handle(0xc000${rng.chars(HEX, 6)}, 0x${rng.chars(HEX, 6)})\n\t/app/server.go:${rng.int(10, 999)} +0x${rng.chars(HEX, 3)}`,
  ],
  [
    'measurements',
    (rng) =>
      `{"latency_ns":1${rng.int(3, 9)}${rng.digits(9)},"bytes_sent":1${rng.int(3, 9)}${rng.digits(9)},"offset":4${rng.digits(15)}}`,
  ],
  [
    'kafka offsets',
    (rng) =>
      `committed partition=${rng.int(0, 11)} offset=1${rng.int(3, 9)}${rng.digits(9)} size=${rng.digits(8)}`,
  ],
  [
    'number lists',
    (rng) =>
      `buckets [${Array.from({ length: 8 }, () => rng.int(1, 999)).join(' ')}] port ${rng.int(1024, 65535)} 1024x768 0x8007${rng.chars(HEX, 4)}`,
  ],
  [
    'chinese log without pii',
    (rng) => `订单号 2026112${rng.digits(8)} 已发货，耗时 ${rng.int(1, 999)} 毫秒`,
  ],
];

const NEGATIVES_PER_KIND = 24;

function negativeCases(rng: Rng): Omit<CorpusCase, 'id'>[] {
  return NEGATIVES.flatMap(([note, make]) =>
    Array.from({ length: NEGATIVES_PER_KIND }, () => {
      const made = make(rng);
      return typeof made === 'string'
        ? { format: 'log' as const, note: `negative: ${note}`, text: made, labels: [] }
        : { format: 'log' as const, note, ...compose(made) };
    }),
  );
}

/**
 * The first part (the original types and their look-alikes, from `seed`), then the cases
 * of the later kinds from their own seed: adding those left the first part unchanged.
 */
export function generateCorpus(seed = CORPUS_SEED): CorpusCase[] {
  const rng = new Rng(seed);
  return [...positiveCases(rng), ...negativeCases(rng), ...extendedCases()].map((c, i) => ({
    id: i + 1,
    ...c,
  }));
}

/** Cases of the first part, which its original assertions still score. */
export const FIRST_PART_CASES = 2560;

export function toJsonl(cases: CorpusCase[]): string {
  return cases.map((c) => JSON.stringify(c)).join('\n') + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cases = generateCorpus();
  writeFileSync(CORPUS_PATH, toJsonl(cases));
  console.log(`wrote ${cases.length} cases to ${CORPUS_PATH}`);
}
