// The Kubernetes manifests in infra/k8s: every object is validated against the Kubernetes
// OpenAPI schemas (kubernetes-validate ships them, so this runs offline), and the parts that
// must agree with each other and with telepipe itself are checked here: probes on the real
// admin endpoints and ports, the ConfigMap against the real config schema, secrets only from
// Secrets, shutdown deadlines, HPA/PDB/Service targets, the kustomization's file list.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { applyEnvOverrides, parseConfig, type Config } from '../../../lib/config/index.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const K8S_DIR = path.join(ROOT, 'infra/k8s');

/** The validator and the exact command CI installs it with (.ci/run). */
const VALIDATOR_INSTALL = 'python3 -m pip install kubernetes-validate==1.37.0';
/** Oldest Kubernetes we support (autoscaling/v2, policy/v1, PDB eviction policy) and newest known. */
const KUBERNETES_VERSIONS = ['1.29.0', '1.37.0'];

/** What each component's container runs, and which config section it reads. */
const COMPONENTS = {
  ingest: { command: 'ingest', section: 'ingest' },
  processor: { command: 'process', section: 'processor' },
  worker: { command: 'detect', section: 'worker' },
} as const;
type Component = keyof typeof COMPONENTS;

/** What an operator puts in the Secrets (the committed ones are placeholders). */
const SECRET_FIXTURES: Record<string, string> = {
  'telepipe-ingest-tokens/tokens':
    '{"3f0c9a6e1b7d4c2a8e5f": team-a, "9b8a7c6d5e4f3a2b1c0d": team-b}',
  // Quoted as secrets.yaml says, so that a YAML-looking password stays a string.
  'telepipe-clickhouse/password': "'s3cret: 1234'",
};

// ---- minimal shapes of the Kubernetes objects read here ----------------------------------

type Labels = Record<string, string>;
interface Meta {
  name: string;
  namespace?: string;
  labels?: Labels;
  annotations?: Labels;
}
interface HttpProbe {
  httpGet?: { path: string; port: number | string };
  periodSeconds?: number;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
    configMapKeyRef?: { name: string; key: string };
  };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
  startupProbe?: HttpProbe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Labels; limits?: Labels };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
}
interface Volume {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[] };
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  emptyDir?: object;
  persistentVolumeClaim?: { claimName: string };
}
interface PodSpec {
  containers: Container[];
  volumes?: Volume[];
  terminationGracePeriodSeconds?: number;
  enableServiceLinks?: boolean;
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}
interface PodTemplate {
  metadata: Meta;
  spec: PodSpec;
}
interface Spec {
  replicas?: number;
  selector?: { matchLabels?: Labels } | Labels;
  template?: PodTemplate;
  serviceName?: string;
  clusterIP?: string;
  ports?: { name?: string; port: number; targetPort?: number | string }[];
  scaleTargetRef?: { apiVersion: string; kind: string; name: string };
  minReplicas?: number;
  maxReplicas?: number;
  metrics?: { type: string; resource?: { name: string; target: { type: string } } }[];
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  spec?: Spec;
  data?: Labels;
  stringData?: Labels;
  // Kustomization
  namespace?: string;
  resources?: string[];
  images?: { name: string }[];
}
interface Loaded {
  file: string;
  obj: K8sObject;
}

// ---- loading -------------------------------------------------------------------------------

const manifestFiles = readdirSync(K8S_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const KUSTOMIZATION = 'kustomization.yaml';
const resourceFiles = manifestFiles.filter((f) => f !== KUSTOMIZATION);

function readDocs(file: string, version: '1.1' | '1.2' = '1.2'): unknown[] {
  const docs = parseAllDocuments(readFileSync(path.join(K8S_DIR, file), 'utf8'), { version });
  return docs.flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    return value == null ? [] : [value];
  });
}

const all: Loaded[] = resourceFiles.flatMap((file) =>
  readDocs(file).map((obj) => ({ file, obj: obj as K8sObject })),
);
const objects = all.map((l) => l.obj);
const kustomization = readDocs(KUSTOMIZATION)[0] as K8sObject;

