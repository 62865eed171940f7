// The page an alert's generatorURL opens: what fired, the numbers, and the series drawn with
// its expectation and threshold band (chart.ts), the alert's signal large and the other
// signals small below it. Self-contained HTML (inline CSS and SVG), readable without a
// dashboard or any script.
import { GO_SIGNALS, type SeriesId } from '../../models/index.ts';
import { escapeXml, isoMinute, renderChart, type ChartPoint } from './chart.ts';
import type { StoredScore } from './scores.ts';
import { formatValue, signalTitle } from './signals.ts';

export interface AlertPageModel {
  alertname: string;
  id: SeriesId;
  signal: string;
  /** Data time of the step that fired. */
  atMs: number;
  scores: readonly StoredScore[];
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; margin: 24px; max-width: 1000px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 24px 0 8px; }
.sub { color: #59636e; margin-bottom: 16px; }
table.facts { border-collapse: collapse; margin-bottom: 12px; }
table.facts th { text-align: left; font-weight: 600; padding: 2px 16px 2px 0; color: #59636e; }
table.facts td { padding: 2px 0; font-variant-numeric: tabular-nums; }
.note { background: #fff8c5; border: 1px solid #d4a72c66; padding: 8px 12px; border-radius: 6px; margin: 12px 0; }
.grid { display: grid; grid-template-columns: repeat(2, 1fr); gap: 8px; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #59636e; } svg.chart text.title { font-size: 13px; font-weight: 600; fill: #1f2328; }
`;

/** The page of one signal of a series around `atMs`, under the page server's base URL. */
export function alertPageLink(baseUrl: string, id: SeriesId, signal: string, atMs: number): string {
  const { tenant, service, instance } = id;
  const params = new URLSearchParams({ tenant, service, instance, signal, at: String(atMs) });
  return `${baseUrl}/alert?${params.toString()}`;
}

export function renderAlertPage(model: AlertPageModel): string {
  const bySignal = groupBySignal(model.scores);
  const at = closestAt(bySignal.get(model.signal) ?? [], model.atMs);
  const others = GO_SIGNALS.filter((s) => s !== model.signal);
  const title = `${model.alertname}: ${signalTitle(model.signal)} of ${model.id.service}`;
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeXml(title)}</h1>`,
    `<div class="sub">instance ${escapeXml(model.id.instance)} · tenant ${escapeXml(model.id.tenant)} · alert at ${isoMinute(model.atMs)} UTC</div>`,
    facts(model, at),
    at?.method === 'cold-start' ? coldStartNote() : '',
    chart(model.signal, bySignal, model.atMs, 960, 360),
    '<h2>Other signals</h2><div class="grid">',
    ...others.map((s) => chart(s, bySignal, model.atMs, 476, 180)),
    '</div></body></html>',
  ].join('\n');
}

function groupBySignal(scores: readonly StoredScore[]): Map<string, StoredScore[]> {
  const out = new Map<string, StoredScore[]>();
  for (const s of scores) {
    const list = out.get(s.signal) ?? [];
    list.push(s);
    out.set(s.signal, list);
  }
  return out;
}

/** The stored score at the alert time, or the nearest one. */
function closestAt(scores: readonly StoredScore[], atMs: number): StoredScore | undefined {
  let best: StoredScore | undefined;
  for (const s of scores) {
    if (!best || Math.abs(s.timestampMs - atMs) < Math.abs(best.timestampMs - atMs)) best = s;
  }
  return best;
}

function facts(model: AlertPageModel, at: StoredScore | undefined): string {
  const rows: Array<[string, string]> = at
    ? [
        ['Signal', signalTitle(model.signal)],
        ['Observed', formatValue(model.signal, at.observed)],
        ['Expected', formatValue(model.signal, at.expected)],
        [
          'Threshold band',
          `${formatValue(model.signal, at.lower)} – ${formatValue(model.signal, at.upper)}`,
        ],
        ['Score', at.score.toFixed(3)],
        [
          'Scored by',
          at.method === 'lstm' ? `LSTM model ${at.modelVersion}` : 'cold-start (no model yet)',
        ],
      ]
    : [
        ['Signal', signalTitle(model.signal)],
        ['Scores', 'none stored for this series around the alert time'],
      ];
  const body = rows
    .map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`)
    .join('');
  return `<table class="facts">${body}</table>`;
}

function coldStartNote(): string {
  return (
    '<div class="note">Cold-start: no trained model covers this series yet. The expected value is the ' +
    'median of its recent history and the band a fixed robust z-score around it; an LSTM model ' +
    'takes over once one is trained (<code>telepipe train</code>).</div>'
  );
}

function chart(
  signal: string,
  bySignal: ReadonlyMap<string, StoredScore[]>,
  atMs: number,
  width: number,
  height: number,
): string {
  const points: ChartPoint[] = (bySignal.get(signal) ?? []).map((s) => ({
    timestampMs: s.timestampMs,
    observed: s.observed,
    expected: s.expected,
    lower: s.lower,
    upper: s.upper,
    // A step is marked on the signal that drove it.
    anomalous: s.anomalous && s.drivingSignal === signal,
  }));
  return renderChart(points, { signal, title: signalTitle(signal), width, height, markerMs: atMs });
}
