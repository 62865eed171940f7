// What each Go runtime signal is called and measured in, and where its values came from, for
// alert texts and the alert page. A derived source (one standing in for a signal the series
// does not export, e.g. the allocation rate for GC pauses) has its own unit and says so.
import type { SignalSourceConfig, SignalUnit } from '../../lib/config/sections/worker.ts';
import { GO_SIGNALS, type GoSignal } from '../../models/index.ts';
import { sourceMetricNames } from './samples.ts';

export const SIGNAL_INFO: Record<GoSignal, { title: string; unit: SignalUnit }> = {
  goroutines: { title: 'Goroutines', unit: 'count' },
  gc_pause_p99: { title: 'GC pause p99', unit: 'seconds' },
  gc_pause_total: { title: 'GC pause total per step', unit: 'seconds' },
  heap_inuse: { title: 'Heap in use', unit: 'bytes' },
  latency_p99: { title: 'Request latency p99', unit: 'seconds' },
  request_rate: { title: 'Request rate', unit: 'perSecond' },
};

export function isGoSignal(name: string): name is GoSignal {
  return (GO_SIGNALS as readonly string[]).includes(name);
}

function signalTitle(signal: string): string {
  return isGoSignal(signal) ? SIGNAL_INFO[signal].title : signal;
}

/** The signal's title, plus what it stands for when its source is derived. */
export function signalCaption(signal: string, source?: SignalSourceConfig): string {
  const title = signalTitle(signal);
  return source?.derived ? `${title} (derived: ${source.derived})` : title;
}

/**
 * Where a signal's values came from: the metric (with its attribute filter), or for a derived
 * source what it measures, from which metrics, and which metrics the series does not export.
 */
export function describeSource(source: SignalSourceConfig): string {
  if (!source.derived) {
    const filter = source.read === 'gcCycles' ? {} : source.attributes;
    const attributes = Object.entries(filter).map(([k, v]) => `${k}=${v}`);
    return attributes.length > 0 ? `${source.metric}{${attributes.join(', ')}}` : source.metric;
  }
  const from = `derived: ${source.derived} (${sourceMetricNames(source).join(', ')})`;
  return source.onlyWithout
    ? `${from}; the series exports none of ${source.onlyWithout.join(', ')}`
    : from;
}

/**
 * A value in the unit of its signal, or of the derived source it came from, short and readable:
 * 1.2 ms, 340 MiB, 12.5/s, 104 MiB/s.
 */
export function formatValue(signal: string, value: number, source?: SignalSourceConfig): string {
  if (!Number.isFinite(value)) return 'n/a';
  const unit = source?.unit ?? (isGoSignal(signal) ? SIGNAL_INFO[signal].unit : 'count');
  switch (unit) {
    case 'count':
      return compact(value);
    case 'perSecond':
      return `${compact(value)}/s`;
    case 'seconds':
      return seconds(value);
    case 'bytes':
      return bytes(value);
    case 'bytesPerSecond':
      return `${bytes(value)}/s`;
  }
}

function compact(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${round(v / 1e6)}M`;
  if (abs >= 1e4) return `${round(v / 1e3)}k`;
  return round(v);
}

function seconds(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1) return `${round(v)} s`;
  if (abs >= 1e-3) return `${round(v * 1e3)} ms`;
  return `${round(v * 1e6)} µs`;
}

function bytes(v: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let x = v;
  let i = 0;
  while (Math.abs(x) >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${round(x)} ${units[i]}`;
}

/** Three significant digits, no trailing zeros. */
function round(v: number): string {
  return String(Number(v.toPrecision(3)));
}
