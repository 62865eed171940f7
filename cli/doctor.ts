// `telepipe doctor`: checks, in order, everything telepipe depends on, and says for each
// failing check what to do. Exit status is non-zero when any check fails.
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { loadConfig, type Config } from '../lib/config/index.ts';
import {
  createClickHouseClient,
  detectDialect,
  selectRows,
  serverVersion,
} from '../lib/clickhouse/client.ts';
import { KafkaAdmin } from '../lib/kafka/admin.ts';
import { Tenants } from '../lib/tenants/manage.ts';
import { readSchemaState } from '../lib/clickhouse/migrate.ts';
import { LATEST_SCHEMA_VERSION } from '../lib/clickhouse/migrations/index.ts';
import { portInUse } from '../infra/stack/processes.ts';
import { selectBackend } from '../models/backend.ts';
import { baseModelVersion } from '../models/base-model.ts';
import { listVersions, readMetadata } from '../models/store.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  check: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

/** Clock difference to a server above which timestamps and freshness become misleading. */
const MAX_CLOCK_SKEW_MS = 2000;

const ok = (check: string, detail: string): CheckResult => ({ check, status: 'ok', detail });
const fail = (check: string, detail: string, fix: string): CheckResult => ({
  check,
  status: 'fail',
  detail,
  fix,
});
const warn = (check: string, detail: string, fix: string): CheckResult => ({
  check,
  status: 'warn',
  detail,
  fix,
});

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export async function runDoctor(configPath: string | undefined): Promise<CheckResult[]> {
  let config: Config;
  try {
    config = loadConfig({ path: configPath });
  } catch (err) {
    return [
      fail(
        'config',
        message(err),
        'fix the keys named above in the config file or TELEPIPE_* variables',
      ),
    ];
  }
  return [
    ok('config', configPath ?? process.env.TELEPIPE_CONFIG ?? 'built-in defaults (local stack)'),
    ...(await kafkaChecks(config)),
    ...(await clickhouseChecks(config)),
    ...(await tenantChecks(config)),
    ...(await alertmanagerChecks(config)),
    ...(await ingestPortChecks(config)),
    await tensorflowCheck(),
    await modelsCheck(config),
  ];
}