const ofKind = (kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);
const named = (kind: string, name: string): K8sObject | undefined =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);

const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
const podOwners = [...workloads, ...ofKind('Job')];
const configMap = named('ConfigMap', 'telepipe-config');
// Parsed here but checked in a test, so that a YAML error is reported as a failing test.
let rawConfigError: Error | undefined;
let rawConfig: Record<string, unknown> = {};
try {
  rawConfig = (parseYaml(configMap?.data?.['telepipe.yaml'] ?? '') ?? {}) as typeof rawConfig;
} catch (err) {
  rawConfigError = err instanceof Error ? err : new Error(String(err));
}

function template(o: K8sObject): PodTemplate {
  if (!o.spec?.template) throw new Error(`${o.kind}/${o.metadata.name} has no pod template`);
  return o.spec.template;
}
function mainContainer(o: K8sObject): Container {
  const containers = template(o).spec.containers;
  if (containers.length !== 1) throw new Error(`${o.metadata.name}: expected one container`);
  return containers[0]!;
}
function componentOf(o: K8sObject): Component {
  const c = o.metadata.labels?.['app.kubernetes.io/component'];
  if (!c || !(c in COMPONENTS)) throw new Error(`${o.metadata.name}: unknown component ${c}`);
  return c as Component;
}
function matchLabels(o: K8sObject): Labels {
  const sel = o.spec?.selector;
  if (!sel) return {};
  if (o.kind === 'Service') return sel as Labels;
  return (sel as { matchLabels?: Labels }).matchLabels ?? {};
}
function selects(selector: Labels, labels: Labels | undefined): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}
function resolvePort(container: Container, port: number | string | undefined): number | undefined {
  const found = container.ports?.find((p) =>
    typeof port === 'number' ? p.containerPort === port : p.name === port,
  );
  return found?.containerPort;
}
function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

/** Kubernetes quantities: cpu → cores, memory → bytes. */
function quantity(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/.exec(q);
  if (!m) throw new Error(`bad quantity ${q}`);
  const units: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(m[1]) * (m[2] ? units[m[2]]! : 1);
}

/** The container's environment as Kubernetes builds it: literals, $(VAR), secrets, pod fields. */
function containerEnv(container: Container, podName: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of container.env ?? []) {
    if (v.value !== undefined) {
      env[v.name] = v.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (ref, name: string) =>
        name in env ? env[name]! : ref,
      );
    } else if (v.valueFrom?.secretKeyRef) {
      const { name, key } = v.valueFrom.secretKeyRef;
      const value = SECRET_FIXTURES[`${name}/${key}`];
      if (value === undefined) throw new Error(`no test value for Secret ${name} key ${key}`);
      env[v.name] = value;
    } else if (v.valueFrom?.fieldRef?.fieldPath === 'metadata.name') {
      env[v.name] = podName;
    } else {
      throw new Error(`${container.name}: env ${v.name} has a source this test does not model`);
    }
  }
  return env;
}

/** Pod names the object creates: StatefulSet ordinals, or a Deployment-style random suffix. */
function podNames(o: K8sObject): string[] {
  if (o.kind === 'StatefulSet') {
    return Array.from({ length: o.spec?.replicas ?? 1 }, (_, i) => `${o.metadata.name}-${i}`);
  }
  return [`${o.metadata.name}-7c9f8d6b5-x2x4q`];
}

/** The config a pod of `o` runs with: the ConfigMap's file plus the container's env. */
function podConfig(o: K8sObject, podName = podNames(o)[0]!): Config {
  if (rawConfigError) throw rawConfigError;
  const env = containerEnv(mainContainer(o), podName);
  return parseConfig(applyEnvOverrides(rawConfig, env), `${o.metadata.name} pod`);
}

