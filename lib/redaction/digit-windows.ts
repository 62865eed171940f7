// Where number detectors look: runs of 7+ digits, found once for all of them; each detector
// says from a run's digits and neighbours whether it could start there, and searches only
// the windows around the runs it wants.
// (IPv4 addresses are found here too: a dotted quad is 7+ characters of digits and dots.)
import { eachMatch, isAlnum } from './detectors/scan-utils.ts';

const MIN_RUN_DIGITS = 7;
const DOT = 46;
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
  /** Dots between its digits: three or more make it a possible IPv4 address. */
  dots: number;
}

export interface DigitWindow {
  start: number;
  end: number;
  /** Indexes (in the list given to `windowsAround`) of the runs the window holds. */
  runs: number[];
}

/**
 * Stretches of digits and separators long enough to hold a run: found natively, then read;
 * also six digits before an `A`, the check character of some HKIDs (`A123456(A)`).
 * Not after a lower-case letter: digits inside hex ids and words (`0xc000228466`, trace
 * ids) are never a whole number, while IBANs and ids after capitals (`DE89…`, `A123456(3)`)
 * need their window.
 */
const RUN_CANDIDATE = /(?<![\da-z])\d(?:[\d .()+-]{5,}\d|\d{5}(?=\(?A))/g;

/** The runs a number detector may want to look around, in order. */
export function digitRuns(text: string): DigitRun[] {
  const runs: DigitRun[] = [];
  eachMatch(RUN_CANDIDATE, text, (m) => {
    addRuns(runs, text, m.index, m.index + m[0].length);
  });
  return runs;
}

/** Merged windows around `runs` (in order), widened to whole words. */
export function windowsAround(text: string, runs: readonly DigitRun[]): DigitWindow[] {
  const windows: DigitWindow[] = [];
  runs.forEach((run, i) => addWindow(windows, text, run, i));
  return windows;
}

/**
 * Splits text[from, to) into runs (digits with at most two separators between them,
 * "(415) 555-2671") and adds those a number detector may want.
 */
function addRuns(runs: DigitRun[], text: string, from: number, to: number): void {
  let runStart = -1;
  let runEnd = 0;
  let digits = 0;
  let dots = 0;
  let separators = 0;
  for (let i = from; i <= to; i++) {
    const code = i < to ? text.charCodeAt(i) : -1;
    if (code >= 48 && code <= 57) {
      if (runStart < 0) {
        runStart = i;
        digits = 0;
        dots = 0;
      }
      digits++;
      separators = 0;
      runEnd = i + 1;
    } else if (runStart >= 0 && separators < MAX_SEPARATORS && isRunSeparator(code)) {
      separators++;
      if (code === DOT) dots++;
    } else if (runStart >= 0) {
      const run = { start: runStart, end: runEnd, digits, dots };
      if (opensWindow(text, run)) runs.push(run);
      runStart = -1;
      separators = 0;
    }
  }
}

/**
 * Runs of 7+ digits that are not a date or a decimal; six digits right after a capital
 * (ids like HKIDs whose check character may be a letter, `A123456(A)`); dotted quads.
 */
function opensWindow(text: string, { start, end, digits, dots }: DigitRun): boolean {
  if (dots >= 3) return true;
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

function addWindow(windows: DigitWindow[], text: string, run: DigitRun, index: number): void {
  const start = wordStart(text, Math.max(0, run.start - WINDOW_BEFORE));
  const end = wordEnd(text, Math.min(text.length, run.end + WINDOW_AFTER));
  const last = windows[windows.length - 1];
  if (last && start <= last.end) {
    last.end = end;
    last.runs.push(index);
  } else {
    windows.push({ start, end, runs: [index] });
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
