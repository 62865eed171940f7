// Finds personal data in a text. Text detectors run only when their cheap check passes;
// number detectors run only on windows around runs of 7+ digits, found once for all of
// them. Text without such hints (most log lines) costs a few native string searches.
import { eachMatch, isAlnum } from './detectors/scan-utils.ts';
import type { Detector, Match } from './types.ts';
import { PII_TYPES } from './types.ts';

/** A digit run: digits with at most two separators between each ("(415) 555-2671"). */
const MIN_RUN_DIGITS = 7;
const MAX_SEPARATORS = 2;
/** Context a number detector may need around a run: an IBAN's letters, an SSN label, an id's X. */
const WINDOW_BEFORE = 32;
const WINDOW_AFTER = 16;
const MAX_WIDENING = 64;
/**
 * Numbers written as the value of a measurement or a trace id ("offset=13712345678",
 * "bytes_sent": 15728640000, dd.trace_id=4…) are not personal data, whatever they look like.
 */
const VALUE_LABEL = /([A-Za-z0-9_.-]+)["']?\s*[=:]\s*["']?$/;
const MEASUREMENT_WORDS = new Set(
  'offset bytes size count duration latency elapsed nanos millis timestamp seq ns us ms'.split(' '),
);
const TRACE_ID_KEY = /(?:trace|span)[_.-]?id$/i;
const LABEL_WINDOW = 24;
/** Nothing shorter can hold a finding ("a@b.co", "+4412345678"). */
const MIN_LENGTH = 6;

const NO_MATCHES: readonly Match[] = Object.freeze([]);
const PRECEDENCE = new Map<string, number>(PII_TYPES.map((type, rank) => [type, rank]));

export class TextScanner {
  private readonly textDetectors: Detector[];
  private readonly digitDetectors: Detector[];
  private readonly ownOutput: RegExp;

  /** `ownOutput` matches what redaction writes, so a second pass leaves it alone. */
  constructor(detectors: Detector[], ownOutput: RegExp) {
    this.textDetectors = detectors.filter((d) => d.scope === 'text');
    this.digitDetectors = detectors.filter((d) => d.scope === 'digits');
    this.ownOutput = ownOutput;
  }

  /** Findings in `text`, non-overlapping and in order. */
  scan(text: string): readonly Match[] {
    if (text.length < MIN_LENGTH) return NO_MATCHES;
    const found: Match[] = [];
    for (const detector of this.textDetectors) {
      if (detector.mayContain(text)) detector.find(text, 0, found);
    }
    if (this.digitDetectors.length > 0) this.scanDigitWindows(text, found);
    return found.length === 0 ? NO_MATCHES : this.resolve(text, found);
  }

  private scanDigitWindows(text: string, found: Match[]): void {
    const numbers: Match[] = [];
    for (const { start, end, digits } of digitWindows(text)) {
      const window = start === 0 && end === text.length ? text : text.slice(start, end);
      for (const detector of this.digitDetectors) {
        if (digits >= (detector.minDigits ?? 0)) detector.find(window, start, numbers);
      }
    }
    for (const match of numbers) if (!isMeasurement(text, match.start)) found.push(match);
  }

  /**
   * Keeps the highest-precedence (then longest) finding wherever findings overlap, and
   * none inside redaction output. `taken` marks claimed characters: linear in the text,
   * however many findings there are.
   */
  private resolve(text: string, found: Match[]): Match[] {
    const taken = new Uint8Array(text.length);
    eachMatch(this.ownOutput, text, (m) => taken.fill(1, m.index, m.index + m[0].length));
    const kept = found.sort(byPrecedence).filter((match) => {
      if (taken.subarray(match.start, match.end).includes(1)) return false;
      taken.fill(1, match.start, match.end);
      return true;
    });
    return kept.sort((a, b) => a.start - b.start);
  }
}

function isMeasurement(text: string, start: number): boolean {
  const key = VALUE_LABEL.exec(text.slice(Math.max(0, start - LABEL_WINDOW), start))?.[1];
  return key !== undefined && isMeasurementKey(key);
}

/** By whole words of the key (`bytes_sent`, `latencyNs`), so `account` is no `count`. */
function isMeasurementKey(key: string): boolean {
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[_.-]+/);
  return words.some((word) => MEASUREMENT_WORDS.has(word)) || TRACE_ID_KEY.test(key);
}

function byPrecedence(a: Match, b: Match): number {
  const rank = (PRECEDENCE.get(a.type) ?? 0) - (PRECEDENCE.get(b.type) ?? 0);
  return rank !== 0 ? rank : b.end - b.start - (a.end - a.start) || a.start - b.start;
}

interface DigitWindow {
  start: number;
  end: number;
  /** Digits in the longest run inside the window. */
  digits: number;
}

/** Stretches of digits and separators long enough to hold a run: found natively, then read. */
const RUN_CANDIDATE = /\d[\d .()+-]{5,}\d/g;

/** Merged windows around each run of 7+ digits, widened to whole words. */
function digitWindows(text: string): DigitWindow[] {
  const windows: DigitWindow[] = [];
  eachMatch(RUN_CANDIDATE, text, (m) => {
    addRuns(windows, text, m.index, m.index + m[0].length);
  });
  return windows;
}

/** Splits text[from, to) into runs (at most two separators in a row) and adds their windows. */
function addRuns(windows: DigitWindow[], text: string, from: number, to: number): void {
  let runStart = -1;
  let runEnd = 0;
  let digits = 0;
  let separators = 0;
  for (let i = from; i <= to; i++) {
    const code = i < to ? text.charCodeAt(i) : -1;
    if (code >= 48 && code <= 57) {
      if (runStart < 0) {
        runStart = i;
        digits = 0;
      }
      digits++;
      separators = 0;
      runEnd = i + 1;
    } else if (runStart >= 0 && separators < MAX_SEPARATORS && isRunSeparator(code)) {
      separators++;
    } else if (runStart >= 0) {
      if (digits >= MIN_RUN_DIGITS) addWindow(windows, text, runStart, runEnd, digits);
      runStart = -1;
      separators = 0;
    }
  }
}

/** Space . ( ) + - */
function isRunSeparator(code: number): boolean {
  return code === 32 || code === 46 || code === 40 || code === 41 || code === 43 || code === 45;
}

function addWindow(
  windows: DigitWindow[],
  text: string,
  runStart: number,
  runEnd: number,
  digits: number,
): void {
  const start = wordStart(text, Math.max(0, runStart - WINDOW_BEFORE));
  const end = wordEnd(text, Math.min(text.length, runEnd + WINDOW_AFTER));
  const last = windows[windows.length - 1];
  if (last && start <= last.end) {
    last.end = end;
    last.digits = Math.max(last.digits, digits);
  } else {
    windows.push({ start, end, digits });
  }
}

/**
 * Widening stops at a non-alphanumeric character, so boundary checks see real context; it
 * is capped so that a huge word full of digit runs stays linear.
 */
function wordStart(text: string, start: number): number {
  const floor = Math.max(0, start - MAX_WIDENING);
  let i = start;
  while (i > floor && isAlnum(text.charCodeAt(i - 1))) i--;
  return i;
}

function wordEnd(text: string, end: number): number {
  const ceiling = Math.min(text.length, end + MAX_WIDENING);
  let i = end;
  while (i < ceiling && isAlnum(text.charCodeAt(i))) i++;
  return i;
}
