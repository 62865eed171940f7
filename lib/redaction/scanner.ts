// Finds personal data in a text. Text detectors run only when their cheap check passes;
// number detectors run only on windows around runs of 7+ digits, found once for all of
// them. Text without such hints (most log lines) costs a few native string searches.
// Encoded text is decoded first (JSON escapes) or as well (percent-encoded tokens), and
// findings are mapped back onto the encoded characters.
import type { DetectorName } from '../config/sections/redaction.ts';
import {
  hasJsonEscape,
  jsonUnescape,
  percentDecode,
  percentEncodedTokens,
  type Decoded,
} from './decoders.ts';
import { digitRuns, windowsAround, type DigitRun } from './digit-windows.ts';
import { eachMatch } from './detectors/scan-utils.ts';
import type { Detector, DigitDetector, Match, TextDetector } from './types.ts';
import { PII_TYPES } from './types.ts';

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

export interface ScannerParts {
  detectors: readonly Detector[];
  /** Matches what redaction writes and placeholders already there: left alone. */
  ownOutput: RegExp;
  /** Findings of other types are discarded. */
  enabled: ReadonlySet<DetectorName>;
}

export class TextScanner {
  private readonly textDetectors: TextDetector[];
  private readonly digitDetectors: DigitDetector[];
  private readonly ownOutput: RegExp;
  private readonly enabled: ReadonlySet<DetectorName>;

  constructor(parts: ScannerParts) {
    this.textDetectors = parts.detectors.filter((d): d is TextDetector => d.scope === 'text');
    this.digitDetectors = parts.detectors.filter((d): d is DigitDetector => d.scope === 'digits');
    this.ownOutput = parts.ownOutput;
    this.enabled = parts.enabled;
  }

  /** Findings in `text`, non-overlapping and in order. */
  scan(text: string): readonly Match[] {
    if (text.length < MIN_LENGTH) return NO_MATCHES;
    if (!hasJsonEscape(text)) return this.scanDecoded(text);
    // Every finding in the raw text is also in the unescaped one, so only that is scanned.
    const unescaped = jsonUnescape(text);
    return mapBack(this.scanDecoded(unescaped.text), unescaped, text);
  }

  /**
   * Findings in a URL or a URL query string: the query is form-decoded (`%40` and `+`)
   * whether or not it looks encoded, since it is known to be a query.
   */
  scanQuery(text: string): readonly Match[] {
    const start = text.indexOf('?') + 1;
    const query = text.slice(start);
    const decoded = percentDecode(query, true);
    if (!decoded) return this.scan(text);
    const inQuery = mapBack(this.scan(decoded.text), decoded, query).map((m) => ({
      ...m,
      start: m.start + start,
      end: m.end + start,
    }));
    return start === 0 ? inQuery : [...this.scan(text.slice(0, start)), ...inQuery];
  }

  /** Whether the whole of `text` is redaction output or a placeholder (`***`, `<redacted>`). */
  isRedacted(text: string): boolean {
    this.ownOutput.lastIndex = 0;
    const m = this.ownOutput.exec(text);
    return m !== null && m.index === 0 && m[0].length === text.length;
  }

  /** Findings in text without JSON escapes, percent-encoded tokens included. */
  private scanDecoded(text: string): readonly Match[] {
    const found: Match[] = [];
    this.findPlain(text, found);
    if (text.includes('%')) {
      for (const token of percentEncodedTokens(text)) {
        const inner: Match[] = [];
        this.findPlain(token.decoded.text, inner);
        const mapped = mapBack(inner, token.decoded, text.slice(token.start, token.end));
        for (const m of mapped)
          found.push({ ...m, start: m.start + token.start, end: m.end + token.start });
      }
    }
    return found.length === 0 ? NO_MATCHES : this.resolve(text, found);
  }

  private findPlain(text: string, found: Match[]): void {
    for (const detector of this.textDetectors) {
      if (detector.mayContain(text)) detector.find(text, 0, found);
    }
    if (this.digitDetectors.length > 0) this.scanDigitWindows(text, found);
  }

  /**
   * Each run is offered to every number detector once (`wanted` is a bit per detector);
   * windows are opened only around wanted runs, and each searched by the detectors that
   * wanted one of its runs.
   */
  private scanDigitWindows(text: string, found: Match[]): void {
    const runs = digitRuns(text);
    const wantedRuns: DigitRun[] = [];
    const wanted: number[] = [];
    for (const run of runs) {
      let bits = 0;
      this.digitDetectors.forEach((detector, i) => {
        if (detector.wantsRun(text, run)) bits |= 1 << i;
      });
      if (bits !== 0) {
        wantedRuns.push(run);
        wanted.push(bits);
      }
    }
    if (wantedRuns.length === 0) return;
    const numbers: Match[] = [];
    for (const { start, end, runs: inWindow } of windowsAround(text, wantedRuns)) {
      const bits = inWindow.reduce((all, at) => all | (wanted[at] ?? 0), 0);
      const window = start === 0 && end === text.length ? text : text.slice(start, end);
      this.digitDetectors.forEach((detector, i) => {
        if (bits & (1 << i)) detector.find(window, start, numbers);
      });
    }
    for (const match of numbers) if (!isMeasurement(text, match.start)) found.push(match);
  }

  /**
   * Keeps the highest-precedence (then longest) enabled finding wherever findings overlap,
   * and none inside redaction output or a placeholder. `taken` marks claimed characters:
   * linear in the text, however many findings there are.
   */
  private resolve(text: string, found: Match[]): Match[] {
    const taken = new Uint8Array(text.length);
    eachMatch(this.ownOutput, text, (m) => taken.fill(1, m.index, m.index + m[0].length));
    const kept = found.sort(byPrecedence).filter((match) => {
      if (!this.enabled.has(match.type)) return false;
      if (taken.subarray(match.start, match.end).includes(1)) return false;
      taken.fill(1, match.start, match.end);
      return true;
    });
    return kept.sort((a, b) => a.start - b.start);
  }
}

/**
 * Findings in decoded text as ranges of the encoded text, each carrying its decoded value
 * when that differs from the encoded characters it replaces.
 */
function mapBack(matches: readonly Match[], decoded: Decoded, encoded: string): Match[] {
  return matches.map((m) => {
    const start = decoded.origin[m.start] ?? 0;
    const end = decoded.origin[m.end] ?? encoded.length;
    const value = m.value ?? decoded.text.slice(m.start, m.end);
    return value === encoded.slice(start, end)
      ? { type: m.type, start, end }
      : { type: m.type, start, end, value };
  });
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
