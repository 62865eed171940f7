// The anomaly worker (services/anomaly-worker): which metrics make up the Go runtime
// signals, the scoring step, sharding, models, alerts and the alert page. Every key is
// described in docs/worker.md; the defaults run against the local stack with no file.
import { z } from 'zod';
import { listenAddress, positiveInt } from '../fields.ts';

/**
 * How one metric becomes a signal value per step:
 * - `gauge`: the latest value in the step (gauges and up-down counters; attribute sets summed);
 * - `counterIncrease` / `counterRate`: a monotonic sum's increase per step / per second;
 * - `histogramQuantile`: a quantile of the step's bucket increases (attribute sets merged);
 * - `histogramSumIncrease` / `histogramCountRate`: the step's increase of Sum / Count per second;
 * - `summaryQuantile`: the latest value at the smallest reported quantile >= `quantile`;
 * - `summarySumIncrease` / `summaryCountRate`: as for histograms.
 */
export const SIGNAL_READS = [
  'gauge',
  'counterIncrease',
  'counterRate',
  'histogramQuantile',
  'histogramSumIncrease',
  'histogramCountRate',
  'summaryQuantile',
  'summarySumIncrease',
  'summaryCountRate',
] as const;
export type SignalRead = (typeof SIGNAL_READS)[number];

/** Units a signal value can be in; a source that stands in for a signal may have its own. */
export const SIGNAL_UNITS = ['count', 'seconds', 'bytes', 'perSecond', 'bytesPerSecond'] as const;
export type SignalUnit = (typeof SIGNAL_UNITS)[number];

/** What every kind of source may say about itself. */
const sourceDescription = {
  /**
   * Set on a source that stands in for the signal rather than measuring it: what it measures
   * instead (e.g. "heap allocation rate"). Alert pages and alerts then say the signal is derived.
   */
  derived: z.string().min(1).optional(),
  /** The unit of this source's values when it is not the signal's own (derived sources). */
  unit: z.enum(SIGNAL_UNITS).optional(),
  /**
   * The source is skipped for a series that exports any of these metrics in the range read:
   * a stand-in must not take over while the real metric is only missing for a moment (a GC pause
   * histogram appears with the first GC), or the series would switch units back and forth.
   */
  onlyWithout: z.array(z.string().min(1)).min(1).optional(),
};

const metricSource = z
  .object({
    metric: z.string().min(1),
    read: z.enum(SIGNAL_READS),
    /** Multiplies raw values into the signal's unit (1e-9 for nanoseconds, 1e-3 for ms). */
    scale: z.number().positive().default(1),
    /** Only data points whose attributes have these values (e.g. go.memory.type: other). */
    attributes: z.record(z.string(), z.string()).default({}),
    /** For the quantile reads. */
    quantile: z.number().min(0).max(1).default(0.99),
    /** histogramQuantile: steps of bucket increases the quantile is taken over. */
    windowSteps: positiveInt(1),
    ...sourceDescription,
  })
  .strict();

/**
 * Estimated GC cycles per step, for runtimes that export no GC metric: heap bytes allocated in
 * the step (`metric`, a monotonic counter) over the bytes one GC cycle lets the program allocate.
 * With GOGC = g the heap goal is the live heap times (1 + g/100), so a cycle starts after about
 * goal · g / (100 + g) new bytes; `goal` and `gogc` are gauges of the heap goal and GOGC.
 */
const gcCyclesSource = z
  .object({
    metric: z.string().min(1),
    read: z.literal('gcCycles'),
    goal: z.string().min(1),
    gogc: z.string().min(1),
    ...sourceDescription,
  })
  .strict();

const signalSource = z.discriminatedUnion('read', [metricSource, gcCyclesSource]);

export type MetricSourceConfig = z.infer<typeof metricSource>;
export type SignalSourceConfig = z.infer<typeof signalSource>;
type SourceInput = z.input<typeof signalSource>;

/** Sources in order of preference: per series, the first one with data wins. */
const sources = (defaults: SourceInput[]) =>
  z
    .array(signalSource)
    .min(1)
    .default(defaults.map((s) => signalSource.parse(s)));

/** The Go runtime signals (models/features.ts GO_SIGNALS), for keys that are per signal. */
const GO_SIGNAL_NAMES = [
  'goroutines',
  'gc_pause_p99',
  'gc_pause_total',
  'heap_inuse',
  'latency_p99',
  'request_rate',
] as const;

