import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { generateKey, Keyring } from '../../../lib/redaction/keyring.ts';
import { runRedactCommand, runRevealCommand } from '../../../lib/redaction/cli.ts';

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

function tempKeyring(): { path: string; keyring: Keyring } {
  const document = { hmacKey: generateKey(), keys: [{ id: 'k1', key: generateKey() }] };
  const path = join(mkdtempSync(join(tmpdir(), 'telepipe-cli-')), 'keyring.json');
  writeFileSync(path, JSON.stringify(document));
  return { path, keyring: Keyring.fromDocument(document, path) };
}

async function redact(lines: string[], json: boolean, env: NodeJS.ProcessEnv = {}) {
  const stdout = collect();
  const stderr = collect();
  const code = await runRedactCommand({
    json,
    env,
    stdin: Readable.from([lines.join('\n')]),
    stdout: stdout.stream,
    stderr: stderr.stream,
  });
  return { code, out: stdout.text(), err: stderr.text() };
}

describe('telepipe redact', () => {
  it('redacts lines of text: email, card and phone all replaced', async () => {
    const { path } = tempKeyring();
    const { code, out, err } = await redact(
      [
        'user bob@example.com paid with 4111 1111 1111 1111, call +86 138 0013 8000',
        'nothing here',
      ],
      false,
      { TELEPIPE_REDACTION__KEYRING__PATH: path },
    );
    expect(code).toBe(0);
    expect(out).toMatch(
      /^user hmac:[0-9a-f]{16} paid with \*{4}1111, call \*{4}8000\nnothing here\n$/,
    );
    expect(err).toBe('');
  });

  it('warns on stderr when it has no keyring, and still redacts', async () => {
    const { code, out, err } = await redact(['bob@example.com'], false);
    expect([code, out]).toEqual([0, '****.com\n']);
    expect(err).toMatch(/warning: redaction: the keyring has no hmacKey/);
  });

  it('redacts every string of JSON records, applying key rules to object keys', async () => {
    const { out } = await redact(
      [
        JSON.stringify({
          user: { email: 'bob@example.com', password: 'x', n: 5 },
          tags: ['13800138000'],
        }),
      ],
      true,
    );
    expect(JSON.parse(out)).toEqual({ user: { email: '****.com', n: 5 }, tags: ['****8000'] });
  });

  it('recognises OTLP/JSON requests and redacts them as such', async () => {
    const request = {
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  body: { stringValue: 'card 4111111111111111' },
                  attributes: [{ key: 'token', value: { stringValue: 'abc' } }],
                },
              ],
            },
          ],
        },
      ],
    };
    const { code, out } = await redact([JSON.stringify(request)], true);
    expect(code).toBe(0);
    const record = JSON.parse(out).resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(record.body).toEqual({ stringValue: 'card ****1111' });
    expect(record.attributes).toEqual([
      { key: 'data_classification', value: { stringValue: 'pii' } },
      { key: 'redaction.summary', value: { stringValue: '{"paymentCard":1,"sensitiveKey":1}' } },
    ]);
  });

  it('never echoes a line it cannot process, and exits 1', async () => {
    const { code, out, err } = await redact(['{"a": "bob@example.com"', '"ok"'], true);
    expect(code).toBe(1);
    expect(out).toBe('"ok"\n');
    expect(err).toMatch(/line 1 skipped: .*JSON/);
    expect(err).not.toContain('bob@example.com');
  });
});

describe('telepipe reveal', () => {
  it('decrypts an enc:v1 value with the keyring file', async () => {
    const { path, keyring } = tempKeyring();
    const stdout = collect();
    const code = await runRevealCommand({
      value: keyring.encrypt('11010519491231002X'),
      keyringPath: path,
      stdout: stdout.stream,
    });
    expect([code, stdout.text()]).toEqual([0, '11010519491231002X\n']);
  });

  it('decrypts every value inside a text, using the configured keyring by default', async () => {
    const { path, keyring } = tempKeyring();
    const stdout = collect();
    const code = await runRevealCommand({
      value: `id ${keyring.encrypt('A')} and ${keyring.encrypt('B')}`,
      env: { TELEPIPE_REDACTION__KEYRING__PATH: path },
      stdout: stdout.stream,
    });
    expect([code, stdout.text()]).toEqual([0, 'id A and B\n']);
  });

  it('exits 1 on values it cannot decrypt and 2 without a keyring', async () => {
    const { path } = tempKeyring();
    const stderr = collect();
    const other = Keyring.fromDocument({ keys: [{ id: 'k1', key: generateKey() }] }, 'x');
    expect(
      await runRevealCommand({
        value: other.encrypt('x'),
        keyringPath: path,
        stderr: stderr.stream,
      }),
    ).toBe(1);
    expect(
      await runRevealCommand({ value: 'plain', keyringPath: path, stderr: stderr.stream }),
    ).toBe(1);
    expect(
      await runRevealCommand({ value: 'enc:v1:k1:AAAA', env: {}, stderr: stderr.stream }),
    ).toBe(2);
    expect(stderr.text()).toMatch(/does not decrypt[\s\S]*no enc:v1[\s\S]*no keyring configured/);
  });
});
