// Public API of the redaction engine, for the processor and the CLI.
export { Redactor, type RedactorOptions } from './redactor.ts';
export { RedactionStage, type RedactionStageOptions, type StageResult } from './redaction-stage.ts';
export { Keyring, loadKeyring, generateKey, type KeyringSettings } from './keyring.ts';
export {
  runRedactCommand,
  runRevealCommand,
  type RedactCommandOptions,
  type RevealCommandOptions,
} from './cli.ts';
export { CLASSIFICATION_ATTRIBUTE, SUMMARY_ATTRIBUTE } from './otlp-walk.ts';
export {
  PII_TYPES,
  type Detector,
  type DigitDetector,
  type TextDetector,
  type Match,
  type PiiType,
  type RedactionCounts,
  type RedactionSummary,
  type TextRedaction,
} from './types.ts';