const NS = 1e-9;
const MS = 1e-3;

/** Every GC pause metric the defaults read: while a series exports one, nothing is derived. */
const GC_PAUSE_METRICS = [
  'go.memory.gc.pause.duration',
  'process.runtime.go.gc.pause_ns',
  'process.runtime.go.gc.pause_total_ns',
  'go_gc_duration_seconds',
];

// Names emitted by real Go services: OTel contrib runtime instrumentation (current semconv
// `go.*` and the older `process.runtime.go.*`), otelhttp (`http.server.request.duration`, and
// `http.server.duration` in ms before semconv 1.20), and Prometheus client_golang. The current
// runtime instrumentation exports no GC pause metric at its defaults; its GC signals are derived
// from the heap allocation counter and the heap goal (docs/worker.md, "Derived GC signals").
const signalsSchema = z
  .object({
    goroutines: sources([
      { metric: 'go.goroutine.count', read: 'gauge' },
      { metric: 'process.runtime.go.goroutines', read: 'gauge' },
      { metric: 'go_goroutines', read: 'gauge' },
    ]),
    gc_pause_p99: sources([
      // Over a minute: a service may collect only every couple of minutes.
      { metric: 'go.memory.gc.pause.duration', read: 'histogramQuantile', windowSteps: 4 },
      {
        metric: 'process.runtime.go.gc.pause_ns',
        read: 'histogramQuantile',
        scale: NS,
        windowSteps: 4,
      },
      { metric: 'go_gc_duration_seconds', read: 'summaryQuantile' },
      {
        metric: 'go.memory.allocated',
        read: 'counterRate',
        derived: 'heap allocation rate',
        unit: 'bytesPerSecond',
        onlyWithout: GC_PAUSE_METRICS,
      },
    ]),
    gc_pause_total: sources([
      { metric: 'go.memory.gc.pause.duration', read: 'histogramSumIncrease' },
      { metric: 'process.runtime.go.gc.pause_total_ns', read: 'counterIncrease', scale: NS },
      { metric: 'process.runtime.go.gc.pause_ns', read: 'histogramSumIncrease', scale: NS },
      { metric: 'go_gc_duration_seconds', read: 'summarySumIncrease' },
      {
        metric: 'go.memory.allocated',
        read: 'gcCycles',
        goal: 'go.memory.gc.goal',
        gogc: 'go.config.gogc',
        derived: 'estimated GC cycles per step',
        unit: 'count',
        onlyWithout: GC_PAUSE_METRICS,
      },
    ]),
    heap_inuse: sources([
      { metric: 'process.runtime.go.mem.heap_inuse', read: 'gauge' },
      { metric: 'go_memstats_heap_inuse_bytes', read: 'gauge' },
      { metric: 'go_memstats_heap_alloc_bytes', read: 'gauge' },
      // Current semconv has no heap-in-use; "other" is the runtime's memory minus stacks.
      { metric: 'go.memory.used', read: 'gauge', attributes: { 'go.memory.type': 'other' } },
    ]),
    latency_p99: sources([
      { metric: 'http.server.request.duration', read: 'histogramQuantile' },
      { metric: 'http.server.duration', read: 'histogramQuantile', scale: MS },
      { metric: 'http_request_duration_seconds', read: 'histogramQuantile' },
    ]),
    request_rate: sources([
      { metric: 'http.server.request.duration', read: 'histogramCountRate' },
      { metric: 'http.server.duration', read: 'histogramCountRate' },
      { metric: 'http_request_duration_seconds', read: 'histogramCountRate' },
      { metric: 'http_requests_total', read: 'counterRate' },
    ]),
  })
  .strict()
  .prefault({});

export type SignalsConfig = z.infer<typeof signalsSchema>;

const shardSchema = z
  .object({
    /** Number of worker replicas sharing the series. */
    count: positiveInt(1),
    /** This replica's index in [0, count); unset = from the pod name's `-<n>` suffix. */
    index: z.number().int().nonnegative().optional(),
    /** StatefulSet pod name to take the index from; empty = the HOSTNAME environment variable. */
    podName: z.string().default(''),
  })
  .strict()
  .prefault({})
  .refine((s) => s.index === undefined || s.index < s.count, {
    message: 'shard.index must be smaller than shard.count',
  });