/** The shutdown deadline the service gives itself on SIGTERM. */
function shutdownDeadlineMs(component: Component, config: Config): number {
  const section = config[COMPONENTS[component].section] as { shutdownTimeoutMs?: unknown };
  if (typeof section.shutdownTimeoutMs === 'number') return section.shutdownTimeoutMs;
  // As in services/ingest/main.ts: the listeners drain, then Kafka acks may take ackTimeoutMs.
  if (component === 'ingest') {
    return config.ingest.drainTimeoutMs + config.ingest.producer.ackTimeoutMs + 5000;
  }
  return 25_000; // lib/service.ts default
}

function preStopSeconds(container: Container): number {
  const preStop = container.lifecycle?.preStop;
  if (!preStop) return 0;
  if (preStop.sleep) return preStop.sleep.seconds;
  const cmd = preStop.exec?.command ?? [];
  if (cmd[0] === 'sleep' && cmd.length === 2) return Number(cmd[1]);
  throw new Error(`${container.name}: preStop is not a plain sleep`);
}

// ---- schema validation -------------------------------------------------------------------

function requireValidator(): void {
  const probe = spawnSync('python3', ['-c', 'import kubernetes_validate'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      `kubernetes-validate is not installed (it validates the manifests offline against the ` +
        `Kubernetes schemas it ships). Install it with: ${VALIDATOR_INSTALL}\n${probe.stderr ?? ''}`,
    );
  }
}

describe('infra/k8s against the Kubernetes OpenAPI schemas (kubernetes-validate, offline)', () => {
  it.each(KUBERNETES_VERSIONS)('every object validates strictly for Kubernetes %s', (version) => {
    requireValidator();
    const files = resourceFiles.map((f) => path.join(K8S_DIR, f));
    const run = spawnSync(
      'python3',
      ['-m', 'kubernetes_validate', '-k', version, '--strict', ...files],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
    const problems = output.split('\n').filter((line) => /^(ERROR|WARN)/.test(line));
    // A WARN is an object with no schema (e.g. a mistyped apiVersion): it was not validated.
    expect(problems, output).toEqual([]);
    expect(run.status, output).toBe(0);
    // Every object was seen and passed, none silently skipped.
    expect(output.match(/ passed for resource /g) ?? [], output).toHaveLength(objects.length);
  });
});

// ---- files and kustomize -----------------------------------------------------------------

describe('infra/k8s files', () => {
  it('the kustomization lists every manifest file, and only existing ones', () => {
    expect(kustomization.kind).toBe('Kustomization');
    expect([...(kustomization.resources ?? [])].sort()).toEqual(resourceFiles);
  });

  it('reads the same as YAML 1.1 (Kubernetes) and YAML 1.2 (no yes/no/on/off or octal traps)', () => {
    for (const file of manifestFiles) expect(readDocs(file, '1.1'), file).toEqual(readDocs(file));
  });

  it('has a ConfigMap telepipe-config whose telepipe.yaml is a YAML mapping', () => {
    expect(configMap?.data?.['telepipe.yaml']).toBeDefined();
    expect(rawConfigError).toBeUndefined();
    expect(typeof rawConfig === 'object' && !Array.isArray(rawConfig)).toBe(true);
  });

  it('puts every object in the one Namespace, also without kustomize', () => {
    const namespaces = ofKind('Namespace');
    expect(namespaces).toHaveLength(1);
    const ns = namespaces[0]!.metadata.name;
    expect(kustomization.namespace).toBe(ns);
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) {
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(ns);
    }
  });

  it('every container runs the one image the kustomization rewrites', () => {
    const imageNames = (kustomization.images ?? []).map((i) => i.name);
    for (const o of podOwners) {
      const image = mainContainer(o).image;
      expect(imageNames, `${o.metadata.name}: ${image}`).toContain(image.split(':')[0]);
    }
  });

  it('has Deployments for ingest and processor, a StatefulSet for the worker, a migrate Job', () => {
    expect(named('Deployment', 'telepipe-ingest')).toBeDefined();
    expect(named('Deployment', 'telepipe-processor')).toBeDefined();
    expect(named('StatefulSet', 'telepipe-worker')).toBeDefined();
    const job = named('Job', 'telepipe-migrate');
    expect(job && mainContainer(job).args).toEqual(['migrate']);
  });
});

