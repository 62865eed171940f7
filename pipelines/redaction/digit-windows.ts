// Where number detectors look: windows around runs of 7+ digits, found once for all of them.
// Each detector then says from a run's digits and neighbours whether it could start there.
import { eachMatch, isAlnum } from './detectors/scan-utils.ts';

const MIN_RUN_DIGITS = 7;
const MAX_SEPARATORS = 2;
/** Context a number detector may need around a run: an IBAN's letters, an SSN label, an id's X. */
const WINDOW_BEFORE = 32;
const WINDOW_AFTER = 16;
const MAX_WIDENING = 64;

/** A run of 7+ digits with at most two separators between them ("(415) 555-2671"). */
export interface DigitRun {
  start: number;
  end: number;
  digits: number;
}

export interface DigitWindow {
  start: number;
  end: number;
  /** The runs the window was opened for. */
  runs: DigitRun[];
}

/**
 * Stretches of digits and separators long enough to hold a run: found natively, then read.
 * Not after a lower-case letter: digits inside hex ids and words (`0xc000228466`, trace
 * ids) are never a whole number, while IBANs and ids after capitals (`DE89…`, `A123456(3)`)
 * need their window.
 */
const RUN_CANDIDATE = /(?<![\da-z])\d[\d .()+-]{4,}\d/g;

/** Merged windows around each run of 7+ digits, widened to whole words. */
export function digitWindows(text: string): DigitWindow[] {
  const windows: DigitWindow[] = [];
  eachMatch(RUN_CANDIDATE, text, (m) => {
    addRuns(windows, text, m.index, m.index + m[0].length);
  });
  return windows;
}

/**
 * Splits text[from, to) into runs (digits with at most two separators between them,
 * "(415) 555-2671") and adds the windows of those with 7+ digits.
 */
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
      if (opensWindow(text, runStart, runEnd, digits)) {
        addWindow(windows, text, { start: runStart, end: runEnd, digits });
      }
      runStart = -1;
      separators = 0;
    }
  }
}

/**
 * Runs of 7+ digits that are not a date or a decimal, and six digits right after a capital:
 * ids like HKIDs whose check character may be a letter (`A123456(A)`).
 */
function opensWindow(text: string, start: number, end: number, digits: number): boolean {
  if (digits === MIN_RUN_DIGITS - 1) return isUpperCase(text.charCodeAt(start - 1));
  return digits >= MIN_RUN_DIGITS && !isDateOrDecimal(text, start, end, digits);
}

function isUpperCase(code: number): boolean {
  return code >= 65 && code <= 90;
}

/** Runs that only ever are a date or a decimal number (`2026-11-23`, `1703468079.271581`). */
function isDateOrDecimal(text: string, start: number, end: number, digits: number): boolean {
  const separators = end - start - digits;
  if (separators === 1) {
    const dot = text.indexOf('.', start);
    return dot !== -1 && dot < end;
  }
  const isoDate = end - start === 10 && text.charCodeAt(start + 4) === 45;
  return isoDate && text.charCodeAt(start + 7) === 45;
}

/** Space . ( ) + - */
function isRunSeparator(code: number): boolean {
  return code === 32 || code === 46 || code === 40 || code === 41 || code === 43 || code === 45;
}

function addWindow(windows: DigitWindow[], text: string, run: DigitRun): void {
  const start = wordStart(text, Math.max(0, run.start - WINDOW_BEFORE));
  const end = wordEnd(text, Math.min(text.length, run.end + WINDOW_AFTER));
  const last = windows[windows.length - 1];
  if (last && start <= last.end) {
    last.end = end;
    last.runs.push(run);
  } else {
    windows.push({ start, end, runs: [run] });
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
