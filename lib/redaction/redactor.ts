// The redaction engine's entry point: built from the `redaction` config section and a
// keyring, it redacts plain text, JSON values and OTLP requests (in place), and keeps
// cumulative counts by type for the processor's metrics.
import type { DetectorName, KeyRule, RedactionConfig } from '../config/sections/redaction.ts';
import type { ExportRequestBySignal, Signal } from '../otlp/types.ts';
import { Actions, ownOutputPattern, runnablePolicy, type Policy } from './actions.ts';
import { createDetectors } from './detectors/index.ts';
import type { Keyring } from './keyring.ts';
import { walkRequest } from './otlp-walk.ts';
import { TextScanner } from './scanner.ts';
import { Tally } from './tally.ts';
import type {
  Detector,
  Match,
  PiiType,
  RedactionCounts,
  RedactionSummary,
  TextRedaction,
} from './types.ts';
import { ValueRedactor } from './value-redactor.ts';

export interface RedactorOptions {
  /** Called once per distinct warning (e.g. a hash policy falling back to mask). */
  onWarning?: (message: string) => void;
  /** Replaces the detectors the config enables: for extensions and tests. */
  detectors?: Detector[];
}

export class Redactor {
  private readonly scanner: TextScanner;
  private readonly values: ValueRedactor;
  private readonly cumulative = new Tally();
  private readonly warningList: string[] = [];

  constructor(config: RedactionConfig, keyring?: Keyring, options: RedactorOptions = {}) {
    const detectors = options.detectors ?? createDetectors(config);
    const warn = (message: string): void => {
      if (this.warningList.includes(message)) return;
      this.warningList.push(message);
      options.onWarning?.(message);
    };
    const policies = runnablePolicies(config, keyring, warn);
    this.scanner = new TextScanner({
      detectors,
      ownOutput: ownOutputPattern(config.dropMarker),
      enabled: enabledTypes(config),
    });
    this.values = new ValueRedactor({
      config,
      scanner: this.scanner,
      actions: new Actions(keyring),
      policyFor: (subject) => policies.get(subject) ?? { action: 'drop', keep: 0 },
    });
  }

  /** Warnings raised while building the redactor, such as missing keys. */
  get warnings(): readonly string[] {
    return this.warningList;
  }

  /** The findings in `text`, without changing anything. */
  detect(text: string): readonly Match[] {
    return this.scanner.scan(text);
  }

  redactText(text: string): TextRedaction {
    const tally = new Tally();
    const redacted = this.values.text(text, tally);
    return { text: redacted, counts: this.record(tally) };
  }

  /** Redacts every string of a JSON value (and applies key rules to object keys). */
  redactJson(value: unknown): { value: unknown; counts: RedactionCounts } {
    const tally = new Tally();
    const redacted = this.values.json(value, tally);
    return { value: redacted, counts: this.record(tally) };
  }

  /** Redacts an OTLP request in place and marks the records that held personal data. */
  redactRequest<S extends Signal>(signal: S, request: ExportRequestBySignal[S]): RedactionSummary {
    const tally = new Tally();
    walkRequest(signal, request, this.values, tally);
    const counts = this.record(tally);
    return { redacted: !tally.empty, counts };
  }

  /** Redactions by type since this redactor was built, zeros included. */
  countsByType(): Record<PiiType, number> {
    return this.cumulative.toFullCounts();
  }

  private record(tally: Tally): RedactionCounts {
    this.cumulative.merge(tally);
    return tally.toCounts();
  }
}

function enabledTypes(config: RedactionConfig): Set<DetectorName> {
  const names = Object.keys(config.detectors) as DetectorName[];
  return new Set(names.filter((name) => config.detectors[name].enabled));
}

/** Each detector's and key rule's policy after keyring fallbacks, warning about each fallback. */
function runnablePolicies(
  config: RedactionConfig,
  keyring: Keyring | undefined,
  warn: (message: string) => void,
): Map<DetectorName | KeyRule, Policy> {
  const policies = new Map<DetectorName | KeyRule, Policy>();
  for (const [name, policy] of Object.entries(config.detectors) as [DetectorName, Policy][]) {
    if (config.detectors[name].enabled)
      policies.set(name, runnablePolicy(policy, keyring, name, warn));
  }
  for (const rule of [...config.keyRules, ...config.extraKeyRules]) {
    policies.set(rule, runnablePolicy(rule, keyring, `key rule /${rule.pattern}/`, warn));
  }
  return policies;
}