async function kafkaChecks(config: Config): Promise<CheckResult[]> {
  const admin = new KafkaAdmin(
    { ...config.kafka, connectionTimeoutMs: 2000, requestTimeoutMs: 5000 },
    pino({ level: 'silent' }),
  );
  try {
    const cluster = await admin.describeCluster();
    const results = [
      ok('kafka', `${config.kafka.brokers.join(',')}: ${cluster.brokers} broker(s)`),
    ];
    const topics = Object.values(config.kafka.topics);
    const described = await admin.describeTopics(topics);
    for (const topic of topics) {
      const info = described[topic];
      results.push(
        info
          ? ok(
              `kafka topic ${topic}`,
              `${info.partitions} partition(s), retention ${info.retentionMs === undefined ? 'broker default' : `${Math.round(info.retentionMs / 3_600_000)} h`}`,
            )
          : warn(
              `kafka topic ${topic}`,
              'does not exist',
              'start `telepipe ingest` (it creates the topics) or create it with the partitions you need',
            ),
      );
    }
    const signalTopics = [
      config.kafka.topics.metrics,
      config.kafka.topics.logs,
      config.kafka.topics.traces,
    ].filter((t) => described[t]);
    const lag = await admin.consumerLag(config.processor.groupId, signalTopics);
    const total = Object.values(lag).reduce((a, b) => a + b, 0);
    results.push(
      total < 100_000
        ? ok('processor lag', `${total} record(s) behind (group ${config.processor.groupId})`)
        : warn(
            'processor lag',
            `${total} record(s) behind`,
            'add processor replicas (up to the partition count) or check ClickHouse insert errors in the processor logs',
          ),
    );
    return results;
  } catch (err) {
    return [
      fail(
        'kafka',
        `${config.kafka.brokers.join(',')}: ${message(err)}`,
        'start Kafka: `telepipe stack up` (local) or check kafka.brokers',
      ),
    ];
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function clickhouseChecks(config: Config): Promise<CheckResult[]> {
  const client = createClickHouseClient({ ...config.clickhouse, requestTimeoutMs: 5000 });
  try {
    const version = await serverVersion(client);
    const dialect = await detectDialect(client);
    const results = [
      ok('clickhouse', `${config.clickhouse.url}: version ${version}, ${dialect.name} dialect`),
    ];
    const state = await readSchemaState(client, config.clickhouse.database);
    results.push(
      state?.version === LATEST_SCHEMA_VERSION
        ? ok('clickhouse schema', `${config.clickhouse.database} at version ${state.version}`)
        : fail(
            'clickhouse schema',
            state
              ? `${config.clickhouse.database} at version ${state.version}, need ${LATEST_SCHEMA_VERSION}`
              : `no telepipe schema in ${config.clickhouse.database}`,
            'run `telepipe migrate`',
          ),
    );
    results.push(await diskCheck(client, dialect.name));
    results.push(
      await clockCheck(
        'clickhouse clock',
        async () => {
          const rows = await selectRows<{ t: string | number }>(
            client,
            'SELECT toUnixTimestamp(now()) AS t',
          );
          return Number(rows[0]?.t) * 1000;
        },
        1000,
      ),
    );
    return results;
  } catch (err) {
    return [
      fail(
        'clickhouse',
        `${config.clickhouse.url}: ${message(err)}`,
        'start ClickHouse: `telepipe stack up` (local) or check clickhouse.url and credentials',
      ),
    ];
  } finally {
    await client.close();
  }
}

/**
 * Each tenant of clickhouse.tenants.readers has its user, restricted to its rows; users of
 * tenants the config no longer names are flagged too (their reads are still allowed).
 */
async function tenantChecks(config: Config): Promise<CheckResult[]> {
  const readers = config.clickhouse.tenants.readers;
  let tenants: Tenants;
  try {
    tenants = await Tenants.open(config);
  } catch (err) {
    // No server or no schema: the clickhouse checks already say so.
    return readers.length === 0
      ? []
      : [
          warn(
            'clickhouse tenants',
            `not checked: ${message(err)}`,
            'fix the clickhouse checks first',
          ),
        ];
  }
  try {
    const results = (await tenants.problems()).map(({ tenant, user, problems }) =>
      problems.length === 0
        ? ok(
            `clickhouse tenant ${tenant}`,
            `user ${user} reads only its rows (${tenants.access.mechanism})`,
          )
        : fail(
            `clickhouse tenant ${tenant}`,
            `user ${user}: ${problems.join('; ')}`,
            `run \`telepipe migrate\` (it applies clickhouse.tenants.readers) or \`telepipe tenants add ${tenant}\``,
          ),
    );
    const configured = new Set(readers.map((r) => r.tenant));
    for (const entry of await tenants.list()) {
      if (entry.tenant === '' || configured.has(entry.tenant)) continue;
      results.push(
        warn(
          `clickhouse tenant ${entry.tenant}`,
          `user ${entry.user} exists but clickhouse.tenants.readers does not name the tenant`,
          `add it to clickhouse.tenants.readers, or \`telepipe tenants remove ${entry.tenant}\``,
        ),
      );
    }
    return results;
  } catch (err) {
    return [
      fail(
        'clickhouse tenants',
        message(err),
        'check the ClickHouse user telepipe connects as may read system tables',
      ),
    ];
  } finally {
    await tenants.close();
  }
}

async function diskCheck(
  client: ReturnType<typeof createClickHouseClient>,
  dialect: string,
): Promise<CheckResult> {
  if (dialect === 'old') {
    return ok(
      'clickhouse disk',
      'free space is not reported by this server version (no system.disks); check its data volume',
    );
  }
  const rows = await selectRows<{ free: string | number; total: string | number }>(
    client,
    "SELECT free_space AS free, total_space AS total FROM system.disks WHERE name = 'default'",
  );
  const free = Number(rows[0]?.free ?? 0);
  const share = free / Math.max(1, Number(rows[0]?.total ?? 1));
  const detail = `${(free / 2 ** 30).toFixed(1)} GiB free (${(share * 100).toFixed(0)} %)`;
  return share > 0.1
    ? ok('clickhouse disk', detail)
    : warn('clickhouse disk', detail, 'lower clickhouse.retentionDays or grow the volume');
}

async function alertmanagerChecks(config: Config): Promise<CheckResult[]> {
  return Promise.all(
    config.alertmanager.urls.map(async (url) => {
      try {
        const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(3000) });
        await res.arrayBuffer();
        if (!res.ok)
          return fail(
            `alertmanager ${url}`,
            `not ready (HTTP ${res.status})`,
            'wait for it to load its config, or check its log',
          );
        const skew = clockSkewFromDateHeader(res.headers.get('date'));
        return skew === undefined || Math.abs(skew) <= MAX_CLOCK_SKEW_MS
          ? ok(`alertmanager ${url}`, 'ready')
          : warn(
              `alertmanager ${url}`,
              `ready, clock off by ${skew} ms`,
              'sync clocks with NTP: alert start and end times would be off',
            );
      } catch (err) {
        return fail(
          `alertmanager ${url}`,
          message(err),
          'start Alertmanager: `telepipe stack up` (local) or check alertmanager.urls',
        );
      }
    }),
  );
}

