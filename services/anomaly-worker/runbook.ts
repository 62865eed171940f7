// What an on-call engineer gets with every alert besides the numbers: a runbook hint for the
// alert's signal (the `runbook` annotation, plus `runbook_url` when one is configured) and the
// signals that moved with it at that step (`correlated`), from the same step's observed and
// expected values of the series, e.g. "goroutines ×4.0 while latency_p99 ×3.1, heap_inuse flat".
import { GO_SIGNALS, type GoSignal } from '../../models/index.ts';
import { isGoSignal } from './signals.ts';

const GC_HINT =
  'Check GOGC and GOMEMLIMIT against the container memory limit (a GOMEMLIMIT close to the limit ' +
  'makes the GC run almost continuously), look at the allocation rate ' +
  '(/debug/pprof/allocs, go.memory.allocated), and take a heap profile (/debug/pprof/heap) to ' +
  'see what allocates; compare with the previous deploy.';

const LATENCY_HINT =
  'Find which routes are slow or busy (per-route latency and request rate), check downstream ' +
  'latency (databases, other services), CPU throttling of the container ' +
  '(container_cpu_cfs_throttled_periods_total) and readiness-probe timeouts (pods taken out of ' +
  'the load balancer shift traffic onto the others).';

/** Runbook hints per signal, for the `runbook` annotation. */
export const RUNBOOK_HINTS: Record<GoSignal, string> = {
  goroutines:
    'Take a goroutine profile (curl <pod>:<port>/debug/pprof/goroutine?debug=2) and compare the ' +
    'dominant stacks with the previous deploy; look for goroutines blocked on channel sends or ' +
    'receives, and for missing context cancellation (requests or workers that never return).',
  gc_pause_p99: GC_HINT,
  gc_pause_total: GC_HINT,
  heap_inuse:
    'Take a heap profile (/debug/pprof/heap) and compare it with the previous deploy; check the ' +
    'container memory limit against GOMEMLIMIT, and recent OOMKilled restarts of the pod ' +
    '(kubectl describe pod, lastState.terminated.reason).',
  latency_p99: LATENCY_HINT,
  request_rate: LATENCY_HINT,
};

/** The runbook hint for a signal; a generic one for a signal the worker has no hint for. */
export function runbookHint(signal: string): string {
  if (isGoSignal(signal)) return RUNBOOK_HINTS[signal];
  return 'Compare the signal with the previous deploy and the other signals of the instance.';
}

/** The signal's configured runbook URL, if any. */
export function runbookUrl(
  urls: Partial<Record<string, string>>,
  signal: string,
): string | undefined {
  const url = urls[signal];
  return url ? url : undefined;
}

/** observed / expected: ×4.0, ×0.25; undefined when it has no meaning (missing, expected ≤ 0). */
function ratio(observed: number, expected: number): number | undefined {
  if (!Number.isFinite(observed) || !Number.isFinite(expected)) return undefined;
  if (expected > 0 && observed >= 0) return observed / expected;
  if (expected === 0 && observed === 0) return 1;
  return undefined;
}

function formatRatio(r: number): string {
  return `×${r >= 1 ? r.toFixed(1) : String(Number(r.toPrecision(2)))}`;
}

/**
 * Which signals moved together at this step: `lead` (the alert's signal) first with its ratio of
 * observed to expected, then every other signal whose ratio is at least `factor` or at most
 * 1 / `factor` (largest move first), then the rest named flat. Signals not observed at this step,
 * or without a meaningful ratio (expected 0 or negative), are left out.
 */
export function coMovement(
  lead: string,
  observed: Record<string, number>,
  expected: Record<string, number>,
  factor: number,
): string {
  const order = [...GO_SIGNALS, ...Object.keys(observed).filter((s) => !isGoSignal(s))];
  const ratios = order
    .filter((signal) => signal in observed)
    .map((signal) => ({
      signal,
      ratio: ratio(observed[signal] ?? Number.NaN, expected[signal] ?? Number.NaN),
    }))
    .filter((r): r is { signal: string; ratio: number } => r.ratio !== undefined);
  const moved = (r: number) => r >= factor || r <= 1 / factor;
  const size = (r: number) => Math.abs(Math.log(r));
  const leading = ratios.find((r) => r.signal === lead);
  const others = ratios.filter((r) => r.signal !== lead);
  const movers = others.filter((r) => moved(r.ratio)).sort((a, b) => size(b.ratio) - size(a.ratio));
  const flat = others.filter((r) => !moved(r.ratio)).map((r) => r.signal);
  const parts = movers.map((r) => `${r.signal} ${formatRatio(r.ratio)}`);
  if (flat.length > 0) parts.push(`${flat.join(', ')} flat`);
  const head = leading ? `${lead} ${formatRatio(leading.ratio)}` : `${lead} (no ratio)`;
  return parts.length > 0 ? `${head} while ${parts.join(', ')}` : head;
}
