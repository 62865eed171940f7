// Decoding passes: values hidden by percent-encoding or JSON escapes are found, replaced in
// their encoded form, and everything around them stays byte for byte.
import { describe, expect, it } from 'vitest';
import { jsonUnescape, percentDecode } from '../../../lib/redaction/decoders.ts';
import { Redactor } from '../../../lib/redaction/redactor.ts';
import { config, keyringWith } from './helpers.ts';

const keyring = keyringWith(['k1']);
const redactor = new Redactor(config(), keyring);
const pseudonym = (value: string) => `hmac:${keyring.hmacHex(value).slice(0, 16)}`;

describe('percent-decoding', () => {
  it('maps every decoded character to where its escape starts', () => {
    const decoded = percentDecode('a%40b.c%E5%BC%A0+x', true);
    expect(decoded?.text).toBe('a@b.c张 x');
    expect(decoded?.origin).toEqual([0, 1, 4, 5, 6, 7, 16, 17, 18]);
  });

  it('decodes double and triple encoding, but a + only once and only in forms', () => {
    expect(percentDecode('x%252540y', false)?.text).toBe('x@y');
    expect(percentDecode('%252B86', true)?.text).toBe('+86');
    expect(percentDecode('a+b%20c', false)?.text).toBe('a+b c');
  });

  it('leaves escapes that are not UTF-8 as they are', () => {
    expect(percentDecode('%E5%41x%zz', false)?.text).toBe('%E5Ax%zz');
  });

  it('redacts inside the encoded form and keeps the rest of the line byte for byte', () => {
    const line = 'GET /s?email=alice%40example.com&tel=%2B8613800138000&page=2 HTTP/1.1';
    expect(redactor.redactText(line).text).toBe(
      `GET /s?email=${pseudonym('alice@example.com')}&tel=****8000&page=2 HTTP/1.1`,
    );
  });

  it('gives an encoded value the pseudonym of its plain form', () => {
    const plain = redactor.redactText('bob@example.org').text;
    expect(redactor.redactText('next=%2Fhome%3Fu%3Dbob%2540example.org').text).toBe(
      `next=%2Fhome%3Fu%3D${plain}`,
    );
  });
});

describe('JSON escapes', () => {
  it('decodes \\u escapes, quotes and control escapes, and leaves stray backslashes', () => {
    const decoded = jsonUnescape('{\\"n\\":\\"\\u5f20\\u4e09\\"}\\n C:\\q');
    expect(decoded.text).toBe('{"n":"张三"}\n C:\\q');
  });

  it('redacts values written as \\u escapes where they stand', () => {
    const line =
      '{"msg":"{\\"customer_name\\":\\"\\u5f20\\u4e09\\",\\"email\\":\\"li\\u0040example.cn\\"}"}';
    expect(redactor.redactText(line).text).toBe(
      `{"msg":"{\\"customer_name\\":\\"****\\",\\"email\\":\\"${pseudonym('li@example.cn')}\\"}"}`,
    );
  });

  it('does not let an escape become part of a value ("\\nalice@…" is not "nalice@…")', () => {
    const line = '{"stack":"failed for\\nalice@example.com\\n\\tat main"}';
    expect(redactor.redactText(line).text).toBe(
      `{"stack":"failed for\\n${pseudonym('alice@example.com')}\\n\\tat main"}`,
    );
  });
});