function clockSkewFromDateHeader(date: string | null): number | undefined {
  if (!date) return undefined;
  // HTTP dates have 1 s resolution; only skews beyond that are meaningful.
  const skew = Date.parse(date) - Date.now();
  return Math.abs(skew) <= 1000 ? 0 : skew;
}

async function clockCheck(
  check: string,
  serverNowMs: () => Promise<number>,
  resolutionMs: number,
): Promise<CheckResult> {
  const before = Date.now();
  const server = await serverNowMs();
  const local = (before + Date.now()) / 2;
  const skew = Math.round(server - local);
  const detail = `${skew} ms relative to this host (±${resolutionMs} ms)`;
  return Math.abs(skew) <= MAX_CLOCK_SKEW_MS + resolutionMs
    ? ok(check, detail)
    : warn(
        check,
        detail,
        'sync clocks with NTP: freshness and anomaly windows depend on timestamps',
      );
}

/** The ingest ports must be free, or served by a running telepipe ingest. */
async function ingestPortChecks(config: Config): Promise<CheckResult[]> {
  const adminPort = Number(config.ingest.adminAddress.split(':').pop());
  const telepipeServing = await fetch(`http://127.0.0.1:${adminPort}/healthz`, {
    signal: AbortSignal.timeout(2000),
  })
    .then(async (res) => res.ok && (await res.text()).startsWith('ok'))
    .catch(() => false);
  const addresses = { grpc: config.ingest.grpc.address, http: config.ingest.http.address };
  return Promise.all(
    Object.entries(addresses).map(async ([kind, address]) => {
      const port = Number(address.split(':').pop());
      if (!(await portInUse(port))) return ok(`ingest ${kind} port ${port}`, 'free');
      return telepipeServing
        ? ok(`ingest ${kind} port ${port}`, 'served by telepipe ingest')
        : fail(
            `ingest ${kind} port ${port}`,
            'taken by another process',
            `stop it (\`ss -ltnp | grep :${port}\`) or set ingest.${kind}.address`,
          );
    }),
  );
}

async function tensorflowCheck(): Promise<CheckResult> {
  const backend = await selectBackend();
  return backend === 'cpu'
    ? warn(
        'tensorflow.js backend',
        'cpu (slowest)',
        'reinstall with `npm ci` so @tensorflow/tfjs-backend-wasm is present',
      )
    : ok('tensorflow.js backend', backend);
}

async function modelsCheck(config: Config): Promise<CheckResult> {
  const dir = join(resolve(config.worker.model.dir), config.worker.model.name);
  const versions = await listVersions(dir).catch(() => [] as string[]);
  const latest = versions[versions.length - 1];
  if (!latest) {
    const base = await baseModelVersion();
    return base
      ? ok(
          'anomaly models',
          `none of its own in ${dir}; the worker scores with the shipped base model ${base} (\`telepipe train\` refines it on your history)`,
        )
      : warn(
          'anomaly models',
          `none in ${dir} and no base model shipped; the worker scores with the online detectors alone`,
          'run `telepipe train` once the pipeline has a few hours of history',
        );
  }
  const meta = await readMetadata(join(dir, latest));
  const ageHours = (Date.now() - (await stat(join(dir, latest))).mtimeMs) / 3_600_000;
  const detail = `${versions.length} version(s), latest ${latest} (${ageHours.toFixed(1)} h old, validation MSE ${meta.validation.mse.toFixed(3)})`;
  return ageHours < 24 * 7
    ? ok('anomaly models', detail)
    : warn('anomaly models', detail, 'retrain with `telepipe train`');
}

export function formatChecks(results: CheckResult[]): string {
  const mark: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
  return results
    .map((r) => `${mark[r.status]} ${r.check}: ${r.detail}${r.fix ? `\n     → ${r.fix}` : ''}`)
    .join('\n');
}
