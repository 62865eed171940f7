// The PII redaction policy (lib/redaction). Every knob is documented in
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

/** Every kind of value and its default policy. */
const DETECTORS = {
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
};

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
      '(?:authorization|cookie|api_?key|subscription_?key|password|passwd|secret|token|private_?key|session(?:_?id)?|credentials?)$',
    action: 'drop',
  },
];

const DETECTOR_NAMES = Object.keys(DETECTORS) as [
  keyof typeof DETECTORS,
  ...(keyof typeof DETECTORS)[],
];

/**
 * What an attribute holds, by its whole key (OpenTelemetry semantic conventions): a kind of
 * value, whose policy then applies to the whole value before any text scanning, or
 * `urlQuery` for a URL query string, whose parameters are decoded and redacted one by one.
 */
const attributeRule = z
  .object({
    /** Case-insensitive regex that must match the whole attribute key. */
    key: regexSource,
    kind: z.enum([...DETECTOR_NAMES, 'urlQuery']),
  })
  .strict();

export const DEFAULT_ATTRIBUTE_RULES: z.input<typeof attributeRule>[] = [
  {
    key: String.raw`(?:client|source)\.(?:socket\.)?address|network\.peer\.address|http\.client_ip|net\.(?:sock\.)?peer\.(?:ip|addr)`,
    kind: 'ipv4',
  },
  {
    key: String.raw`http\.request\.header\.(?:x[-_]forwarded[-_]for|x[-_]real[-_]ip|forwarded|true[-_]client[-_]ip|cf[-_]connecting[-_]ip|x[-_]client[-_]ip)`,
    kind: 'ipv4',
  },
  { key: String.raw`(?:user|enduser)\.email`, kind: 'email' },
  { key: String.raw`user\.(?:name|full_name)`, kind: 'personName' },
  // Roles and scopes (user.roles, enduser.role, enduser.scope) say what, not who: not matched.
  { key: String.raw`user\.(?:id|hash)|enduser\.(?:id|pseudo\.id)`, kind: 'userId' },
  { key: String.raw`url\.(?:query|full|original)|http\.(?:url|target)`, kind: 'urlQuery' },
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
  'pass',
  'passphrase',
  'secret',
  'api_key',
  'apikey',
  'subscription_key',
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
  '*_passwd',
  '*_pass',
  '*_pwd',
  '*_api_key',
  '*_apikey',
  '*_subscription_key',
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
    detectors: z.object(DETECTORS).strict().prefault({}),
    /** Replaces the default attribute rules; `extraAttributeRules` are tried first. */
    attributeRules: z
      .array(attributeRule)
      .default(DEFAULT_ATTRIBUTE_RULES.map((rule) => attributeRule.parse(rule))),
    extraAttributeRules: z.array(attributeRule).default([]),
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
export type DetectorName = keyof typeof DETECTORS;
export type DetectorPolicy = RedactionConfig['detectors'][DetectorName];
export type KeyRule = z.infer<typeof keyRule>;
export type AttributeRule = z.infer<typeof attributeRule>;
