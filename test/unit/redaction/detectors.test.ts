import { describe, expect, it } from 'vitest';
import type { DetectorName } from '../../../lib/config/sections/redaction.ts';
import { Redactor } from '../../../lib/redaction/redactor.ts';
import { allDetectorsConfig, config } from './helpers.ts';

const redactor = new Redactor(allDetectorsConfig());

/** What each finding covers, as [type, text]. */
function findings(text: string): [DetectorName, string][] {
  return redactor.detect(text).map((m) => [m.type, text.slice(m.start, m.end)]);
}

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

/** [type, text, the values that must be found]: values found inside free text. */
const POSITIVES: [DetectorName, string, string[]][] = [
  ['email', 'mail Bob.Smith+tag@mail.example.co.uk, thanks', ['Bob.Smith+tag@mail.example.co.uk']],
  [
    'email',
    '用户bob@example.com已注册 <alice@example.org>',
    ['bob@example.com', 'alice@example.org'],
  ],
  ['phone', 'call +86 138 0013 8000 or 13800138000', ['+86 138 0013 8000', '13800138000']],
  ['phone', 'cn 138-0013-8000, +8613912345678', ['138-0013-8000', '+8613912345678']],
  [
    'phone',
    'us (415) 555-2671, 415.555.2671, +1 415 555 2671',
    ['(415) 555-2671', '415.555.2671', '+1 415 555 2671'],
  ],
  [
    'phone',
    'uk +44 (0)20 7946 0958 and de +49 30 12345678',
    ['+44 (0)20 7946 0958', '+49 30 12345678'],
  ],
  ['phone', 'cut back: +86 138 0013 8000 12 items', ['+86 138 0013 8000']],
  [
    'prcId',
    'id 11010519491231002X and 110105 19491231 002x',
    ['11010519491231002X', '110105 19491231 002x'],
  ],
  ['paymentCard', 'visa 4111 1111 1111 1111 12/29', ['4111 1111 1111 1111']],
  [
    'paymentCard',
    'amex 3782-822463-10005 mc 5555555555554444',
    ['3782-822463-10005', '5555555555554444'],
  ],
  [
    'paymentCard',
    'unionpay 6212345678901265, path /cards/4012888888881881',
    ['6212345678901265', '4012888888881881'],
  ],
  [
    'iban',
    'pay DE89 3704 0044 0532 0130 00 or GB29NWBK60161331926819.',
    ['DE89 3704 0044 0532 0130 00', 'GB29NWBK60161331926819'],
  ],
  [
    'usSsn',
    'ssn 536-22-1234; SSN: 536221234; social security number "536 22 1234"',
    ['536-22-1234', '536221234', '536 22 1234'],
  ],
  ['jwt', `token ${JWT} end`, [JWT]],
  ['authCredential', 'Authorization: Basic dXNlcjpwYXNzd29yZA==', ['dXNlcjpwYXNzd29yZA==']],
  [
    'authCredential',
    'Bearer ya29.a0AfH6SMBx3kLq9Zt and token ghp_16C7e42F292c6912E7710c838347Ae178B4a',
    ['ya29.a0AfH6SMBx3kLq9Zt', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
  ],
  [
    'awsAccessKeyId',
    'key AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A',
    ['AKIAIOSFODNN7EXAMPLE', 'ASIAY34FZKBOKMUTVV7A'],
  ],
  [
    'awsSecretKey',
    'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  ],
  [
    'privateKey',
    'key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nok',
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----'],
  ],
  [
    'privateKey',
    'cut -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk',
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk'],
  ],
  [
    'urlCredentials',
    'dsn postgres://app:s3cr3t@db:5432/x and redis://:pw123@cache:6379',
    ['app:s3cr3t', ':pw123'],
  ],
  ['secretParam', 'GET /cb?access_token=abc123&state=x&sig=zzz HTTP/1.1', ['abc123', 'zzz']],
  [
    'secretParam',
    'password=hunter2 "client_secret": "c-s3cret" X-Amz-Signature=ff00 db.password: pw1',
    ['hunter2', 'c-s3cret', 'ff00', 'pw1'],
  ],
  ['ipv4', 'from 203.0.113.5:443 and [10.0.0.1]', ['203.0.113.5', '10.0.0.1']],
  [
    'ipv6',
    'dial 2001:db8::8a2e:370:7334: refused, peer [fe80::1ff:fe23:4567:890a]:80',
    ['2001:db8::8a2e:370:7334', 'fe80::1ff:fe23:4567:890a'],
  ],
];

/** Texts that look alike and hold nothing. */
const NEGATIVES: [string, string][] = [
  [
    'ids',
    'trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 uuid 123e4567-e89b-12d3-a456-426614174000',
  ],
  ['timestamps', '2026-11-23T10:15:30.123456789Z ts=1763892930123 ts_ns=1763892930123456789'],
  [
    'versions',
    'version 1.2.3.4 build=10.0.19041.1 go1.21.5 Chrome/120.0.6099.109 oid 1.3.6.1.4.1.311',
  ],
  [
    'numbers failing checks',
    'order 4111111111111112 serial 110105194912310021 acct DE88 3704 0044 0532 0130 00',
  ],
  [
    'invalid phones and ssns',
    'call 123-456-7890, 555-0100, 10234567890; ssn 000-12-3456 666-12-3456 912-34-5678',
  ],
  ['measurements', 'offset=13712345678 "bytes_sent":15728640000 dd.trace_id=4111111111111111'],
  [
    'email-like',
    'icon@2x.png lodash@4.17.21 git@github.com:org/repo.git ssh://git@gitlab.example.com/x user@localhost',
  ],
  [
    'auth words',
    'Basic auth is disabled; Bearer token missing; WWW-Authenticate: Basic realm="api"',
  ],
  [
    'shas and blobs',
    'commit 3f2a9c1d4e5b6a7980f1e2d3c4b5a69788776655 secret rotation; checksum q83vEjRW+ZpRlAe+Bd0XiGQAzCLVgWJwcS4gDd2x',
  ],
  [
    'params that are not secrets',
    'max_tokens=512 token_count=3 password_reset=true secret_name=db-creds tokenizer=bpe',
  ],
  ['urls without credentials', 'https://example.com/a?page=2 https://bob@example.com/x'],
  ['colons', '10:15:30.123 std::vector crate::fmt::write sha256:e3b0c442 host:8080'],
  [
    'redaction output',
    'hmac:4111111111111111 enc:v1:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= [REDACTED] ****1111',
  ],
];

describe('detectors', () => {
  it.each(POSITIVES)('%s: %s', (type, text, values) => {
    expect(findings(text)).toEqual(values.map((value) => [type, value]));
  });

  it.each(NEGATIVES)('finds nothing in %s', (_name, text) => {
    expect(findings(text)).toEqual([]);
  });

  it('reads a valid number inside a longer dashed or dotted number as part of it', () => {
    expect(findings('part 1-4111-1111-1111-1111 and v4111111111111111')).toEqual([]);
  });

  it('lets the more specific finding win where two overlap', () => {
    expect(findings(`Authorization: Bearer ${JWT}`)).toEqual([['jwt', JWT]]);
    expect(findings('IT60X0542811101000000123456 in IT60 X054 2811 1010 0000 0123 456')).toEqual([
      ['iban', 'IT60X0542811101000000123456'],
      ['iban', 'IT60 X054 2811 1010 0000 0123 456'],
    ]);
  });

  it('honours configured secret parameter names, exact and *suffix', () => {
    const custom = new Redactor({ ...allDetectorsConfig(), extraSecretParams: ['otp', '*_pin'] });
    const text = 'otp=123456 card_pin=9999 pin=1';
    expect(custom.detect(text).map((m) => text.slice(m.start, m.end))).toEqual(['123456', '9999']);
  });

  it('reports a kind only while it is enabled', () => {
    const line =
      '姓名：张三 tel=010-12345678 mac=00:1a:2b:3c:4d:5e from 203.0.113.5 ghp_' + 'a'.repeat(36);
    const all = new Redactor(allDetectorsConfig()).detect(line).map((m) => m.type);
    expect(all).toEqual(['personName', 'cnLandline', 'macAddress', 'ipv4', 'providerToken']);
    for (const type of all) {
      const off = new Redactor(config({ detectors: { [type]: { enabled: false } } }));
      expect(off.detect(line).map((m) => m.type)).toEqual(all.filter((t) => t !== type));
    }
  });

  it('stays linear on adversarial input (each was quadratic or worse in some design)', () => {
    const size = 100_000;
    const inputs = [
      'token='.repeat(size / 6),
      'bob@example.com '.repeat(size / 16),
      `${'http://a:b'.repeat(size / 10)}@`,
      ':'.repeat(size),
      '1234 '.repeat(size / 5),
      'a1234567'.repeat(size / 8),
      `secret ${'Ab3+/'.repeat(size / 5)}`,
      '%2540'.repeat(size / 5),
      '\\u0040'.repeat(size / 6),
      'Cookie: a=b; '.repeat(size / 13),
      `INSERT INTO t (name) VALUES ${"('Ann'),".repeat(size / 8)}`,
      '姓名：'.repeat(size / 3),
      'name=Ann '.repeat(size / 9),
      '1:2:3:4:5:6:7:8:'.repeat(size / 16),
      '0755-1234567 '.repeat(size / 13),
      'PASSWORD FOR x '.repeat(size / 15),
      ' CA 94043 '.repeat(size / 10),
      'sk-'.repeat(size / 3),
    ];
    const started = performance.now();
    for (const text of inputs) redactor.redactText(text);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
