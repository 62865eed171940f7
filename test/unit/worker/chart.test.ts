// The alert picture: series, forecast, threshold band, anomaly markers, gaps as breaks; the
// page around it names where each signal came from when it was derived.
import { describe, expect, it } from 'vitest';
import { workerSchema } from '../../../lib/config/sections/worker.ts';
import { niceTicks, renderChart, type ChartPoint } from '../../../services/anomaly-worker/chart.ts';
import { renderAlertPage } from '../../../services/anomaly-worker/page.ts';
import type { StoredScore } from '../../../services/anomaly-worker/scores.ts';

const T0 = Date.UTC(2026, 0, 1, 12);
const STEP = 15_000;

function points(n: number, anomalousFrom = Number.POSITIVE_INFINITY): ChartPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    timestampMs: T0 + i * STEP,
    observed: i >= anomalousFrom ? 100 + 50 * (i - anomalousFrom + 1) : 100 + (i % 3),
    expected: 101,
    lower: 90,
    upper: 112,
    anomalous: i >= anomalousFrom,
  }));
}

const attr = (svg: string, cls: string, name: string): string[] =>
  [...svg.matchAll(new RegExp(`class="${cls}"[^>]*?\\s${name}="([^"]*)"`, 'g'))].map((m) => m[1]!);

describe('renderChart', () => {
  it('draws the series, the forecast, the threshold band and one marker per anomalous step', () => {
    const svg = renderChart(points(40, 30), {
      signal: 'goroutines',
      title: 'Goroutines',
      width: 800,
      height: 300,
      markerMs: T0 + 32 * STEP,
    });
    expect(attr(svg, 'series', 'd')).toHaveLength(1);
    expect(attr(svg, 'forecast', 'd')).toHaveLength(1);
    expect(attr(svg, 'threshold', 'd')[0]).toMatch(/^M.*Z$/);
    expect(attr(svg, 'anomaly', 'cx')).toHaveLength(10);
    expect(svg).toContain('class="alert-time"');
    // The markers sit on the observed line: above the band, at the top of the plot.
    const cy = attr(svg, 'anomaly', 'cy').map(Number);
    expect(Math.min(...cy)).toBeLessThan(60);
  });

  it('breaks the lines at gaps instead of drawing across them', () => {
    const data = points(20);
    data[5]!.observed = Number.NaN;
    const withoutStep = data.filter((_, i) => i !== 12);
    const svg = renderChart(withoutStep, {
      signal: 'goroutines',
      title: 'g',
      width: 600,
      height: 200,
    });
    const d = attr(svg, 'series', 'd')[0]!;
    expect(d.match(/M/g)).toHaveLength(3);
  });

  it('labels the axes in the signal unit and escapes text', () => {
    const heap = points(10).map((p) => ({
      ...p,
      observed: p.observed * 1024 * 1024,
      expected: Number.NaN,
      lower: Number.NaN,
      upper: Number.NaN,
    }));
    const svg = renderChart(heap, {
      signal: 'heap_inuse',
      title: 'Heap <in use> & more',
      width: 600,
      height: 200,
    });
    expect(svg).toMatch(/MiB<\/text>/);
    expect(svg).toContain('Heap &lt;in use&gt; &amp; more');
    expect(svg).not.toContain('class="threshold"');
  });

  it('says so when there is nothing to draw', () => {
    expect(
      renderChart([], { signal: 'goroutines', title: 'g', width: 300, height: 100 }),
    ).toContain('no data in this window');
  });

  it('picks round tick values', () => {
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.0013, 0.0091, 4)).toEqual([0.002, 0.004, 0.006, 0.008]);
  });
});

