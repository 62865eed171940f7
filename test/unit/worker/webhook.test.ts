// The Alertmanager webhook without servers: which series an alert's labels name, the verdict
// over the scores around its start, the enriched copies posted back (and old-verdict copies
// resolved), loops avoided, 503 while the start is not scored or no Alertmanager answers, and
// 400s naming the field. Scores and Alertmanagers are fakes; the round trip with the real
// Alertmanager and ClickHouse is test/integration/worker/webhook.test.ts.
import { describe, expect, it } from 'vitest';
import type { GettableAlert, PostableAlert } from '../../../lib/alertmanager/client.ts';
import { TelepipeError } from '../../../lib/errors.ts';
import type { ScoredSeries, StoredScore } from '../../../services/anomaly-worker/scores.ts';
import { anomalyVerdict } from '../../../services/anomaly-worker/verdict.ts';
import {
  AlertEnricher,
  alertTarget,
  type EnrichmentConfig,
  type WebhookAlert,
} from '../../../services/anomaly-worker/webhook.ts';
import { silentLogger } from '../../support/stack.ts';

const STEP = 15_000;
const T = Date.UTC(2026, 10, 29, 12, 0, 0);
const MIN = 60_000;

const CONFIG: EnrichmentConfig = {
  tenantLabels: ['tenant', 'tenant_id'],
  defaultTenant: 'default',
  serviceLabels: ['service', 'service_name', 'job'],
  instanceLabels: ['instance', 'pod', 'service_instance_id'],
  alertSignals: { HighHeap: 'heap_inuse' },
  lookbackMs: 5 * MIN,
  maxWaitMs: 5 * MIN,
  pendingWaitMs: 0,
  holdMs: 60 * MIN,
  stepMs: STEP,
  ownAlertname: 'GoRuntimeAnomaly',
};

function stored(
  instance: string,
  i: number,
  anomalous = false,
  signal = 'goroutines',
): StoredScore {
  return {
    timestampMs: T + i * STEP,
    instance,
    signal,
    observed: 100,
    expected: 100,
    lower: 90,
    upper: 110,
    score: anomalous ? 0.9 : 0.1 + i / 1000,
    anomalous,
    drivingSignal: anomalous ? 'goroutines' : '',
    modelVersion: 'v20261128T000000Z',
    method: 'lstm',
  };
}

/** Steps -30..10 around T: `checkout` pod-1 anomalous at step 2, pod-2 always normal. */
function scoreRows(): Map<string, StoredScore[]> {
  const steps = Array.from({ length: 41 }, (_, k) => k - 30);
  return new Map([
    [
      'default/checkout',
      [...steps.map((i) => stored('pod-1', i, i === 2)), ...steps.map((i) => stored('pod-2', i))],
    ],
    ['acme/payments', steps.map((i) => stored('payments-0', i))],
    // Scored only up to two steps before T: the alert's start is not scored yet.
    ['default/late', steps.filter((i) => i < -1).map((i) => stored('late-0', i))],
  ]);
}

function fakeScores(rows = scoreRows()) {
  const add = (key: string, more: StoredScore[]) =>
    rows.set(key, [...(rows.get(key) ?? []), ...more]);
  const reads: Array<{ id: ScoredSeries; from: number; to: number; signal?: string }> = [];
  return {
    reads,
    add,
    read(id: ScoredSeries, from: number, to: number, signal?: string): Promise<StoredScore[]> {
      reads.push({ id, from, to, ...(signal === undefined ? {} : { signal }) });
      const all = rows.get(`${id.tenant}/${id.service}`) ?? [];
      return Promise.resolve(
        all.filter(
          (r) =>
            r.timestampMs >= from &&
            r.timestampMs < to &&
            (id.instance === undefined || r.instance === id.instance),
        ),
      );
    },
  };
}

/** An Alertmanager that stores what is posted (by label set) and answers label filters. */
class FakeAlertmanager {
  readonly posts: PostableAlert[][] = [];
  readonly alerts = new Map<string, PostableAlert>();
  down = false;

  postAlerts(alerts: readonly PostableAlert[]): void {
    if (this.down) throw new TelepipeError('unavailable', 'connection refused');
    this.posts.push([...alerts]);
    for (const a of alerts) this.alerts.set(JSON.stringify(a.labels), a);
  }

  active(now: number): GettableAlert[] {
    if (this.down) throw new TelepipeError('unavailable', 'connection refused');
    return [...this.alerts.values()]
      .filter((a) => !a.endsAt || Date.parse(a.endsAt) > now)
      .map((a) => ({
        labels: a.labels,
        annotations: a.annotations ?? {},
        startsAt: a.startsAt ?? '',
        endsAt: a.endsAt ?? '',
        updatedAt: '',
        fingerprint: '',
        receivers: [],
        status: { state: 'active', silencedBy: [], inhibitedBy: [] },
      }));
  }
}

