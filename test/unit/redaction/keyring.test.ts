import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKey, Keyring, loadKeyring } from '../../../lib/redaction/keyring.ts';
import { Redactor } from '../../../lib/redaction/redactor.ts';
import { config } from './helpers.ts';

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'telepipe-keyring-')), name);
  writeFileSync(file, text);
  return file;
}

const ID = 'id 11010519491231002X';

describe('keyring', () => {
  it('rotates: new values use the newest key and every listed key still decrypts', () => {
    const hmacKey = generateKey();
    const k1 = { id: 'k1', key: generateKey() };
    const before = Keyring.fromDocument({ hmacKey, keys: [k1] }, 'v1');
    const oldValue = new Redactor(config(), before).redactText(ID).text.slice(3);
    expect(oldValue).toMatch(/^enc:v1:k1:/);

    const after = Keyring.fromDocument(
      { hmacKey, keys: [k1, { id: 'k2', key: generateKey() }] },
      'v2',
    );
    expect(after.activeKeyId).toBe('k2');
    const redactor = new Redactor(config(), after);
    const newValue = redactor.redactText(ID).text.slice(3);
    expect(newValue).toMatch(/^enc:v1:k2:/);
    expect(after.decrypt(oldValue)).toBe('11010519491231002X');
    expect(after.decrypt(newValue)).toBe('11010519491231002X');
    // The HMAC key is kept across rotations, so pseudonyms stay stable.
    expect(redactor.redactText('bob@example.com').text).toBe(
      new Redactor(config(), before).redactText('bob@example.com').text,
    );
  });

  it('refuses unknown keys, altered values and a changed key id', () => {
    const keyring = Keyring.fromDocument({ keys: [{ id: 'k1', key: generateKey() }] }, 't');
    const token = keyring.encrypt('secret');
    const other = Keyring.fromDocument({ keys: [{ id: 'k1', key: generateKey() }] }, 't');
    expect(() => other.decrypt(token)).toThrow(/does not decrypt with key "k1"/);
    const body = Buffer.from(token.split(':')[3]!, 'base64');
    body[14] = body[14]! ^ 1;
    expect(() => keyring.decrypt(`enc:v1:k1:${body.toString('base64')}`)).toThrow(/altered/);
    expect(() => keyring.decrypt(token.replace('k1', 'k9'))).toThrow(/"k9" is not in the keyring/);
    expect(() => keyring.decrypt('hmac:0011')).toThrow(/not an enc:v1/);
  });

  it('validates the document: 32-byte keys, unique ids, nothing unknown', () => {
    const key = generateKey();
    expect(() => Keyring.fromDocument({ keys: [{ id: 'k1', key: 'c2hvcnQ=' }] }, 'f')).toThrow(
      /keys\.0\.key: expected base64 of exactly 32 bytes/,
    );
    expect(() =>
      Keyring.fromDocument(
        {
          keys: [
            { id: 'a', key },
            { id: 'a', key },
          ],
        },
        'f',
      ),
    ).toThrow(/unique/);
    expect(() => Keyring.fromDocument({ keyz: [] }, 'f')).toThrow(
      /invalid redaction keyring \(f\)/,
    );
    expect(() => Keyring.fromDocument({ keys: [{ id: 'a:b', key }] }, 'f')).toThrow(/keys\.0\.id/);
  });

  it('loads from a JSON or YAML file, or from the named environment variable', () => {
    const key = generateKey();
    const json = tempFile('k.json', JSON.stringify({ keys: [{ id: 'j1', key }] }));
    const yaml = tempFile(
      'k.yaml',
      `hmacKey: ${generateKey()}\nkeys:\n  - id: y1\n    key: ${key}\n`,
    );
    expect(loadKeyring({ path: json, env: '' })?.activeKeyId).toBe('j1');
    const fromYaml = loadKeyring({ path: yaml, env: '' });
    expect([fromYaml?.activeKeyId, fromYaml?.canHash]).toEqual(['y1', true]);
    const env = { MY_KEYS: JSON.stringify({ keys: [{ id: 'e1', key }] }) };
    expect(loadKeyring({ path: '', env: 'MY_KEYS' }, env)?.activeKeyId).toBe('e1');
    expect(loadKeyring({ path: '', env: 'MY_KEYS' }, {})).toBeUndefined();
  });

  it('fails loudly when a configured keyring cannot be read', () => {
    expect(() => loadKeyring({ path: '/nonexistent/keys.json', env: '' })).toThrow(
      /cannot read redaction keyring/,
    );
    expect(() => loadKeyring({ path: tempFile('bad.yaml', 'keys: [unclosed'), env: '' })).toThrow(
      /not JSON or YAML/,
    );
  });
});
