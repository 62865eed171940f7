// Attribute rules: OpenTelemetry semantic-convention keys are handled by their key, before
// (and instead of) their text is scanned, and the records get marks for the new kinds.
import { describe, expect, it } from 'vitest';
import { decodeJsonRequest } from '../../../lib/otlp/codec.ts';
import type { AnyValue, KeyValue } from '../../../lib/otlp/types.ts';
import { Redactor } from '../../../lib/redaction/redactor.ts';
import { config, keyringWith } from './helpers.ts';

const keyring = keyringWith(['k1']);
const pseudonym = (value: string) => `hmac:${keyring.hmacHex(value).slice(0, 16)}`;

const s = (stringValue: string) => ({ stringValue });
const kv = (key: string, value: unknown) => ({ key, value });

/** One log record with `attributes`, redacted; its attributes as a key → value map. */
function redactAttributes(attributes: unknown[], overrides: Record<string, unknown> = {}) {
  const request = decodeJsonRequest(
    'logs',
    JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes }] }] }] }),
  );
  const redactor = new Redactor(config(overrides), keyring);
  const summary = redactor.redactRequest('logs', request);
  const record = request.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
  const map = (list: KeyValue[]): Record<string, AnyValue | null | undefined> =>
    Object.fromEntries(list.map((a) => [a.key, a.value]));
  return { attrs: map(record.attributes), summary };
}

describe('attribute rules (semantic conventions)', () => {
  it('hashes client and peer addresses whatever they hold, counting IPv6 as ipv6', () => {
    const { attrs, summary } = redactAttributes([
      kv('client.address', s('203.0.113.7')),
      kv('network.peer.address', s('2001:DB8::1')),
      kv('source.address', s('laptop-17.corp.example.com')),
      kv('http.request.header.x-forwarded-for', { arrayValue: { values: [s('198.51.100.2')] } }),
    ]);
    expect(attrs['client.address']?.stringValue).toBe(pseudonym('203.0.113.7'));
    expect(attrs['network.peer.address']?.stringValue).toBe(pseudonym('2001:db8::1'));
    expect(attrs['source.address']?.stringValue).toBe(pseudonym('laptop-17.corp.example.com'));
    expect(attrs['http.request.header.x-forwarded-for']?.arrayValue?.values[0]?.stringValue).toBe(
      pseudonym('198.51.100.2'),
    );
    expect(summary.counts).toEqual({ ipv6: 1, ipv4: 3 });
  });

  it('handles user.* and enduser.* by what they are; roles stay', () => {
    const { attrs, summary } = redactAttributes([
      kv('user.email', s('Ann@Example.com')),
      kv('user.name', s('ann')),
      kv('user.full_name', s('Ann Lee')),
      kv('user.id', { intValue: '4711' }),
      kv('enduser.id', s('u-8812')),
      kv('user.roles', { arrayValue: { values: [s('admin')] } }),
    ]);
    expect(attrs['user.email']?.stringValue).toBe(pseudonym('ann@example.com'));
    expect(attrs['user.name']?.stringValue).toBe('****');
    expect(attrs['user.full_name']?.stringValue).toBe('****');
    expect(attrs['user.id']?.stringValue).toBe(pseudonym('4711'));
    expect(attrs['enduser.id']?.stringValue).toBe(pseudonym('u-8812'));
    expect(attrs['user.roles']?.arrayValue?.values[0]?.stringValue).toBe('admin');
    expect(summary.counts).toEqual({ personName: 2, email: 1, userId: 2 });
  });

  it('form-decodes url.query and redacts its parameters by name and content', () => {
    const { attrs } = redactAttributes([
      kv('url.query', s('q=red+shoes&name=John+Smith&email=jo%40example.com&token=abc123')),
      kv('url.full', s('https://shop.example.com/p/42?ref=home&phone=%2B8613800138000')),
    ]);
    expect(attrs['url.query']?.stringValue).toBe(
      `q=red+shoes&name=****&email=${pseudonym('jo@example.com')}&token=[REDACTED]`,
    );
    expect(attrs['url.full']?.stringValue).toBe(
      'https://shop.example.com/p/42?ref=home&phone=****8000',
    );
  });

  it('leaves placeholders as they are, also under key rules', () => {
    const { attrs, summary } = redactAttributes([
      kv('client.address', s('<redacted>')),
      kv('http.request.header.authorization', s('***')),
    ]);
    expect(attrs['client.address']?.stringValue).toBe('<redacted>');
    expect(attrs['http.request.header.authorization']?.stringValue).toBe('***');
    expect(summary.redacted).toBe(false);
  });

  it('follows the config: a disabled kind turns its rule off, extra rules come first', () => {
    const off = redactAttributes([kv('client.address', s('203.0.113.7'))], {
      detectors: { ipv4: { enabled: false } },
    });
    expect(off.attrs['client.address']?.stringValue).toBe('203.0.113.7');
    const extra = redactAttributes([kv('user.id', s('42')), kv('app.customer', s('Zoe Ng'))], {
      extraAttributeRules: [
        { key: 'user\\.id', kind: 'secretParam' },
        { key: 'app\\.customer', kind: 'personName' },
      ],
    });
    expect(extra.attrs['user.id']?.stringValue).toBe('[REDACTED]');
    expect(extra.attrs['app.customer']?.stringValue).toBe('****');
  });

  it('applies to dotted paths of plain JSON too (telepipe redact --json)', () => {
    const redactor = new Redactor(config(), keyring);
    const { value } = redactor.redactJson({ client: { address: 'h1.example.net', port: 443 } });
    expect(value).toEqual({ client: { address: pseudonym('h1.example.net'), port: 443 } });
  });
});