function setup(
  options: {
    now?: number;
    alertmanagers?: number;
    pendingWaitMs?: number;
    /** Runs on each wait of a pending request, after the clock moved on. */
    onSleep?: (scores: ReturnType<typeof fakeScores>) => void;
  } = {},
) {
  let now = options.now ?? T + 3 * STEP;
  const sleeps: number[] = [];
  const managers = new Map(
    Array.from({ length: options.alertmanagers ?? 1 }, (_, i) => [
      `http://am-${i}:9093`,
      new FakeAlertmanager(),
    ]),
  );
  const filters: string[][] = [];
  const scores = fakeScores();
  const outcomes: string[] = [];
  const config = { ...CONFIG, pendingWaitMs: options.pendingWaitMs ?? 0 };
  const enricher = new AlertEnricher(config, {
    scores,
    client: {
      postAlerts: (url, alerts) =>
        Promise.resolve().then(() => managers.get(url)!.postAlerts(alerts)),
      getAlerts: (url, query) => {
        filters.push(query?.filter ?? []);
        return Promise.resolve().then(() =>
          managers
            .get(url)!
            .active(now)
            .filter((a) => 'anomaly_verdict' in a.labels),
        );
      },
    },
    alertmanagerUrls: [...managers.keys()],
    pageUrl: () => 'https://telepipe.example.com',
    log: silentLogger,
    onJudged: (o) => outcomes.push(o),
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      options.onSleep?.(scores);
      return Promise.resolve();
    },
  });
  const first = [...managers.values()][0]!;
  return { enricher, managers, first, scores, filters, outcomes, now, sleeps };
}

function alert(labels: Record<string, string>, overrides: Partial<WebhookAlert> = {}) {
  return {
    status: 'firing',
    labels,
    annotations: { summary: 'threshold crossed' },
    startsAt: new Date(T).toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph?g0.expr=go_goroutines',
    fingerprint: 'f1',
    ...overrides,
  };
}

function payload(...alerts: unknown[]): string {
  return JSON.stringify({
    version: '4',
    groupKey: '{}:{alertname="HighGoroutines"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'telepipe',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
  });
}

const posted = (am: FakeAlertmanager) => am.posts.flat();

describe('alertTarget', () => {
  it('takes tenant, service, instance and signal from the first label present', () => {
    expect(
      alertTarget({ alertname: 'X', tenant_id: 'acme', job: 'checkout', pod: 'p-1' }, CONFIG),
    ).toEqual({ tenant: 'acme', service: 'checkout', instances: ['p-1'], signal: undefined });
    expect(
      alertTarget({ alertname: 'X', service: 'a', job: 'b', signal: 'latency_p99' }, CONFIG),
    ).toEqual({ tenant: 'default', service: 'a', instances: [], signal: 'latency_p99' });
  });

  it('maps an alertname to a signal, and ignores a signal label that names no Go signal', () => {
    expect(alertTarget({ alertname: 'HighHeap', job: 'a' }, CONFIG).signal).toBe('heap_inuse');
    expect(alertTarget({ alertname: 'X', job: 'a', signal: 'cpu' }, CONFIG).signal).toBeUndefined();
  });
});

describe('anomalyVerdict', () => {
  const window = { startsAtMs: T, untilMs: T + 4 * STEP, lookbackMs: 2 * STEP, stepMs: STEP };
  const steps = (flags: boolean[], from: number) =>
    flags.map((anomalous, k) => ({
      timestampMs: T + (from + k) * STEP,
      score: anomalous ? 0.8 : 0.1,
      anomalous,
    }));

  it('is anomalous when a step from the lookback to now is, with that step as the worst', () => {
    const result = anomalyVerdict(steps([false, true, false, false], -2), window);
    expect(result).toMatchObject({
      verdict: 'anomalous',
      score: 0.8,
      worst: { timestampMs: T - STEP },
    });
  });

  it('ignores anomalous steps before the lookback and after the window', () => {
    const flags = [true, false, false, false, false, false, false, false, true];
    expect(anomalyVerdict(steps(flags, -3), window).verdict).toBe('normal');
  });

  it('is unknown without scores in the window, and pending while they stop before the start', () => {
    expect(anomalyVerdict([], window).verdict).toBe('unknown');
    expect(anomalyVerdict(steps([false, false], -2), window).verdict).toBe('pending');
  });
});

