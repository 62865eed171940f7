// The PII redaction policy (pipelines/redaction). Every knob is documented in
// docs/redaction.md; with no config at all the defaults redact every supported type.
import { z } from 'zod';
import { stringList } from '../fields.ts';

export const REDACTION_ACTIONS = ['drop', 'mask', 'hash', 'encrypt'] as const;
export type RedactionAction = (typeof REDACTION_ACTIONS)[number];

const actionSchema = z.enum(REDACTION_ACTIONS);
const keepSchema = z.number().int().min(0).max(8);

interface DetectorDefaults {
  enabled?: boolean;
  action: RedactionAction;
  keep?: number;
}

/** One value detector: on or off, what to do with a match, how much a mask keeps. */
const detector = ({ enabled = true, action, keep = 0 }: DetectorDefaults) =>
  z
    .object({
      enabled: z.boolean().default(enabled),
      action: actionSchema.default(action),
      /** Trailing characters a `mask` keeps (also used when hash/encrypt fall back to mask). */
      keep: keepSchema.default(keep),
    })
    .strict()
    .prefault({});

const regexSource = z.string().refine(isValidRegex, 'expected a valid regular expression');

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
}

const keyRule = z
  .object({
    /** Case-insensitive regex tested against the key's last dot-segment, `-` read as `_`. */
    pattern: regexSource,
    action: actionSchema.default('drop'),
    keep: keepSchema.default(0),
  })
  .strict();

/** Keys that hold credentials whatever their value: headers, passwords, tokens, sessions. */
export const DEFAULT_KEY_RULES: z.input<typeof keyRule>[] = [
  {
    pattern:
      '(?:authorization|cookie|api_?key|password|passwd|secret|token|private_?key|session(?:_?id)?|credentials?)$',
    action: 'drop',
  },
];

/** Parameter names whose value is a secret in URLs and `name=value` text; `*x` = ends with x. */
export const DEFAULT_SECRET_PARAMS = [
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'password',
  'passwd',
  'pwd',
  'secret',
  'api_key',
  'apikey',
  'sig',
  'signature',
  'x_amz_signature',
  'x_amz_credential',
  'x_amz_security_token',
  'x_goog_signature',
  'x_goog_credential',
  'session',
  'sessionid',
  'session_id',
  'jsessionid',
  'phpsessid',
  'private_key',
  'credential',
  'credentials',
  '*_token',
  '*_secret',
  '*_password',
];

export const redactionSchema = z
  .object({
    /** Off = the processor stores records unchanged (RedactionStage passes them through). */
    enabled: z.boolean().default(true),
    keyring: z
      .object({
        /** JSON or YAML keyring file; wins over `env` when both are set. */
        path: z.string().default(''),
        /**
         * Environment variable holding the keyring document itself. Not TELEPIPE_-prefixed:
         * that prefix is reserved for config overrides.
         */
        env: z.string().default('REDACTION_KEYRING'),
      })
      .strict()
      .prefault({}),
    /** What `drop` leaves inside text (attributes matched by a key rule are removed). */
    dropMarker: z.string().min(1).default('[REDACTED]'),
    detectors: z
      .object({
        email: detector({ action: 'hash', keep: 4 }),
        phone: detector({ action: 'mask', keep: 4 }),
        prcId: detector({ action: 'encrypt' }),
        paymentCard: detector({ action: 'mask', keep: 4 }),
        iban: detector({ action: 'mask', keep: 4 }),
        usSsn: detector({ action: 'encrypt' }),
        jwt: detector({ action: 'drop' }),
        authCredential: detector({ action: 'drop' }),
        awsAccessKeyId: detector({ action: 'drop' }),
        awsSecretKey: detector({ action: 'drop' }),
        privateKey: detector({ action: 'drop' }),
        urlCredentials: detector({ action: 'drop' }),
        secretParam: detector({ action: 'drop' }),
        providerToken: detector({ action: 'drop' }),
        cookie: detector({ action: 'drop' }),
        ipv4: detector({ action: 'hash' }),
        ipv6: detector({ action: 'hash' }),
        macAddress: detector({ action: 'hash' }),
        cnLandline: detector({ action: 'mask', keep: 4 }),
        passport: detector({ action: 'encrypt' }),
        hkId: detector({ action: 'encrypt' }),
        twId: detector({ action: 'encrypt' }),
        personName: detector({ action: 'mask' }),
        address: detector({ action: 'mask' }),
        userId: detector({ action: 'hash' }),
      })
      .strict()
      .prefault({}),
    /** Replaces the default key rules; use `extraKeyRules` to add to them instead. */
    keyRules: z.array(keyRule).default(DEFAULT_KEY_RULES.map((rule) => keyRule.parse(rule))),
    extraKeyRules: z.array(keyRule).default([]),
    /** Replaces the default secret parameter names; `extraSecretParams` adds to them. */
    secretParams: stringList(DEFAULT_SECRET_PARAMS),
    extraSecretParams: stringList([]),
  })
  .strict()
  .prefault({});

export type RedactionConfig = z.infer<typeof redactionSchema>;
export type DetectorName = keyof RedactionConfig['detectors'];
export type DetectorPolicy = RedactionConfig['detectors'][DetectorName];
export type KeyRule = z.infer<typeof keyRule>;
