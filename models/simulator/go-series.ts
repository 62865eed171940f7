// Seeded generator of Go runtime series at a 15 s step: the corpus the shipped base model is
// trained on (models/base), and the data of the model tests and benchmarks.
//
// The signals come from one small simulation rather than independent curves, so they relate the
// way they do in a real service:
// - request_rate: daily and weekly seasonality, slow AR(1) drift, Poisson counting noise;
// - latency_p99: grows with utilisation (queueing), log-normal noise per scrape;
// - goroutines: a fixed pool + keep-alive connections (follow traffic slowly) + in-flight
//   requests (Little's law: rate × latency), sampled with Poisson noise;
// - heap_inuse: GC sawtooth; allocation ∝ request rate, a GC runs when the heap reaches twice
//   the live heap (GOGC=100), the scrape samples wherever the sawtooth is;
// - gc_pause_total: summed stop-the-world pauses in the step; gc_pause_p99: over the last minute.
// Normal events that must not alert: deploy restarts (connections and caches reset, brief
// goroutine/latency spike, a dip in traffic) and traffic peaks (rate up to ~2x, everything else
// follows). Injected anomalies carry labels: goroutine leak ramp, GC pause spikes, heap growth
// (memory leak), latency level shift.
import { GO_SIGNALS, type MultiSeries } from '../features.ts';
import { Rng } from './rng.ts';

export const STEP_SECONDS = 15;
export const STEPS_PER_DAY = (24 * 3600) / STEP_SECONDS;
export const STEPS_PER_HOUR = 3600 / STEP_SECONDS;
/** A Monday, so weekdays and the weekend are where one expects them. */
export const DEFAULT_START_MS = Date.UTC(2026, 10, 16);

export const ANOMALY_KINDS = [
  'goroutine_leak',
  'gc_pause_spike',
  'heap_growth',
  'latency_shift',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];
export type NormalEventKind = 'deploy' | 'traffic_peak' | 'scrape_gap';

export interface LabeledEvent<K extends string = string> {
  kind: K;
  /** First and last step (inclusive). */
  startStep: number;
  endStep: number;
  magnitude: number;
}

export interface AnomalySpec {
  kind: AnomalyKind;
  startStep: number;
  durationSteps: number;
  /** Kind-specific strength; defaults in DEFAULT_MAGNITUDE. */
  magnitude?: number;
}

/**
 * goroutine_leak: leaked goroutines per step as a fraction of the base pool;
 * gc_pause_spike: pause multiplier; heap_growth: live heap growth per step as a fraction of the
 * base live heap; latency_shift: latency multiplier.
 */
export const DEFAULT_MAGNITUDE: Record<AnomalyKind, number> = {
  goroutine_leak: 0.03,
  gc_pause_spike: 6,
  heap_growth: 0.02,
  latency_shift: 1.8,
};

export interface ServiceProfile {
  /** Requests per second at the weekday daily mean. */
  baseRate: number;
  /** Mean latency (s) at low load. */
  baseLatency: number;
  baseGoroutines: number;
  baseLiveHeapMB: number;
  allocKBPerRequest: number;
}

export interface GoSeriesOptions {
  seed: number;
  days: number;
  startMs?: number;
  profile?: Partial<ServiceProfile>;
  deploysPerDay?: number;
  peaksPerDay?: number;
  /** Single scrape failures (1–2 steps, all signals NaN) per day. */
  shortGapsPerDay?: number;
  /** Anomalies to inject (labeled in the result). */
  anomalies?: readonly AnomalySpec[];
  /** Explicit long outages (all signals NaN). */
  outages?: ReadonlyArray<{ startStep: number; durationSteps: number }>;
  /**
   * What the two GC slots hold: the pauses (deprecated runtime metrics, Prometheus client), or
   * what the worker derives from the current runtime conventions when no pause metric exists:
   * the allocation rate (bytes/s) and the GC cycles of the step (docs/worker.md).
   */
  gcSignals?: 'pauses' | 'derived';
}

