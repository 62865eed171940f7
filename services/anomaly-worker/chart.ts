// One signal as an inline SVG line chart: the observed series, the expected value (forecast or
// baseline), the threshold band around it, anomalous steps as red markers and the
// alert time as a vertical line. Plain SVG, no script: it renders anywhere, including in a
// mail client or a screenshot.
import type { SignalSourceConfig } from '../../lib/config/sections/worker.ts';
import { formatValue } from './signals.ts';

export interface ChartPoint {
  timestampMs: number;
  observed: number;
  expected: number;
  lower: number;
  upper: number;
  anomalous: boolean;
}

export interface ChartOptions {
  signal: string;
  title: string;
  width: number;
  height: number;
  /** Data time of the alert, drawn as a vertical line. */
  markerMs?: number;
  /** Where the values came from: a derived source has its own unit. */
  source?: SignalSourceConfig;
}

const MARGIN = { left: 72, right: 16, top: 30, bottom: 30 };
const LEGEND_MIN_WIDTH = 640;

interface Scale {
  x(t: number): number;
  y(v: number): number;
}

export function renderChart(points: readonly ChartPoint[], options: ChartOptions): string {
  const { width, height } = options;
  const body =
    points.length === 0
      ? `<text class="empty" x="${width / 2}" y="${height / 2}" text-anchor="middle">no data in this window</text>`
      : plot(points, options);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-signal="${escapeXml(options.signal)}"`,
    ` width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img"`,
    ` aria-label="${escapeXml(options.title)}">`,
    `<text class="title" x="${MARGIN.left}" y="18">${escapeXml(options.title)}</text>`,
    body,
    '</svg>',
  ].join('');
}

function plot(points: readonly ChartPoint[], options: ChartOptions): string {
  const { width, height, signal } = options;
  const times = points.map((p) => p.timestampMs);
  const [t0, t1] = padRange(Math.min(...times), Math.max(...times), 0);
  const values = points.flatMap((p) => [p.observed, p.lower, p.upper]).filter(Number.isFinite);
  const [v0, v1] = padRange(Math.min(...values), Math.max(...values), 0.08);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const scale: Scale = {
    x: (t) => MARGIN.left + ((t - t0) / (t1 - t0)) * plotWidth,
    y: (v) => MARGIN.top + (1 - (v - v0) / (v1 - v0)) * plotHeight,
  };
  const step = typicalStep(times);
  return [
    `<rect class="plot" x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="#fafbfc" stroke="#d0d7de"/>`,
    yAxis(v0, v1, scale, (v) => formatValue(signal, v, options.source), width),
    xAxis(t0, t1, scale, height),
    band(points, scale, step),
    line(
      'forecast',
      points,
      (p) => p.expected,
      scale,
      step,
      'stroke="#0969da" stroke-width="1.5" stroke-dasharray="6 4"',
    ),
    line('series', points, (p) => p.observed, scale, step, 'stroke="#1f2328" stroke-width="1.8"'),
    anomalies(points, scale, (v) => formatValue(signal, v, options.source)),
    marker(options.markerMs, t0, t1, scale, height),
    // Small charts sit under a large one that has the legend.
    width >= LEGEND_MIN_WIDTH ? legend(width) : '',
  ].join('');
}

/** [min, max] widened by `pad` of the span; a flat or empty range gets a span of its own. */
function padRange(min: number, max: number, pad: number): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max - min <= 0) {
    const half = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    return [min - half, max + half];
  }
  const margin = (max - min) * pad;
  return [min - margin, max + margin];
}

function typicalStep(times: readonly number[]): number {
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < times.length; i++) {
    const d = times[i]! - times[i - 1]!;
    if (d > 0 && d < step) step = d;
  }
  return Number.isFinite(step) ? step : 1;
}

/** Runs of consecutive points where `value` is finite; a missing step breaks the run. */
function runs(
  points: readonly ChartPoint[],
  ok: (p: ChartPoint) => boolean,
  step: number,
): ChartPoint[][] {
  const out: ChartPoint[][] = [];
  let current: ChartPoint[] = [];
  let previous: ChartPoint | undefined;
  for (const p of points) {
    const adjacent = previous !== undefined && p.timestampMs - previous.timestampMs <= step * 1.5;
    if (!ok(p) || !adjacent) {
      if (current.length > 0) out.push(current);
      current = [];
    }
    if (ok(p)) current.push(p);
    previous = p;
  }
  if (current.length > 0) out.push(current);
  return out;
}

