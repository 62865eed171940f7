// The page an alert's generatorURL opens: what fired, the numbers, and the series drawn with
// its expectation and threshold band (chart.ts), the alert's signal large and the other
// signals small below it. Each signal says where its values came from when it was derived
// (e.g. GC signals of a runtime that exports no GC pause metric), and the alert's signal names
// its source. Self-contained HTML (inline CSS and SVG), readable without a dashboard or any script.
import type { SignalSourceConfig } from '../../lib/config/sections/worker.ts';
import { GO_SIGNALS, type SeriesId } from '../../models/index.ts';
import { escapeXml, isoMinute, renderChart, type ChartPoint } from './chart.ts';
import type { SignalSources } from './samples.ts';
import type { StoredScore } from './scores.ts';
import { describeSource, formatValue, isGoSignal, signalCaption } from './signals.ts';

export interface AlertPageModel {
  alertname: string;
  id: SeriesId;
  signal: string;
  /** Data time of the step that fired. */
  atMs: number;
  scores: readonly StoredScore[];
  /** Where each signal's values came from at the alert time; unknown when absent. */
  sources?: SignalSources;
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
  const source = sourceOf(model.sources, model.signal);
  const title = `${model.alertname}: ${signalCaption(model.signal, source)} of ${model.id.service}`;
  const draw = (signal: string, width: number, height: number): string =>
    chart(signal, sourceOf(model.sources, signal), bySignal, model.atMs, { width, height });
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeXml(title)}</h1>`,
    `<div class="sub">instance ${escapeXml(model.id.instance)} · tenant ${escapeXml(model.id.tenant)} · alert at ${isoMinute(model.atMs)} UTC</div>`,
    facts(model, source, at),
    at?.method === 'online' ? onlineNote() : '',
    draw(model.signal, 960, 360),
    '<h2>Other signals</h2><div class="grid">',
    ...others.map((s) => draw(s, 476, 180)),
    '</div></body></html>',
  ].join('\n');
}

function sourceOf(
  sources: SignalSources | undefined,
  signal: string,
): SignalSourceConfig | undefined {
  return sources && isGoSignal(signal) ? sources[signal] : undefined;
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

function facts(
  model: AlertPageModel,
  source: SignalSourceConfig | undefined,
  at: StoredScore | undefined,
): string {
  const value = (v: number): string => formatValue(model.signal, v, source);
  const signal: Array<[string, string]> = [['Signal', signalCaption(model.signal, source)]];
  if (model.sources) {
    signal.push([
      'Source',
      source ? describeSource(source) : 'none of its metrics found around the alert time',
    ]);
  }
  const rows: Array<[string, string]> = at
    ? [
        ...signal,
        ['Observed', value(at.observed)],
        ['Expected', value(at.expected)],
        ['Threshold band', `${value(at.lower)} – ${value(at.upper)}`],
        ['Score', at.score.toFixed(3)],
        [
          'Scored by',
          at.method === 'lstm'
            ? `online detectors and LSTM model ${at.modelVersion}`
            : 'online detectors (no model yet)',
        ],
      ]
    : [...signal, ['Scores', 'none stored for this series around the alert time']];
  const body = rows
    .map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`)
    .join('');
  return `<table class="facts">${body}</table>`;
}

function onlineNote(): string {
  return (
    '<div class="note">Scored by the online detectors alone: the model does not forecast this ' +
    'series yet (it needs one window of data, and a model: the shipped base model or one from ' +
    '<code>telepipe train</code>). The expected value is the median of its recent normal values ' +
    'and the band where its spike statistic reaches its threshold.</div>'
  );
}

function chart(
  signal: string,
  source: SignalSourceConfig | undefined,
  bySignal: ReadonlyMap<string, StoredScore[]>,
  atMs: number,
  size: { width: number; height: number },
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
  return renderChart(points, {
    signal,
    title: signalCaption(signal, source),
    ...size,
    markerMs: atMs,
    ...(source ? { source } : {}),
  });
}