const modelSchema = z
  .object({
    /** Root of saved models; versions live in <dir>/<name>/<version>. */
    dir: z.string().min(1).default('models/saved'),
    name: z.string().min(1).default('go-runtime'),
    /** How often the folder is checked for a newer version (hot reload). */
    reloadIntervalSeconds: positiveInt(30),
  })
  .strict()
  .prefault({});

const retrainSchema = z
  .object({
    /** Hours between retrainings on replica 0; 0 = never (train with `telepipe train`). */
    intervalHours: z.number().nonnegative().default(24),
    /** History each training reads. */
    historyHours: z.number().positive().default(72),
    epochs: positiveInt(20),
  })
  .strict()
  .prefault({});

/**
 * The online detectors and the dynamic thresholds (models/online/params.ts); unset keys take the
 * detector's defaults, which docs/detection.md explains and measures.
 */
const detectionSchema = z
  .object({
    /** Observed steps a signal needs before it is scored at all. */
    minSteps: z.number().int().positive().optional(),
    /** Normal values per signal the baseline (median, robust scale) is taken over. */
    baselineSteps: z.number().int().min(8).optional(),
    /** Each statistic's threshold is exceeded by normal data about once in this many days. */
    returnPeriodDays: z.number().positive().optional(),
    /** A model at least this skilful on a signal judges it alone (0..1; above 1: never). */
    modelSkill: z.number().optional(),
    /**
     * Per signal, the smallest robust scale (in the signal's unit) its statistics use: GC pauses
     * that move by a millisecond or two are not worth a page, however steady they were. The p99
     * is over the last minute, so one long pause holds it up for four steps: its floor is higher.
     */
    minScale: z
      .record(z.string(), z.number().nonnegative())
      .default({ gc_pause_p99: 0.002, gc_pause_total: 0.0005 }),
  })
  .strict()
  .prefault({});

const alertsSchema = z
  .object({
    alertname: z.string().min(1).default('GoRuntimeAnomaly'),
    severity: z.string().min(1).default('warning'),
    /** Extra labels on every alert, e.g. { cluster: eu-1 }. */
    labels: z.record(z.string(), z.string()).default({}),
    /** Consecutive anomalous steps before an alert fires (the steps in between are pending). */
    pendingSteps: positiveInt(3),
    /** Consecutive normal steps before a firing alert resolves. */
    resolveSteps: positiveInt(4),
    /** A firing alert is sent again this often ... */
    resendIntervalSeconds: positiveInt(60),
    /** ... with endsAt this far ahead, so it lapses only if the worker stops re-sending. */
    expireAfterSeconds: positiveInt(300),
    requestTimeoutMs: positiveInt(5000),
    /** Backoff between delivery attempts to an Alertmanager that failed. */
    retryInitialMs: positiveInt(500),
    retryMaxMs: positiveInt(30_000),
    /** Per signal, a runbook link put in the alert's `runbook_url` annotation; unset = none. */
    runbookUrls: z.partialRecord(z.enum(GO_SIGNAL_NAMES), z.url()).default({}),
    /**
     * Co-movement in the `correlated` annotation: a signal whose observed / expected ratio is at
     * least this (or at most its inverse) moved; the others are named flat.
     */
    correlationFactor: z.number().gt(1).default(1.5),
  })
  .strict()
  .prefault({})
  .refine((a) => a.expireAfterSeconds > a.resendIntervalSeconds, {
    message: 'alerts.expireAfterSeconds must be longer than alerts.resendIntervalSeconds',
  });

/** A page server token is a secret: long enough not to be guessed. */
const secretToken = z
  .string()
  .min(16, 'tokens must be at least 16 characters; generate one with `openssl rand -hex 32`');

/** The tenant a page token reads (its alert pages and scores); "*" = every tenant. */
export const ALL_TENANTS = '*';

export const pageTokenSchema = z.object({ token: secretToken, tenant: z.string().min(1) }).strict();

export type PageToken = z.infer<typeof pageTokenSchema>;

/**
 * Bearer tokens of the page server (alert pages, POST /v1/score, the Alertmanager webhook).
 * None at all: the server listens on localhost only, unauthenticated (docs/worker.md).
 */
