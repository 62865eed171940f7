// Keys for the `hash` and `encrypt` actions. A keyring document (JSON or YAML, from a file
// or an environment variable) lists encryption keys oldest first; new values are encrypted
// with the last one and every listed key still decrypts, so rotation is "append a key".
//
//   hmacKey: <base64, 32+ bytes>          # pseudonyms for `hash`; keep it across rotations
//   keys:
//     - { id: k1, key: <base64, 32 bytes> }
//     - { id: k2, key: <base64, 32 bytes> }  # newest: used for new values
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { invalidArgument, TelepipeError } from '../errors.ts';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = 'enc:v1:';

/** An encrypted value: `enc:v1:<keyId>:<base64 of nonce | ciphertext | tag>`. */
export const ENCRYPTED_VALUE = /enc:v1:([A-Za-z0-9_-]{1,64}):([A-Za-z0-9+/]+={0,2})/g;

const base64Key = (minBytes: number, maxBytes: number) =>
  z
    .string()
    .transform((text) => Buffer.from(text, 'base64'))
    .refine(
      (bytes) => bytes.length >= minBytes && bytes.length <= maxBytes,
      minBytes === maxBytes
        ? `expected base64 of exactly ${minBytes} bytes`
        : `expected base64 of ${minBytes} to ${maxBytes} bytes`,
    );

const keyringDocument = z
  .object({
    hmacKey: base64Key(32, 64).optional(),
    keys: z
      .array(
        z
          .object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), key: base64Key(32, 32) })
          .strict(),
      )
      .default([])
      .refine(
        (keys) => new Set(keys.map((k) => k.id)).size === keys.length,
        'key ids must be unique',
      ),
  })
  .strict();

export class Keyring {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly hmacKey: Buffer | undefined;
  /** The id new values are encrypted with: the last key listed. */
  readonly activeKeyId: string | undefined;

  private constructor(keys: { id: string; key: Buffer }[], hmacKey: Buffer | undefined) {
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.hmacKey = hmacKey;
    this.activeKeyId = keys[keys.length - 1]?.id;
  }

  /** Validates a parsed keyring document; `source` names it in errors. */
  static fromDocument(document: unknown, source: string): Keyring {
    const parsed = keyringDocument.safeParse(document ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (i) => `${i.path.join('.') || '(root)'}: ${i.message}`,
      );
      throw new TelepipeError(
        'config',
        `invalid redaction keyring (${source}): ${problems.join('; ')}`,
      );
    }
    return new Keyring(parsed.data.keys, parsed.data.hmacKey);
  }

  /** Parses keyring text, JSON or YAML. */
  static parse(text: string, source: string): Keyring {
    let document: unknown;
    try {
      document = parseYaml(text);
    } catch (err) {
      throw new TelepipeError('config', `redaction keyring (${source}) is not JSON or YAML`, {
        cause: err,
      });
    }
    return Keyring.fromDocument(document, source);
  }

  get canEncrypt(): boolean {
    return this.activeKeyId !== undefined;
  }

  get canHash(): boolean {
    return this.hmacKey !== undefined;
  }

  /** Hex HMAC-SHA256 of `value` under the keyring's HMAC key. */
  hmacHex(value: string): string {
    if (!this.hmacKey) throw new TelepipeError('config', 'the redaction keyring has no hmacKey');
    return createHmac('sha256', this.hmacKey).update(value, 'utf8').digest('hex');
  }

  /** AES-256-GCM with a random nonce under the newest key; the header is authenticated too. */
  encrypt(plaintext: string): string {
    const keyId = this.activeKeyId;
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (keyId === undefined || !key) {
      throw new TelepipeError('config', 'the redaction keyring has no encryption key');
    }
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(`${PREFIX}${keyId}`));
    const body = Buffer.concat([
      nonce,
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${PREFIX}${keyId}:${body.toString('base64')}`;
  }

  /** Decrypts one `enc:v1:` value with whichever listed key encrypted it. */
  decrypt(token: string): string {
    const parts = new RegExp(`^${ENCRYPTED_VALUE.source}$`).exec(token.trim());
    if (!parts) throw invalidArgument('not an enc:v1:<keyId>:<base64> value');
    const [, keyId = '', encoded = ''] = parts;
    const key = this.keys.get(keyId);
    if (!key) throw invalidArgument(`key "${keyId}" is not in the keyring`);
    const body = Buffer.from(encoded, 'base64');
    if (body.length < NONCE_BYTES + TAG_BYTES)
      throw invalidArgument('encrypted value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(`${PREFIX}${keyId}`));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      const plain = decipher.update(body.subarray(NONCE_BYTES, body.length - TAG_BYTES));
      return Buffer.concat([plain, decipher.final()]).toString('utf8');
    } catch (err) {
      throw invalidArgument(
        `value does not decrypt with key "${keyId}" (wrong key or altered)`,
        err,
      );
    }
  }
}

export interface KeyringSettings {
  /** Keyring file; wins over `env`. */
  path: string;
  /** Name of an environment variable that holds the keyring document. */
  env: string;
}

/**
 * The configured keyring, or undefined when none is configured (then hash and encrypt
 * fall back to mask). A configured keyring that cannot be read is an error, never a
 * silent fallback.
 */
export function loadKeyring(
  settings: KeyringSettings,
  env: NodeJS.ProcessEnv = process.env,
): Keyring | undefined {
  if (settings.path) return Keyring.parse(readKeyringFile(settings.path), settings.path);
  const inline = settings.env ? env[settings.env] : undefined;
  return inline ? Keyring.parse(inline, `$${settings.env}`) : undefined;
}

function readKeyringFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new TelepipeError(
      'config',
      `cannot read redaction keyring ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** A new random key in the keyring's format (base64 of 32 bytes). */
export function generateKey(): string {
  return randomBytes(32).toString('base64');
}