describe('AlertEnricher', () => {
  it('posts an anomalous copy with the verdict label, the score and a page link', async () => {
    const { enricher, first, now, outcomes } = setup();
    const labels = { alertname: 'HighGoroutines', job: 'checkout', instance: 'pod-1' };
    const answer = await enricher.answer(payload(alert(labels)));
    expect(answer.status).toBe(200);
    const [copy, ...rest] = posted(first);
    expect(rest).toEqual([]);
    expect(copy).toMatchObject({
      labels: { ...labels, anomaly_verdict: 'anomalous' },
      annotations: {
        summary: 'threshold crossed',
        anomaly_score: '0.900',
        anomaly_series: 'default/checkout/pod-1',
        anomaly_model_version: 'v20261128T000000Z',
      },
      startsAt: new Date(T).toISOString(),
      endsAt: new Date(now + CONFIG.holdMs).toISOString(),
      generatorURL: 'http://prometheus:9090/graph?g0.expr=go_goroutines',
    });
    expect(copy!.annotations!['anomaly_page']).toBe(
      `https://telepipe.example.com/alert?tenant=default&service=checkout&instance=pod-1&signal=goroutines&at=${T + 2 * STEP}`,
    );
    expect(copy!.annotations!['anomaly_reason']).toMatch(/anomalous between/);
    expect(outcomes).toEqual(['anomalous']);
  });

  it('marks normal a series the model scored normal, and unknown one it has no scores for', async () => {
    const { enricher, first } = setup();
    await enricher.answer(
      payload(
        alert({ alertname: 'HighGoroutines', job: 'checkout', instance: 'pod-2' }),
        alert({ alertname: 'HighGoroutines', job: 'nobody', instance: 'x' }),
        alert({ alertname: 'HighGoroutines', instance: 'pod-2' }),
      ),
    );
    const verdicts = posted(first).map((a) => [
      a.labels['job'],
      a.labels['anomaly_verdict'],
      a.annotations!['anomaly_score'],
    ]);
    expect(verdicts).toEqual([
      ['checkout', 'normal', expect.stringMatching(/^0\.1/)],
      ['nobody', 'unknown', 'none'],
      [undefined, 'unknown', 'none'],
    ]);
    expect(posted(first)[2]!.annotations!['anomaly_reason']).toMatch(
      /none of the service labels \(service, service_name, job\)/,
    );
  });

  it('judges every instance when the instance label names none the worker scores', async () => {
    const { enricher, first, scores } = setup();
    await enricher.answer(
      payload(
        alert({
          alertname: 'HighHeap',
          tenant: 'default',
          service: 'checkout',
          instance: '10.0.0.5:8080',
        }),
      ),
    );
    const [copy] = posted(first);
    expect(copy!.labels['anomaly_verdict']).toBe('anomalous');
    expect(copy!.annotations!['anomaly_series']).toBe('default/checkout (2 instances)');
    // the alertname mapped to heap_inuse: only that signal was read, from the lookback on
    expect(scores.reads).toEqual([
      {
        id: { tenant: 'default', service: 'checkout' },
        from: T - 5 * MIN,
        to: T + 3 * STEP + 1,
        signal: 'heap_inuse',
      },
    ]);
  });

  it('takes the first instance label whose value the worker scores', async () => {
    const { enricher, first } = setup();
    await enricher.answer(
      payload(
        alert({
          alertname: 'HighGoroutines',
          job: 'checkout',
          instance: '10.0.0.5:8080',
          pod: 'pod-2',
        }),
      ),
    );
    expect(posted(first)[0]!.annotations).toMatchObject({
      anomaly_series: 'default/checkout/pod-2',
    });
    expect(posted(first)[0]!.labels['anomaly_verdict']).toBe('normal');
  });

  it('skips enriched alerts and the worker’s own, so a routing mistake cannot loop', async () => {
    const { enricher, first, outcomes } = setup();
    const answer = await enricher.answer(
      payload(
        alert({ alertname: 'HighGoroutines', job: 'checkout', anomaly_verdict: 'normal' }),
        alert({ alertname: 'GoRuntimeAnomaly', service: 'checkout' }),
      ),
    );
    expect(answer.status).toBe(200);
    expect(first.posts).toEqual([]);
    expect(outcomes).toEqual(['skipped', 'skipped']);
  });

  it('answers 503 while the alert’s start step is not scored, and unknown once it waited long enough', async () => {
    const young = setup();
    const labels = { alertname: 'HighGoroutines', job: 'late' };
    const early = await young.enricher.answer(
      payload(
        alert(labels),
        alert({ alertname: 'HighGoroutines', job: 'checkout', instance: 'pod-2' }),
      ),
    );
    expect(early.status).toBe(503);
    expect(early.body).toMatchObject({ error: 'scores_pending' });
    // the alert that could be judged went out anyway
    expect(posted(young.first).map((a) => a.labels['job'])).toEqual(['checkout']);

    const old = setup({ now: T + CONFIG.maxWaitMs + STEP });
    expect((await old.enricher.answer(payload(alert(labels)))).status).toBe(200);
    expect(posted(old.first)[0]!.labels['anomaly_verdict']).toBe('unknown');
  });

  it('waits in the request for the start step to be scored', async () => {
    const { enricher, first, sleeps, outcomes } = setup({
      pendingWaitMs: 10_000,
      onSleep: (scores) => {
        if (sleeps.length === 2)
          scores.add('default/late', [stored('late-0', -1), stored('late-0', 0)]);
      },
    });
    const answer = await enricher.answer(
      payload(alert({ alertname: 'HighGoroutines', job: 'late' })),
    );
    expect(answer.status).toBe(200);
    expect(sleeps).toEqual([2500, 2500]);
    expect(posted(first)[0]!.labels['anomaly_verdict']).toBe('normal');
    expect(outcomes).toEqual(['normal']);

    const waited = setup({ pendingWaitMs: 6000 });
    const late = await waited.enricher.answer(
      payload(alert({ alertname: 'HighGoroutines', job: 'late' })),
    );
    expect(late.status).toBe(503);
    expect(waited.sleeps).toEqual([2500, 2500, 1000]);
    expect(waited.outcomes).toEqual(['pending']);
  });

  it('resolves the copy when the original resolves, judged up to its end', async () => {
    const { enricher, first } = setup({ now: T + 10 * MIN });
    const endsAt = new Date(T + STEP).toISOString();
    await enricher.answer(
      payload(
        alert(
          { alertname: 'HighGoroutines', job: 'checkout', instance: 'pod-1' },
          { status: 'resolved', endsAt },
        ),
      ),
    );
    // anomalous at step 2, after the end: normal up to the end
    expect(posted(first)).toMatchObject([{ labels: { anomaly_verdict: 'normal' }, endsAt }]);
  });

  it('resolves the copy with the old verdict when the verdict changes', async () => {
    const { enricher, first, filters } = setup();
    const labels = { alertname: 'HighGoroutines', job: 'checkout', instance: 'pod-1' };
    first.postAlerts([
      {
        labels: { ...labels, anomaly_verdict: 'normal' },
        annotations: {},
        startsAt: new Date(T).toISOString(),
        endsAt: new Date(T + 60 * MIN).toISOString(),
      },
    ]);
    first.postAlerts([
      {
        labels: { ...labels, instance: 'pod-9', anomaly_verdict: 'normal' },
        annotations: {},
        endsAt: new Date(T + 60 * MIN).toISOString(),
      },
    ]);
    await enricher.answer(payload(alert(labels)));
    const last = first.posts.at(-1)!;
    expect(
      last.map((a) => [
        a.labels['instance'],
        a.labels['anomaly_verdict'],
        Date.parse(a.endsAt!) <= T + 3 * STEP,
      ]),
    ).toEqual([
      ['pod-1', 'anomalous', false],
      ['pod-1', 'normal', true],
    ]);
    expect(filters.at(-1)).toEqual(['anomaly_verdict=~".+"', 'alertname="HighGoroutines"']);
  });

  it('posts to every Alertmanager, and answers 503 only when none took the copies', async () => {
    const { enricher, managers } = setup({ alertmanagers: 2 });
    const [a, b] = [...managers.values()];
    b!.down = true;
    const body = payload(
      alert({ alertname: 'HighGoroutines', job: 'checkout', instance: 'pod-1' }),
    );
    const partly = await enricher.answer(body);
    expect(partly.status).toBe(200);
    expect(partly.body).toMatchObject({
      alertmanagers: [
        { url: 'http://am-0:9093', ok: true },
        { url: 'http://am-1:9093', ok: false, error: expect.stringMatching(/connection refused/) },
      ],
    });
    a!.down = true;
    const none = await enricher.answer(body);
    expect(none.status).toBe(503);
    expect(none.body).toMatchObject({ error: 'alertmanager_unavailable' });
  });

  it('rejects malformed payloads with a 400 naming the field', async () => {
    const { enricher, first } = setup();
    const bad = async (raw: string) =>
      (await enricher.answer(raw)).body as { field?: string; message: string };
    expect((await enricher.answer('{"alerts": [')).status).toBe(400);
    expect(await bad('{}')).toMatchObject({ field: 'alerts' });
    expect(await bad(payload(alert({ job: 'x' }, { startsAt: 'yesterday' })))).toMatchObject({
      field: 'alerts.0.startsAt',
      message: expect.stringMatching(/RFC 3339/),
    });
    expect(
      await bad(payload(alert({ job: 'x' }, { status: 'pending' as 'firing' }))),
    ).toMatchObject({
      field: 'alerts.0.status',
    });
    expect(await bad(JSON.stringify({ version: '3', alerts: [] }))).toMatchObject({
      field: 'version',
      message: expect.stringMatching(/unsupported payload version/),
    });
    expect(first.posts).toEqual([]);
  });
});
