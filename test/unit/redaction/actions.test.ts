import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config/index.ts';
import { mask } from '../../../lib/redaction/actions.ts';
import { Redactor } from '../../../lib/redaction/redactor.ts';
import { config, keyringWith } from './helpers.ts';

const EXAMPLE = 'user bob@example.com paid with 4111 1111 1111 1111, call +86 138 0013 8000';

describe('actions', () => {
  const keyring = keyringWith(['k1']);

  it('applies the defaults: email hashed, card and phone masked keeping 4', () => {
    const { text, counts } = new Redactor(config(), keyring).redactText(EXAMPLE);
    expect(text).toMatch(/^user hmac:[0-9a-f]{16} paid with \*{4}1111, call \*{4}8000$/);
    expect(counts).toEqual({ paymentCard: 1, phone: 1, email: 1 });
  });

  it('drop replaces the value inside text with the configured marker', () => {
    const redactor = new Redactor(
      config({ dropMarker: '<pii>', detectors: { email: { action: 'drop' } } }),
    );
    expect(redactor.redactText('to bob@example.com now').text).toBe('to <pii> now');
  });

  it('mask keeps the configured tail, never more than half the value', () => {
    expect(mask('4111111111111111', 4)).toBe('****1111');
    expect(mask('4111111111111111', 0)).toBe('****');
    expect(mask('abc', 4)).toBe('****c');
    const redactor = new Redactor(config({ detectors: { paymentCard: { keep: 6 } } }));
    expect(redactor.redactText('card 4111-1111-1111-1111').text).toBe('card ****111111');
  });

  it('hash gives one stable pseudonym per value, whatever its spelling', () => {
    const redactor = new Redactor(config(), keyring);
    const a = redactor.redactText('Bob@Example.com').text;
    expect(a).toMatch(/^hmac:[0-9a-f]{16}$/);
    expect(redactor.redactText('from bob@example.com').text).toBe(`from ${a}`);
    expect(redactor.redactText('carol@example.com').text).not.toBe(a);
    const phone = new Redactor(config({ detectors: { phone: { action: 'hash' } } }), keyring);
    expect(phone.redactText('+86 138 0013 8000').text).toBe(phone.redactText('13800138000').text);
  });

  it('hash depends on the HMAC key', () => {
    const other = new Redactor(config(), keyringWith(['k1']));
    expect(other.redactText('bob@example.com').text).not.toBe(
      new Redactor(config(), keyring).redactText('bob@example.com').text,
    );
  });

  it('encrypt writes enc:v1:<keyId>:<base64> that the keyring decrypts', () => {
    const redactor = new Redactor(config(), keyring);
    const { text } = redactor.redactText('id 11010519491231002X ok');
    const token = /enc:v1:k1:[A-Za-z0-9+/]+=*/.exec(text)?.[0] ?? '';
    expect(text).toBe(`id ${token} ok`);
    expect(keyring.decrypt(token)).toBe('11010519491231002X');
    expect(redactor.redactText('id 11010519491231002X ok').text).not.toBe(text); // random nonce
  });

  it('falls back to mask without keys, and says so once per subject', () => {
    const warnings: string[] = [];
    const redactor = new Redactor(config(), undefined, { onWarning: (w) => warnings.push(w) });
    expect(redactor.redactText('bob@example.com id 11010519491231002X').text).toBe(
      '****.com id ****',
    );
    const hashed = ['email', 'ipv4', 'ipv6', 'macAddress', 'userId'];
    const encrypted = ['prcId', 'usSsn', 'passport', 'hkId', 'twId'];
    expect([...warnings].sort()).toEqual(
      [
        ...hashed.map(
          (t) =>
            `redaction: the keyring has no hmacKey, so ${t} values are masked instead of hashed`,
        ),
        ...encrypted.map(
          (t) =>
            `redaction: the keyring has no encryption key, so ${t} values are masked instead of encrypted`,
        ),
      ].sort(),
    );
    expect(redactor.warnings).toEqual(warnings);
  });

  it('leaves its own output alone on a second pass', () => {
    const redactor = new Redactor(config(), keyring);
    const once = redactor.redactText(`${EXAMPLE} id 11010519491231002X token=abc123`).text;
    expect(redactor.redactText(once)).toEqual({ text: once, counts: {} });
  });

  it('keeps cumulative counts by type, zeros included', () => {
    const redactor = new Redactor(config(), keyring);
    redactor.redactText(EXAMPLE);
    redactor.redactText('bob@example.com');
    expect(redactor.countsByType()).toMatchObject({ email: 2, phone: 1, paymentCard: 1, jwt: 0 });
  });

  it('reads per-detector policies from the config file and environment', () => {
    const cfg = loadConfig({
      env: {
        TELEPIPE_REDACTION__DETECTORS__EMAIL__ACTION: 'drop',
        TELEPIPE_REDACTION__EXTRA_SECRET_PARAMS: 'otp,pin',
      },
    }).redaction;
    expect(cfg.detectors.email).toEqual({ enabled: true, action: 'drop', keep: 4 });
    expect(cfg.detectors.ipv4).toEqual({ enabled: true, action: 'hash', keep: 0 });
    expect(cfg.extraSecretParams).toEqual(['otp', 'pin']);
    expect(() => config({ keyRules: [{ pattern: '(' }] })).toThrow(/valid regular expression/);
    expect(() => config({ detectors: { email: { action: 'shred' } } })).toThrow();
  });
});