// ---- every pod: security, resources, config ----------------------------------------------

describe.each(podOwners.map((o) => [`${o.kind} ${o.metadata.name}`, o] as const))('%s', (_, o) => {
  const pod = template(o).spec;
  const container = mainContainer(o);
  const volume = (name: string): Volume | undefined => pod.volumes?.find((v) => v.name === name);

  it('runs as non-root with a read-only root fs, no privilege escalation, no capabilities', () => {
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext?.capabilities?.drop).toContain('ALL');
  });

  it('has a writable emptyDir at /tmp', () => {
    const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(tmp).toBeDefined();
    expect(volume(tmp!.name)?.emptyDir).toBeDefined();
  });

  it('has cpu and memory requests and limits, requests within limits', () => {
    const { requests = {}, limits = {} } = container.resources ?? {};
    for (const r of ['cpu', 'memory']) {
      expect(requests[r], `requests.${r}`).toBeDefined();
      expect(limits[r], `limits.${r}`).toBeDefined();
      expect(quantity(requests[r]!)).toBeLessThanOrEqual(quantity(limits[r]!));
    }
  });

  it('caps the V8 heap below the memory limit when it sets one', () => {
    const options = container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
    const heap = /--max-old-space-size=(\d+)/.exec(options);
    // V8's young generation is three semi-spaces' worth (two semi-spaces and the large objects).
    const semiSpace = Number(/--max-semi-space-size=(\d+)/.exec(options)?.[1] ?? 0);
    if (heap) {
      const limit = quantity(container.resources!.limits!.memory!);
      expect((Number(heap[1]) + 3 * semiSpace) * 2 ** 20).toBeLessThan(limit);
    }
  });

  it('gets no Service links (they would be read as TELEPIPE_* overrides) and no API token', () => {
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    if (pod.serviceAccountName)
      expect(named('ServiceAccount', pod.serviceAccountName)).toBeDefined();
  });

  it('sets TELEPIPE_CONFIG to telepipe.yaml in a mounted ConfigMap', () => {
    const file = container.env?.find((e) => e.name === 'TELEPIPE_CONFIG')?.value;
    expect(file).toBeDefined();
    const mount = container.volumeMounts?.find((m) => path.dirname(file!) === m.mountPath);
    expect(mount, `a volume mounted at ${path.dirname(file!)}`).toBeDefined();
    const cm = volume(mount!.name)?.configMap;
    expect(cm?.name).toBe(configMap?.metadata.name);
    const key =
      cm?.items?.find((i) => i.path === path.basename(file!))?.key ?? path.basename(file!);
    expect(configMap?.data?.[key], `ConfigMap key ${key}`).toBeDefined();
  });

  it('mounts only declared volumes, backed by objects defined here', () => {
    for (const m of container.volumeMounts ?? []) {
      const v = volume(m.name);
      expect(v, `volume ${m.name}`).toBeDefined();
      if (v!.configMap) expect(named('ConfigMap', v!.configMap.name)).toBeDefined();
      if (v!.secret) expect(named('Secret', v!.secret.secretName)).toBeDefined();
      if (v!.persistentVolumeClaim) {
        expect(named('PersistentVolumeClaim', v!.persistentVolumeClaim.claimName)).toBeDefined();
      }
    }
  });

  it('takes secret values from Secrets that define them, never from literals', () => {
    for (const e of container.env ?? []) {
      if (/PASSWORD|TOKEN|KEYRING|SECRET|CREDENTIAL/i.test(e.name)) {
        expect(e.value, `${e.name} must come from a Secret`).toBeUndefined();
        expect(e.valueFrom?.secretKeyRef, e.name).toBeDefined();
      }
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) {
        const secret = named('Secret', ref.name);
        expect(secret, `Secret ${ref.name}`).toBeDefined();
        expect(Object.keys(secret!.stringData ?? secret!.data ?? {})).toContain(ref.key);
      }
    }
  });

  it('loads a valid configuration: the ConfigMap file plus its env, through the real schema', () => {
    // Throws the loader's own message, which names every bad key.
    for (const podName of podNames(o)) expect(podConfig(o, podName)).toBeDefined();
  });
});