export interface GeneratedSeries {
  series: MultiSeries;
  profile: ServiceProfile;
  anomalies: Array<LabeledEvent<AnomalyKind>>;
  normalEvents: Array<LabeledEvent<NormalEventKind>>;
}

export function profileForSeed(seed: number): ServiceProfile {
  const rng = new Rng(seed ^ 0x5bd1e995);
  return {
    baseRate: rng.uniform(120, 400),
    baseLatency: rng.uniform(0.02, 0.06),
    baseGoroutines: rng.int(60, 160),
    baseLiveHeapMB: rng.uniform(40, 120),
    allocKBPerRequest: rng.uniform(24, 64),
  };
}

interface Effects {
  rateMult: number;
  latencyMult: number;
  extraGoroutines: number;
  extraLiveMB: number;
  pauseMult: number;
  /** What a GC storm does where only the current conventions are exported: allocations ×. */
  allocMult: number;
  restart: boolean;
}

/** Generates one instance's series; deterministic for a given seed and options. */
export function generateGoSeries(options: GoSeriesOptions): GeneratedSeries {
  const profile = { ...profileForSeed(options.seed), ...options.profile };
  const rng = new Rng(options.seed);
  const steps = Math.round(options.days * STEPS_PER_DAY);
  const startMs = options.startMs ?? DEFAULT_START_MS;
  const anomalies = (options.anomalies ?? []).map((a) => ({
    kind: a.kind,
    startStep: a.startStep,
    endStep: a.startStep + a.durationSteps - 1,
    magnitude: a.magnitude ?? DEFAULT_MAGNITUDE[a.kind],
  }));
  const normalEvents = planNormalEvents(rng, steps, options);
  const values = GO_SIGNALS.map(() => new Float64Array(steps));
  const sim = new Simulation(profile, rng, options.gcSignals ?? 'pauses');
  const effects = new EffectTimeline(profile, anomalies, normalEvents);
  for (let t = 0; t < steps; t++) {
    const sample = sim.step(startMs + t * STEP_SECONDS * 1000, effects.at(t));
    GO_SIGNALS.forEach((name, f) => (values[f]![t] = sample[name]));
  }
  for (const gap of normalEvents.filter((e) => e.kind === 'scrape_gap'))
    blank(values, gap.startStep, gap.endStep);
  for (const o of options.outages ?? [])
    blank(values, o.startStep, o.startStep + o.durationSteps - 1);
  return {
    series: { startMs, stepSeconds: STEP_SECONDS, features: GO_SIGNALS, values },
    profile,
    anomalies,
    normalEvents,
  };
}

function blank(values: Float64Array[], from: number, to: number): void {
  for (const column of values)
    column.fill(Number.NaN, Math.max(0, from), Math.min(column.length, to + 1));
}

function planNormalEvents(
  rng: Rng,
  steps: number,
  options: GoSeriesOptions,
): Array<LabeledEvent<NormalEventKind>> {
  const events: Array<LabeledEvent<NormalEventKind>> = [];
  const days = steps / STEPS_PER_DAY;
  const deploys = Math.round(days * (options.deploysPerDay ?? 1.5));
  for (let i = 0; i < deploys; i++) {
    const start = rng.int(0, steps - 1);
    events.push({ kind: 'deploy', startStep: start, endStep: start + 3, magnitude: 1 });
  }
  const peaks = Math.round(days * (options.peaksPerDay ?? 1));
  for (let i = 0; i < peaks; i++) {
    const length = rng.int(80, 200);
    const start = rng.int(0, Math.max(0, steps - length));
    events.push({
      kind: 'traffic_peak',
      startStep: start,
      endStep: start + length,
      magnitude: rng.uniform(1.6, 2.2),
    });
  }
  const gaps = Math.round(days * (options.shortGapsPerDay ?? 4));
  for (let i = 0; i < gaps; i++) {
    const start = rng.int(0, steps - 2);
    events.push({
      kind: 'scrape_gap',
      startStep: start,
      endStep: start + rng.int(0, 1),
      magnitude: 1,
    });
  }
  return events.sort((a, b) => a.startStep - b.startStep);
}