describe('renderAlertPage', () => {
  const stored = (signal: string, online: boolean): StoredScore[] =>
    points(30, 20).map((p) => ({
      timestampMs: p.timestampMs,
      instance: 'pod-1',
      signal,
      observed: p.observed,
      expected: p.expected,
      lower: p.lower,
      upper: p.upper,
      score: p.anomalous ? 0.9 : 0.1,
      anomalous: p.anomalous,
      drivingSignal: 'goroutines',
      modelVersion: online ? '' : 'v20260101T000000Z',
      method: online ? 'online' : 'lstm',
    }));

  it('shows the facts, the alert signal large, every other signal small, and explains online scoring', () => {
    const html = renderAlertPage({
      alertname: 'GoRuntimeAnomaly',
      id: { tenant: 'acme', service: 'checkout', instance: 'pod-1' },
      signal: 'goroutines',
      atMs: T0 + 22 * STEP,
      scores: [...stored('goroutines', true), ...stored('heap_inuse', true)],
    });
    expect(html).toContain('<h1>GoRuntimeAnomaly: Goroutines of checkout</h1>');
    expect(html).toContain('online detectors (no model yet)');
    expect(html).toMatch(/class="note">Scored by the online detectors alone/);
    expect(html.match(/<svg /g)).toHaveLength(6);
    // Anomaly markers on the driving signal's chart only.
    const charts = html.split('<svg ').slice(1);
    expect(charts[0]).toContain('data-signal="goroutines"');
    expect(charts[0]!.match(/class="anomaly"/g)).toHaveLength(10);
    expect(charts.slice(1).join('')).not.toContain('class="anomaly"');
  });

  it('names the model for LSTM scores and has no online-only note', () => {
    const html = renderAlertPage({
      alertname: 'GoRuntimeAnomaly',
      id: { tenant: 'acme', service: 'checkout', instance: 'pod-1' },
      signal: 'goroutines',
      atMs: T0 + 22 * STEP,
      scores: stored('goroutines', false),
    });
    expect(html).toContain('online detectors and LSTM model v20260101T000000Z');
    expect(html).not.toContain('class="note"');
  });

  it('names where the signals came from, derived ones in their own unit', () => {
    const signals = workerSchema.parse({}).signals;
    const gcStored = stored('gc_pause_total', false).map((p) => ({
      ...p,
      observed: p.observed / 10,
      expected: 4,
      drivingSignal: 'gc_pause_total',
    }));
    const page = (sources: Parameters<typeof renderAlertPage>[0]['sources']) =>
      renderAlertPage({
        alertname: 'GoRuntimeAnomaly',
        id: { tenant: 'acme', service: 'checkout', instance: 'pod-1' },
        signal: 'gc_pause_total',
        atMs: T0 + 22 * STEP,
        scores: [...gcStored, ...stored('gc_pause_p99', false), ...stored('goroutines', false)],
        ...(sources ? { sources } : {}),
      });
    const html = page({
      gc_pause_total: signals.gc_pause_total.at(-1)!,
      gc_pause_p99: signals.gc_pause_p99.at(-1)!,
      goroutines: signals.goroutines[0]!,
    });
    expect(html).toContain(
      '<h1>GoRuntimeAnomaly: GC pause total per step (derived: estimated GC cycles per step) of checkout</h1>',
    );
    expect(html).toContain(
      '<tr><th>Source</th><td>derived: estimated GC cycles per step (go.memory.allocated, ' +
        'go.memory.gc.goal, go.config.gogc); the series exports none of go.memory.gc.pause.duration, ' +
        'process.runtime.go.gc.pause_ns, process.runtime.go.gc.pause_total_ns, go_gc_duration_seconds</td></tr>',
    );
    // Cycles are a count, not seconds; the allocation rate is bytes per second.
    expect(html).toContain('<tr><th>Expected</th><td>4</td></tr>');
    const charts = html.split('<svg ').slice(1);
    const p99 = charts.find((c) => c.includes('data-signal="gc_pause_p99"'))!;
    expect(p99).toContain('GC pause p99 (derived: heap allocation rate)</text>');
    expect(p99).toMatch(/>\d+(\.\d+)? B\/s</);
    const goroutines = charts.find((c) => c.includes('data-signal="goroutines"'))!;
    expect(goroutines).toContain('>Goroutines</text>');
    // Sources known, but none for the alert's signal; sources unknown: no Source row at all.
    expect(page({})).toContain(
      '<tr><th>Source</th><td>none of its metrics found around the alert time</td></tr>',
    );
    expect(page(undefined)).not.toContain('<th>Source</th>');
  });
});