// ---- long-running services: probes, shutdown, metrics ------------------------------------

describe.each(workloads.map((o) => [`${o.kind} ${o.metadata.name}`, o] as const))('%s', (_, o) => {
  const component = componentOf(o);
  const container = mainContainer(o);
  // Lazily, so that an invalid config fails these tests with its message, not the collection.
  const config = (): Config => podConfig(o);
  const adminPort = (): number => portOf(config()[COMPONENTS[component].section].adminAddress);

  it('runs its service subcommand', () => {
    expect(container.args).toEqual([COMPONENTS[component].command]);
  });

  it('selects the pods of its own template', () => {
    expect(selects(matchLabels(o), template(o).metadata.labels)).toBe(true);
  });

  it('listens for admin requests on all interfaces, on a port the container declares', () => {
    const address = config()[COMPONENTS[component].section].adminAddress;
    expect(address.startsWith('0.0.0.0:')).toBe(true);
    expect(container.ports?.map((p) => p.containerPort)).toContain(adminPort());
  });

  it('probes /readyz for readiness and /healthz for liveness on the admin port', () => {
    const probes = {
      readinessProbe: '/readyz',
      livenessProbe: '/healthz',
      startupProbe: '/healthz',
    } as const;
    for (const [kind, expected] of Object.entries(probes)) {
      const probe = container[kind as keyof typeof probes];
      if (kind === 'startupProbe' && !probe) continue;
      expect(probe?.httpGet?.path, kind).toBe(expected);
      expect(resolvePort(container, probe?.httpGet?.port), `${kind} port`).toBe(adminPort());
    }
  });

  it('gives the preStop sleep and the shutdown deadline time before SIGKILL', () => {
    const graceSeconds = template(o).spec.terminationGracePeriodSeconds ?? 30;
    const neededSeconds =
      preStopSeconds(container) + shutdownDeadlineMs(component, config()) / 1000;
    expect(graceSeconds).toBeGreaterThan(neededSeconds);
  });

  it('is scraped by Prometheus at /metrics on the admin port', () => {
    const a = template(o).metadata.annotations ?? {};
    expect(a['prometheus.io/scrape']).toBe('true');
    expect(a['prometheus.io/path']).toBe('/metrics');
    expect(Number(a['prometheus.io/port'])).toBe(adminPort());
  });

  it('is exposed on its admin port by a Service', () => {
    const services = ofKind('Service').filter((s) =>
      selects(matchLabels(s), template(o).metadata.labels),
    );
    const ports = services.flatMap((s) =>
      (s.spec?.ports ?? []).map((p) => resolvePort(container, p.targetPort ?? p.port)),
    );
    expect(ports).toContain(adminPort());
  });

  it('has a PodDisruptionBudget', () => {
    const pdbs = ofKind('PodDisruptionBudget').filter((p) =>
      selects(matchLabels(p), template(o).metadata.labels),
    );
    expect(pdbs).toHaveLength(1);
  });
});

// ---- per-component wiring ----------------------------------------------------------------