/** Multipliers and offsets that events and anomalies apply at each step. */
class EffectTimeline {
  constructor(
    private readonly profile: ServiceProfile,
    private readonly anomalies: ReadonlyArray<LabeledEvent<AnomalyKind>>,
    private readonly events: ReadonlyArray<LabeledEvent<NormalEventKind>>,
  ) {}

  at(t: number): Effects {
    const e: Effects = {
      rateMult: 1,
      latencyMult: 1,
      extraGoroutines: 0,
      extraLiveMB: 0,
      pauseMult: 1,
      allocMult: 1,
      restart: false,
    };
    for (const ev of this.events)
      if (t >= ev.startStep && t <= ev.endStep + 1) this.applyNormal(ev, t, e);
    for (const an of this.anomalies) {
      if (t >= an.startStep && t <= an.endStep) this.applyAnomaly(an, t, e);
      // The fix for a leak is a restart right after it ends.
      if (t === an.endStep + 1 && (an.kind === 'goroutine_leak' || an.kind === 'heap_growth'))
        e.restart = true;
    }
    return e;
  }

  private applyNormal(ev: LabeledEvent<NormalEventKind>, t: number, e: Effects): void {
    const k = t - ev.startStep;
    if (ev.kind === 'deploy') {
      if (k === 0) {
        e.restart = true;
        e.rateMult *= 0.6;
      }
      e.extraGoroutines += k <= 2 ? this.profile.baseGoroutines * 0.4 * 0.5 ** k : 0;
      e.latencyMult *= k <= 1 ? 1.5 : k === 2 ? 1.2 : 1;
    } else if (ev.kind === 'traffic_peak') {
      const length = ev.endStep - ev.startStep;
      const ramp = Math.min(1, k / 20, (length - k) / 40);
      e.rateMult *= 1 + (ev.magnitude - 1) * Math.max(0, ramp);
    }
  }

  private applyAnomaly(an: LabeledEvent<AnomalyKind>, t: number, e: Effects): void {
    const k = t - an.startStep + 1;
    switch (an.kind) {
      case 'goroutine_leak':
        e.extraGoroutines += an.magnitude * this.profile.baseGoroutines * k;
        // Leaked goroutines pin their stacks and buffers (~64 KB each).
        e.extraLiveMB += (an.magnitude * this.profile.baseGoroutines * k * 64) / 1024;
        break;
      case 'gc_pause_spike':
        e.pauseMult *= an.magnitude;
        e.allocMult *= an.magnitude;
        e.latencyMult *= 1.05;
        break;
      case 'heap_growth':
        e.extraLiveMB += an.magnitude * this.profile.baseLiveHeapMB * k;
        break;
      case 'latency_shift':
        e.latencyMult *= an.magnitude;
        break;
    }
  }
}

/** The runtime state of one simulated instance. */
class Simulation {
  private rateDrift = 0;
  private latencyDrift = 0;
  private connections: number;
  private cacheMB: number;
  private heapMB: number;
  private readonly recentPauses: number[][] = [];
  private lastP99 = 0;
  /** Everything allocated so far (the go.memory.allocated counter). */
  private allocatedMB = 0;

  constructor(
    private readonly profile: ServiceProfile,
    private readonly rng: Rng,
    private readonly gcSignals: 'pauses' | 'derived',
  ) {
    this.connections = profile.baseRate * 0.25;
    this.cacheMB = profile.baseLiveHeapMB * 0.3;
    this.heapMB = profile.baseLiveHeapMB * 1.5;
  }

