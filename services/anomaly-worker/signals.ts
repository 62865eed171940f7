// What each Go runtime signal is called and measured in, for alert texts and the alert page.
import { GO_SIGNALS, type GoSignal } from '../../models/index.ts';

type Unit = 'count' | 'seconds' | 'bytes' | 'perSecond';

export const SIGNAL_INFO: Record<GoSignal, { title: string; unit: Unit }> = {
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

export function signalTitle(signal: string): string {
  return isGoSignal(signal) ? SIGNAL_INFO[signal].title : signal;
}

/** A value in the signal's unit, short and readable: 1.2 ms, 340 MiB, 12.5/s. */
export function formatValue(signal: string, value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const unit = isGoSignal(signal) ? SIGNAL_INFO[signal].unit : 'count';
  switch (unit) {
    case 'count':
      return compact(value);
    case 'perSecond':
      return `${compact(value)}/s`;
    case 'seconds':
      return seconds(value);
    case 'bytes':
      return bytes(value);
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