describe('ingest', () => {
  const ingest = named('Deployment', 'telepipe-ingest')!;
  const container = mainContainer(ingest);
  const config = (): Config => podConfig(ingest);

  it('declares the OTLP ports it is configured to listen on, and its Service exposes them', () => {
    const service = named('Service', 'telepipe-ingest')!;
    for (const [address, port] of [
      [config().ingest.grpc.address, 4317],
      [config().ingest.http.address, 4318],
    ] as const) {
      expect(portOf(address)).toBe(port);
      expect(container.ports?.map((p) => p.containerPort)).toContain(port);
      const exposed = service.spec?.ports?.find((p) => p.port === port);
      expect(exposed, `Service port ${port}`).toBeDefined();
      expect(resolvePort(container, exposed!.targetPort ?? exposed!.port)).toBe(port);
    }
  });

  it('requires bearer tokens, from the tokens Secret', () => {
    expect(config().ingest.auth.required).toBe(true);
    expect(Object.values(config().ingest.auth.tokens)).toEqual(['team-a', 'team-b']);
  });
});

describe('processor', () => {
  const processor = named('Deployment', 'telepipe-processor')!;
  const container = mainContainer(processor);
  const config = (): Config => podConfig(processor);

  it('mounts the redaction keyring Secret at redaction.keyring.path', () => {
    const file = config().redaction.keyring.path;
    const mount = container.volumeMounts?.find((m) => m.mountPath === path.dirname(file));
    expect(mount, `a volume mounted at ${path.dirname(file)}`).toBeDefined();
    const secret = template(processor).spec.volumes?.find((v) => v.name === mount!.name)?.secret;
    expect(secret?.secretName).toBe('telepipe-redaction-keyring');
    const key =
      secret?.items?.find((i) => i.path === path.basename(file))?.key ?? path.basename(file);
    expect(Object.keys(named('Secret', secret!.secretName)!.stringData ?? {})).toContain(key);
  });

  it('gets the ClickHouse password from its Secret, parsed as a string', () => {
    expect(config().clickhouse.password).toBe('s3cret: 1234');
  });
});

describe('worker', () => {
  const worker = named('StatefulSet', 'telepipe-worker')!;
  const container = mainContainer(worker);

  it('has one shard per replica, each pod owning the shard of its ordinal', () => {
    const replicas = worker.spec?.replicas ?? 1;
    podNames(worker).forEach((podName, ordinal) => {
      const config = podConfig(worker, podName);
      expect(config.worker.shard.count).toBe(replicas);
      const fromName = /-(\d+)$/.exec(config.worker.shard.podName || podName);
      expect(Number(fromName?.[1])).toBe(ordinal);
      expect(config.worker.page.externalUrl).toContain(`${podName}.${worker.spec?.serviceName}.`);
    });
  });

  it('is governed by a headless Service', () => {
    const service = named('Service', worker.spec?.serviceName ?? '');
    expect(service?.spec?.clusterIP).toBe('None');
    expect(selects(matchLabels(service!), template(worker).metadata.labels)).toBe(true);
  });

  it('keeps worker.model.dir on the models PersistentVolumeClaim', () => {
    // The services run in the image's WORKDIR, so a relative model dir is resolved there.
    const workdirs = [
      ...readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^WORKDIR\s+(\S+)/gm),
    ];
    const workdir = workdirs.at(-1)?.[1] ?? '/';
    const dir = path.resolve(workdir, podConfig(worker).worker.model.dir);
    const mount = container.volumeMounts?.find((m) => m.mountPath === dir);
    expect(mount, `a volume mounted at ${dir}`).toBeDefined();
    const volume = template(worker).spec.volumes?.find((v) => v.name === mount!.name);
    expect(volume?.persistentVolumeClaim).toBeDefined();
  });
});

// ---- autoscaling -------------------------------------------------------------------------