const pageAuthSchema = z
  .object({
    tokens: z.array(pageTokenSchema).default([]),
    /** A YAML file with more tokens in the form of `tokens` (a Kubernetes Secret key, mounted). */
    tokensFile: z.string().default(''),
    /** The only token POST /v1/alertmanager/webhook accepts (Alertmanager's http_config.authorization). */
    webhookToken: z.union([z.literal(''), secretToken]).default(''),
    /** A file holding the webhook token (trimmed), like Alertmanager's credentials_file. */
    webhookTokenFile: z.string().default(''),
  })
  .strict()
  .prefault({})
  .refine((a) => !(a.webhookToken && a.webhookTokenFile), {
    message: 'set webhookToken or webhookTokenFile, not both',
  });

export type PageAuthConfig = z.infer<typeof pageAuthSchema>;

const pageSchema = z
  .object({
    /** Where the alert page (generatorURL target) is served. */
    address: listenAddress('127.0.0.1:8891'),
    /** Base URL Alertmanager users reach that server at; empty = http://<address>. */
    externalUrl: z.string().default(''),
    /** Minutes of history drawn before the alert. */
    windowMinutes: positiveInt(120),
    auth: pageAuthSchema,
  })
  .strict()
  .prefault({});

const labelNames = (defaults: string[]) => z.array(z.string().min(1)).min(1).default(defaults);

/**
 * The Alertmanager webhook (POST /v1/alertmanager/webhook on the page server): which alert labels
 * name the series a threshold alert is about, and how its verdict is taken (docs/alerts.md).
 */
const enrichmentSchema = z
  .object({
    /** Labels naming the tenant, first present wins; none present = `defaultTenant`. */
    tenantLabels: labelNames(['tenant', 'tenant_id']),
    /** The tenant of data ingested without one (the processor's default). */
    defaultTenant: z.string().min(1).default('default'),
    serviceLabels: labelNames(['service', 'service_name', 'job']),
    /** An instance no scored series has (Prometheus `host:port`, say) = every instance. */
    instanceLabels: labelNames(['instance', 'pod', 'service_instance_id']),
    /** alertname → Go signal, for alerts without a `signal` label naming one. */
    alertSignals: z.record(z.string(), z.enum(GO_SIGNAL_NAMES)).default({}),
    /** Scores this long before the alert's start count towards its verdict. */
    lookbackSeconds: positiveInt(300),
    /** How long after the alert's start its step may still be unscored before it is unknown. */
    maxWaitSeconds: positiveInt(300),
    /** One request waits this long for the start step to be scored, then answers 503. */
    pendingWaitSeconds: z.number().nonnegative().default(90),
    /** endsAt of a firing enriched alert, ahead of each notification; must outlast repeat_interval. */
    holdSeconds: positiveInt(3600),
  })
  .strict()
  .prefault({});

const replaySchema = z
  .object({
    /** ISO time to start the data clock at (replay history); empty = real time. */
    from: z
      .string()
      .refine((s) => s === '' || Number.isFinite(Date.parse(s)), 'expected an ISO time or ""')
      .default(''),
    /** Data seconds per wall-clock second while replaying. */
    speed: z.number().positive().default(1),
  })
  .strict()
  .prefault({});

export const workerSchema = z
  .object({
    /** Health, readiness and Prometheus metrics of the worker service. */
    adminAddress: listenAddress('127.0.0.1:8890'),
    /** The fixed step series are resampled to and scored at. */
    stepSeconds: positiveInt(15),
    /** A step is scored this long after it ends, so late exports are in. */
    ingestDelaySeconds: z.number().nonnegative().default(30),
    /** Steps of history read for a series the worker has not seen yet. */
    warmupSteps: positiveInt(120),
    /** At most this many overdue steps are scored per tick; older ones are skipped. */
    maxCatchUpSteps: positiveInt(20),
    /** A series without data for this many steps is forgotten (and its alert resolved). */
    idleSteps: positiveInt(40),
    /** Short gaps (in steps) the detector bridges; longer ones restart a series' window. */
    maxGapSteps: positiveInt(4),
    /** Resource attributes naming the instance, first non-empty wins. */
    instanceAttributes: z
      .array(z.string().min(1))
      .min(1)
      .default(['service.instance.id', 'k8s.pod.name', 'host.name']),
    signals: signalsSchema,
    shard: shardSchema,
    model: modelSchema,
    retrain: retrainSchema,
    detection: detectionSchema,
    alerts: alertsSchema,
    page: pageSchema,
    enrichment: enrichmentSchema,
    replay: replaySchema,
  })
  .strict()
  .prefault({});

export type WorkerConfig = z.infer<typeof workerSchema>;