  step(timestampMs: number, e: Effects): Record<(typeof GO_SIGNALS)[number], number> {
    const p = this.profile;
    const dt = STEP_SECONDS;
    if (e.restart) this.restart();
    this.rateDrift = 0.985 * this.rateDrift + 0.006 * this.rng.normal();
    const rate = p.baseRate * seasonality(timestampMs) * Math.exp(this.rateDrift) * e.rateMult;
    const utilisation = rate / (p.baseRate * 4);
    this.latencyDrift = 0.97 * this.latencyDrift + 0.01 * this.rng.normal();
    const latency =
      p.baseLatency * (1 + 1.5 * utilisation ** 3) * Math.exp(this.latencyDrift) * e.latencyMult;

    this.connections += (rate * 0.25 - this.connections) * (dt / 900);
    this.cacheMB += (p.baseLiveHeapMB * 0.3 - this.cacheMB) * (dt / 7200);
    const inFlight = rate * latency * 1.5;
    const goroutines =
      p.baseGoroutines +
      Math.round(this.connections) +
      this.rng.poisson(inFlight + 4) +
      Math.round(e.extraGoroutines);
    const liveMB =
      p.baseLiveHeapMB +
      goroutines * 0.008 +
      this.connections * 0.03 +
      this.cacheMB +
      e.extraLiveMB;
    const counted = this.rng.poisson(rate * dt) / dt;
    const allocatedBefore = this.allocatedMB;
    const allocMult = this.gcSignals === 'derived' ? e.allocMult : 1;
    const pauses = this.collect(counted * allocMult, liveMB, goroutines, e.pauseMult);
    const allocationRate = ((this.allocatedMB - allocatedBefore) * 1024 * 1024) / dt;
    this.recentPauses.push(pauses);
    if (this.recentPauses.length > 4) this.recentPauses.shift();
    const minute = this.recentPauses.flat().sort((a, b) => a - b);
    if (minute.length > 0)
      this.lastP99 = minute[Math.min(minute.length - 1, Math.floor(minute.length * 0.99))] ?? 0;

    const derived = this.gcSignals === 'derived';
    return {
      goroutines,
      gc_pause_p99: derived ? allocationRate : this.lastP99,
      gc_pause_total: derived ? pauses.length : pauses.reduce((a, b) => a + b, 0),
      heap_inuse: this.heapMB * 1024 * 1024,
      latency_p99: latency * 2.5 * Math.exp(0.07 * this.rng.normal()),
      request_rate: counted,
    };
  }

  /** Allocates one step's worth of heap, running a GC each time the heap doubles the live heap. */
  private collect(rate: number, liveMB: number, goroutines: number, pauseMult: number): number[] {
    const pauses: number[] = [];
    if (this.heapMB < liveMB) this.heapMB = liveMB;
    // The request mix varies, and so does what a step allocates.
    const allocKB = this.profile.allocKBPerRequest * Math.exp(0.15 * this.rng.normal());
    const allocatedMB = (rate * allocKB * STEP_SECONDS) / 1024;
    this.heapMB += allocatedMB;
    this.allocatedMB += allocatedMB;
    while (this.heapMB >= 2 * liveMB) {
      this.heapMB -= liveMB;
      const pauseMs =
        (0.08 + 0.004 * liveMB + 0.00005 * goroutines) * Math.exp(0.25 * this.rng.normal());
      pauses.push((pauseMs * pauseMult) / 1000);
    }
    return pauses;
  }

  private restart(): void {
    this.connections = 0;
    this.cacheMB = 0;
    this.heapMB = this.profile.baseLiveHeapMB;
  }
}

/** Relative traffic: a daily curve (low ~04:00, high ~15:00 UTC) and quieter weekends. */
export function seasonality(timestampMs: number): number {
  const hour = (timestampMs / 3_600_000) % 24;
  const daily =
    1 +
    0.5 * Math.cos((2 * Math.PI * (hour - 15)) / 24) +
    0.1 * Math.cos((4 * Math.PI * (hour - 11)) / 24);
  const day = new Date(timestampMs).getUTCDay();
  return daily * (day === 0 || day === 6 ? 0.7 : 1);
}