describe('HorizontalPodAutoscalers', () => {
  const hpas = ofKind('HorizontalPodAutoscaler');

  it('scale the ingest and processor Deployments', () => {
    const targets = hpas.map((h) => h.spec?.scaleTargetRef?.name).sort();
    expect(targets).toEqual(['telepipe-ingest', 'telepipe-processor']);
  });

  it.each(hpas.map((h) => [h.metadata.name, h] as const))('%s', (_, hpa) => {
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    const ref = hpa.spec!.scaleTargetRef!;
    const target = named(ref.kind, ref.name);
    expect(target, `${ref.kind}/${ref.name}`).toBeDefined();
    expect(ref.apiVersion).toBe(target!.apiVersion);
    // Otherwise every apply resets the count the HPA chose.
    expect(target!.spec?.replicas).toBeUndefined();
    expect(hpa.spec!.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec!.minReplicas).toBeLessThanOrEqual(hpa.spec!.maxReplicas!);
    const cpu = hpa.spec!.metrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
    expect(cpu?.resource?.target.type).toBe('Utilization');
    // CPU utilization is relative to the request.
    expect(mainContainer(target!).resources?.requests?.cpu).toBeDefined();
  });

  it('do not add processors beyond the partitions of a topic (they would idle)', () => {
    const hpa = hpas.find((h) => h.spec?.scaleTargetRef?.name === 'telepipe-processor')!;
    const config = podConfig(named('Deployment', 'telepipe-processor')!);
    expect(hpa.spec!.maxReplicas).toBeLessThanOrEqual(config.kafka.partitions);
  });
});

describe('Services and PodDisruptionBudgets', () => {
  it.each(
    [...ofKind('Service'), ...ofKind('PodDisruptionBudget')].map(
      (o) => [`${o.kind} ${o.metadata.name}`, o] as const,
    ),
  )('%s selects exactly one workload, on ports its container declares', (_, o) => {
    const targets = workloads.filter((w) => selects(matchLabels(o), template(w).metadata.labels));
    expect(targets).toHaveLength(1);
    for (const p of o.spec?.ports ?? []) {
      expect(resolvePort(mainContainer(targets[0]!), p.targetPort ?? p.port), p.name).toBeDefined();
    }
  });
});

// ---- secrets -----------------------------------------------------------------------------

describe('secrets', () => {
  it('the ConfigMap holds no secret values', () => {
    const leaks: string[] = [];
    const walk = (value: unknown, at: string): void => {
      if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) walk(v, at ? `${at}.${k}` : k);
      } else if (
        /password|token|secret|hmackey|(^|\.)keys?$/i.test(at) &&
        // `…File` keys name a mounted Secret's path, not its value.
        !/File$/.test(at) &&
        value !== '' &&
        value != null
      ) {
        leaks.push(at);
      }
    };
    walk(rawConfig, '');
    expect(leaks).toEqual([]);
    for (const cm of ofKind('ConfigMap')) {
      expect(JSON.stringify(cm.data)).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    }
  });

  it('the Secret templates hold only marked placeholders, as stringData', () => {
    const secrets = ofKind('Secret');
    expect(secrets.map((s) => s.metadata.name).sort()).toEqual([
      'telepipe-clickhouse',
      'telepipe-ingest-tokens',
      'telepipe-redaction-keyring',
      'telepipe-worker-tokens',
    ]);
    for (const s of secrets) {
      // `data` would be base64 and hide whether a real value was committed.
      expect(s.data, s.metadata.name).toBeUndefined();
      for (const [key, value] of Object.entries(s.stringData ?? {})) {
        expect(value, `${s.metadata.name}/${key}`).toContain('REPLACE_ME');
      }
    }
  });

  it('the placeholders fail closed: no usable key, no accepted token map', () => {
    const keyring = parseYaml(
      named('Secret', 'telepipe-redaction-keyring')!.stringData!['keyring.yaml']!,
    ) as { hmacKey: string; keys: { key: string }[] };
    for (const key of [keyring.hmacKey, ...keyring.keys.map((k) => k.key)]) {
      expect(Buffer.from(key, 'base64').length).not.toBe(32);
    }
    const ingest = named('Deployment', 'telepipe-ingest')!;
    const env = containerEnv(mainContainer(ingest), 'telepipe-ingest-0');
    env.TELEPIPE_INGEST__AUTH__TOKENS = named(
      'Secret',
      'telepipe-ingest-tokens',
    )!.stringData!.tokens!;
    expect(() => parseConfig(applyEnvOverrides(rawConfig, env))).toThrow(/ingest\.auth\.tokens/);
  });
});
