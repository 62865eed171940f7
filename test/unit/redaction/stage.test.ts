import { describe, expect, it } from 'vitest';
import { TelepipeError } from '../../../lib/errors.ts';
import { decodeJsonRequest } from '../../../lib/otlp/codec.ts';
import { emailDetector } from '../../../lib/redaction/detectors/email.ts';
import { RedactionStage } from '../../../lib/redaction/redaction-stage.ts';
import type { Detector } from '../../../lib/redaction/types.ts';
import { config, keyringWith } from './helpers.ts';

const logs = () =>
  decodeJsonRequest(
    'logs',
    JSON.stringify({
      resourceLogs: [
        {
          scopeLogs: [
            { logRecords: [{ body: { stringValue: 'mail bob@example.com' }, attributes: [] }] },
          ],
        },
      ],
    }),
  );

const bodyOf = (request: ReturnType<typeof logs>) =>
  request.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.body?.stringValue;

/** A detector that fails on every text it is asked to search. */
const brokenDetector: Detector = {
  ...emailDetector,
  mayContain: () => true,
  find: () => {
    throw new Error('detector exploded');
  },
};

describe('RedactionStage', () => {
  it('redacts and reports the summary', () => {
    const stage = new RedactionStage(config(), { keyring: keyringWith(['k1']) });
    const result = stage.process('logs', logs());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(bodyOf(result.request)).toMatch(/^mail hmac:[0-9a-f]{16}$/);
    expect(result.summary).toEqual({ redacted: true, counts: { email: 1 } });
    expect(stage.countsByType().email).toBe(1);
  });

  it('fails closed: an error while redacting becomes ok:false, never the request', () => {
    const stage = new RedactionStage(config(), { env: {}, detectors: [brokenDetector] });
    const result = stage.process('logs', logs());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(TelepipeError);
    expect(result.error.message).toBe('redaction failed, record not stored: detector exploded');
    expect(result.error.retryable).toBe(false);
    expect(stage.failures).toBe(1);
    expect('request' in result).toBe(false);
  });

  it('fails closed on a request that does not match its signal', () => {
    const stage = new RedactionStage(config(), { env: {} });
    const result = stage.process('traces', logs() as never);
    expect(result.ok).toBe(false);
  });

  it('passes requests through untouched when disabled', () => {
    const stage = new RedactionStage(config({ enabled: false }), { detectors: [brokenDetector] });
    const request = logs();
    expect(stage.process('logs', request)).toEqual({
      ok: true,
      request,
      summary: { redacted: false, counts: {} },
    });
    expect(bodyOf(request)).toBe('mail bob@example.com');
    expect(stage.enabled).toBe(false);
    expect(stage.countsByType().email).toBe(0);
  });

  it('warns, and masks, when no keyring is configured', () => {
    const warnings: string[] = [];
    const stage = new RedactionStage(config(), { env: {}, onWarning: (w) => warnings.push(w) });
    expect(stage.warnings).toEqual(warnings);
    expect(warnings[0]).toMatch(/no hmacKey, so email values are masked/);
    const result = stage.process('logs', logs());
    expect(result.ok && bodyOf(result.request)).toBe('mail ****.com');
  });

  it('refuses to start with a configured keyring it cannot read', () => {
    expect(
      () => new RedactionStage(config({ keyring: { path: '/nonexistent/keyring.yaml' } })),
    ).toThrow(/cannot read redaction keyring/);
  });
});
