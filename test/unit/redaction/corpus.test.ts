// Detection quality on the labeled corpus: recall and precision per type and overall.
// IP detection is switched on here (it is off by default) so that it is measured too.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DetectorName } from '../../../lib/config/sections/redaction.ts';
import { redactionSchema } from '../../../lib/config/sections/redaction.ts';
import { Redactor } from '../../../lib/redaction/redactor.ts';
import type { Match } from '../../../lib/redaction/types.ts';
import {
  CORPUS_PATH,
  FIRST_PART_CASES,
  generateCorpus,
  toJsonl,
  type CorpusCase,
  type CorpusLabel,
} from './corpus-generator.ts';
import { keyringWith } from './helpers.ts';

interface Score {
  labels: number;
  found: number;
  detections: number;
  correct: number;
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) =>
  a.start < b.end && b.start < a.end;

/** A label is found when a detection of its type overlaps it; other detections are false. */
function score(cases: CorpusCase[], detect: (text: string) => readonly Match[]) {
  const byType = new Map<DetectorName, Score>();
  const scoreOf = (type: DetectorName): Score => {
    let s = byType.get(type);
    if (!s) byType.set(type, (s = { labels: 0, found: 0, detections: 0, correct: 0 }));
    return s;
  };
  const misses: string[] = [];
  for (const c of cases) {
    const detections = detect(c.text);
    const sameType = (l: CorpusLabel, d: Match) => d.type === l.type && overlaps(l, d);
    for (const label of c.labels) {
      const s = scoreOf(label.type);
      s.labels++;
      if (detections.some((d) => sameType(label, d))) s.found++;
      else misses.push(`#${c.id} missed ${label.type}: ${c.text.slice(label.start, label.end)}`);
    }
    for (const d of detections) {
      const s = scoreOf(d.type);
      s.detections++;
      if (c.labels.some((l) => sameType(l, d))) s.correct++;
      else misses.push(`#${c.id} false ${d.type}: ${c.text.slice(d.start, d.end)}`);
    }
  }
  return { byType, misses };
}

const ratio = (n: number, d: number) => (d === 0 ? 1 : n / d);

interface KindScore {
  cases: number;
  labels: number;
  /** Labels a detection of their type overlaps. */
  caught: number;
  /** Labels detections of their type cover entirely. */
  whole: number;
  /** Cases without labels that redaction leaves as they are. */
  identical: number;
}

/** Positives by their labels, negatives by whether `redactText` leaves them byte for byte. */
function addKindScore(
  byKind: Map<string, KindScore>,
  kind: string,
  c: CorpusCase,
  redactor: Redactor,
) {
  let s = byKind.get(kind);
  if (!s) byKind.set(kind, (s = { cases: 0, labels: 0, caught: 0, whole: 0, identical: 0 }));
  s.cases++;
  if (c.labels.length === 0) {
    if (redactor.redactText(c.text).text === c.text) s.identical++;
    return;
  }
  const detections = redactor.detect(c.text);
  for (const label of c.labels) {
    const same = detections.filter((d) => d.type === label.type && overlaps(label, d));
    s.labels++;
    if (same.length > 0) s.caught++;
    if (same.some((d) => d.start <= label.start && d.end >= label.end)) s.whole++;
  }
}

function kindRow(kind: string, s: KindScore): string {
  const share = (n: number, d: number) => (d === 0 ? '' : ratio(n, d).toFixed(4));
  return `| ${kind} | ${s.cases} | ${share(s.caught, s.labels)} | ${share(s.whole, s.labels)} | ${s.labels === 0 ? share(s.identical, s.cases) : ''} |`;
}

function table(byType: Map<DetectorName, Score>): { rows: string[]; total: Score } {
  const total: Score = { labels: 0, found: 0, detections: 0, correct: 0 };
  const rows = [...byType.entries()].map(([type, s]) => {
    total.labels += s.labels;
    total.found += s.found;
    total.detections += s.detections;
    total.correct += s.correct;
    return row(type, s);
  });
  return { rows: [...rows, row('overall', total)], total };
}

function row(name: string, s: Score): string {
  const recall = ratio(s.found, s.labels).toFixed(4);
  const precision = ratio(s.correct, s.detections).toFixed(4);
  return `| ${name.padEnd(14)} | ${String(s.labels).padStart(6)} | ${recall} | ${precision} |`;
}

describe('PII corpus', () => {
  const text = readFileSync(CORPUS_PATH, 'utf8');
  const cases = text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as CorpusCase);

  it('is the generator output, with at least 2000 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(2000);
    expect(toJsonl(generateCorpus())).toBe(text);
  });

  it('is detected with recall >= 0.99 and precision >= 0.98 overall, >= 0.95 per type', () => {
    const config = redactionSchema.parse({
      detectors: { ipv4: { enabled: true }, ipv6: { enabled: true } },
    });
    const redactor = new Redactor(config);
    const { byType, misses } = score(cases, (t) => redactor.detect(t));
    const { rows, total } = table(byType);
    console.log(
      [
        `PII corpus: ${cases.length} cases`,
        '| type           | labels | recall | precision |',
        '|----------------|--------|--------|-----------|',
        ...rows,
        ...misses.slice(0, 40),
      ].join('\n'),
    );
    expect(ratio(total.found, total.labels)).toBeGreaterThanOrEqual(0.99);
    expect(ratio(total.correct, total.detections)).toBeGreaterThanOrEqual(0.98);
    for (const [type, s] of byType) {
      expect({ type, recall: ratio(s.found, s.labels) >= 0.95 }).toEqual({ type, recall: true });
      expect({ type, precision: ratio(s.correct, s.detections) >= 0.95 }).toEqual({
        type,
        precision: true,
      });
    }
  });

  it('scores its first part (the original types and look-alikes) as before: every label, nothing else', () => {
    const redactor = new Redactor(redactionSchema.parse({}));
    const firstPart = cases.filter((c) => c.id <= FIRST_PART_CASES);
    const { byType } = score(firstPart, (t) => redactor.detect(t));
    const { total } = table(byType);
    expect(firstPart).toHaveLength(FIRST_PART_CASES);
    expect({
      recall: ratio(total.found, total.labels),
      precision: ratio(total.correct, total.detections),
    }).toEqual({ recall: 1, precision: 1 });
  });

  it('catches each later kind at >= 0.99 and leaves look-alikes byte for byte at >= 0.995', () => {
    const redactor = new Redactor(redactionSchema.parse({}), keyringWith(['k1']));
    const byKind = new Map<string, KindScore>();
    for (const c of cases) {
      const kind = c.kind ?? (c.labels.length > 0 ? undefined : 'first-part negatives');
      if (kind !== undefined) addKindScore(byKind, kind, c, redactor);
    }
    console.log(
      [
        '| kind | cases | caught | whole value | byte-identical |',
        '|---|---:|---:|---:|---:|',
        ...[...byKind].map(([kind, s]) => kindRow(kind, s)),
      ].join('\n'),
    );
    const negatives = [...byKind.values()].filter((s) => s.labels === 0);
    const identical = negatives.reduce((n, s) => n + s.identical, 0);
    const total = negatives.reduce((n, s) => n + s.cases, 0);
    expect(identical / total).toBeGreaterThanOrEqual(0.995);
    for (const [kind, s] of byKind) {
      if (s.labels > 0)
        expect({ kind, caught: s.caught / s.labels >= 0.99 }).toEqual({ kind, caught: true });
    }
  });
});