const xy = (scale: Scale, t: number, v: number): string =>
  `${scale.x(t).toFixed(1)},${scale.y(v).toFixed(1)}`;

function line(
  name: string,
  points: readonly ChartPoint[],
  value: (p: ChartPoint) => number,
  scale: Scale,
  step: number,
  style: string,
): string {
  const d = runs(points, (p) => Number.isFinite(value(p)), step)
    .map((run) => `M${run.map((p) => xy(scale, p.timestampMs, value(p))).join('L')}`)
    .join('');
  return d ? `<path class="${name}" d="${d}" fill="none" ${style}/>` : '';
}

function band(points: readonly ChartPoint[], scale: Scale, step: number): string {
  const ok = (p: ChartPoint): boolean => Number.isFinite(p.lower) && Number.isFinite(p.upper);
  const d = runs(points, ok, step)
    .map((run) => {
      const upper = run.map((p) => xy(scale, p.timestampMs, p.upper));
      const lower = [...run].reverse().map((p) => xy(scale, p.timestampMs, p.lower));
      return `M${[...upper, ...lower].join('L')}Z`;
    })
    .join('');
  return d
    ? `<path class="threshold" d="${d}" fill="#0969da" fill-opacity="0.13" stroke="none"/>`
    : '';
}

function anomalies(
  points: readonly ChartPoint[],
  scale: Scale,
  format: (v: number) => string,
): string {
  return points
    .filter((p) => p.anomalous && Number.isFinite(p.observed))
    .map(
      (p) =>
        `<circle class="anomaly" cx="${scale.x(p.timestampMs).toFixed(1)}" cy="${scale.y(p.observed).toFixed(1)}" r="4" fill="#cf222e">` +
        `<title>${escapeXml(`${isoMinute(p.timestampMs)}: ${format(p.observed)} (expected ${format(p.expected)})`)}</title></circle>`,
    )
    .join('');
}

function marker(
  markerMs: number | undefined,
  t0: number,
  t1: number,
  scale: Scale,
  height: number,
): string {
  if (markerMs === undefined || markerMs < t0 || markerMs > t1) return '';
  const x = scale.x(markerMs).toFixed(1);
  return (
    `<line class="alert-time" x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${height - MARGIN.bottom}" stroke="#cf222e" stroke-dasharray="2 3"/>` +
    `<text class="tick" x="${x}" y="${MARGIN.top - 4}" text-anchor="middle" fill="#cf222e">alert</text>`
  );
}

function yAxis(
  v0: number,
  v1: number,
  scale: Scale,
  format: (v: number) => string,
  width: number,
): string {
  return niceTicks(v0, v1, 5)
    .map((v) => {
      const y = scale.y(v).toFixed(1);
      return (
        `<line class="grid" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${y}" y2="${y}" stroke="#eaeef2"/>` +
        `<text class="tick" x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(format(v))}</text>`
      );
    })
    .join('');
}

function xAxis(t0: number, t1: number, scale: Scale, height: number): string {
  const minute = 60_000;
  const every = niceTicks(t0 / minute, t1 / minute, 6).map((m) => m * minute);
  return every
    .map(
      (t) =>
        `<text class="tick" x="${scale.x(t).toFixed(1)}" y="${height - MARGIN.bottom + 16}" text-anchor="middle">${isoMinute(t).slice(11)}</text>`,
    )
    .join('');
}

function legend(width: number): string {
  const x = width - MARGIN.right - 330;
  const y = 18;
  return (
    `<g class="legend" font-size="11">` +
    `<line x1="${x}" x2="${x + 18}" y1="${y - 4}" y2="${y - 4}" stroke="#1f2328" stroke-width="1.8"/><text x="${x + 22}" y="${y}">observed</text>` +
    `<line x1="${x + 82}" x2="${x + 100}" y1="${y - 4}" y2="${y - 4}" stroke="#0969da" stroke-dasharray="6 4"/><text x="${x + 104}" y="${y}">expected</text>` +
    `<rect x="${x + 164}" y="${y - 9}" width="14" height="9" fill="#0969da" fill-opacity="0.13"/><text x="${x + 182}" y="${y}">threshold</text>` +
    `<circle cx="${x + 252}" cy="${y - 4}" r="4" fill="#cf222e"/><text x="${x + 260}" y="${y}">anomalous</text>` +
    `</g>`
  );
}

/** About `count` round values (1, 2 or 5 × 10^k apart) covering [min, max]. */
export function niceTicks(min: number, max: number, count: number): number[] {
  const span = max - min;
  if (!(span > 0)) return [min];
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? magnitude * 10;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`,
  );
}
