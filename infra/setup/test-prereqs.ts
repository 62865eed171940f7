// `npm test` runs this first: it installs or verifies everything the tests need beyond
// `npm ci`, so a fresh machine needs only the README's two commands. Quick when all is
// present (file checks and one Python call); otherwise it installs what is missing and
// fails loudly, naming the command that fixes it, when it cannot.
//
//   tsx infra/setup/test-prereqs.ts [--project unit|integration]...
//
// - Debian packages (apt-get, as root or with passwordless sudo): the servers of the
//   local stack, Chromium for the alert page, and the toolchains the tests build with.
// - Pip packages, pinned, in a project-local virtual environment (.telepipe/venv) so the
//   system Python is left alone; vitest.config.ts puts its bin/ first on the tests' PATH.
// - The OpenTelemetry Collector for the interop tests, built once from the Go module
//   proxy into ~/.cache/telepipe (bench/peer/collector.ts).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCollector } from '../../bench/peer/collector.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const VENV = join(REPO_ROOT, '.telepipe', 'venv');

type Project = 'unit' | 'integration';
const ALL: Project[] = ['unit', 'integration'];

/** A Debian package the tests need, found by the file they run (or a command on PATH). */
interface SystemRequirement {
  apt: string;
  /** Absolute path the tests use, or a bare command looked up on PATH. */
  provides: string;
  why: string;
  projects: Project[];
}

export const SYSTEM_REQUIREMENTS: SystemRequirement[] = [
  {
    apt: 'clickhouse-server',
    provides: '/usr/sbin/clickhouse-server',
    why: 'the local stack’s ClickHouse (18.16, old dialect)',
    projects: ['integration'],
  },
  {
    apt: 'clickhouse-client',
    provides: '/usr/bin/clickhouse-client',
    why: 'the local stack’s ClickHouse client',
    projects: ['integration'],
  },
  {
    apt: 'prometheus-alertmanager',
    provides: '/usr/bin/prometheus-alertmanager',
    why: 'the local stack’s Alertmanager',
    projects: ['integration'],
  },
  {
    apt: 'chromium',
    provides: '/usr/bin/chromium',
    why: 'the alert page test (playwright-core drives this browser)',
    projects: ['integration'],
  },
  {
    apt: 'default-jre-headless',
    provides: 'java',
    why: 'Kafka (the local stack)',
    projects: ['integration'],
  },
  {
    apt: 'golang-go',
    provides: 'go',
    why: 'the example Go service and the OpenTelemetry Collector build',
    projects: ['integration'],
  },
  {
    apt: 'python3',
    provides: 'python3',
    why: 'chDB and kubernetes-validate',
    projects: ALL,
  },
];

/** Pip packages, pinned: the versions the tests were written against. */
export const PIP_REQUIREMENTS: { name: string; version: string; why: string }[] = [
  { name: 'chdb', version: '4.4.0', why: 'a current ClickHouse engine in-process' },
  {
    name: 'kubernetes-validate',
    version: '1.37.0',
    why: 'offline schema validation of infra/k8s',
  },
];

export interface PrereqOptions {
  projects?: Project[];
  log?: (line: string) => void;
}

/** Installs or verifies every prerequisite of the given vitest projects. */
export async function ensureTestPrereqs(options: PrereqOptions = {}): Promise<void> {
  const projects = options.projects ?? ALL;
  const log = options.log ?? ((line: string) => process.stderr.write(`[prereqs] ${line}\n`));
  const started = Date.now();
  const needed = SYSTEM_REQUIREMENTS.filter((r) => r.projects.some((p) => projects.includes(p)));
  const missing = needed.filter((r) => !present(r.provides));
  if (missing.length > 0) {
    installDebianPackages(
      missing.map((r) => r.apt),
      missing.map((r) => `${r.apt} (${r.provides}: ${r.why})`).join('; '),
      () => missing.filter((r) => !present(r.provides)).map((r) => r.apt),
      log,
    );
  }
  const pip = ensureVenv(log);
  const parts = [...needed.map((r) => r.apt), ...pip];
  if (projects.includes('integration')) {
    const collector = await ensureCollector({ log });
    parts.push(`otelcol (${collector})`);
  }
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${parts.join(', ')}`);
}

function present(provides: string): boolean {
  if (provides.startsWith('/')) return existsSync(provides);
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, provides), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return {
    ok: !result.error && result.status === 0,
    output: result.error ? String(result.error) : output,
  };
}

/** apt-get as root, or through passwordless sudo; undefined when neither is possible. */
function aptCommand(): string[] | undefined {
  if (!present('apt-get')) return undefined;
  if (process.getuid?.() === 0) return ['apt-get'];
  if (present('sudo') && run('sudo', ['-n', 'true']).ok) return ['sudo', '-n', 'apt-get'];
  return undefined;
}

/**
 * Installs `names` with apt-get; `stillMissing` checks the result. `what` says what they
 * are for in the error when they cannot be installed.
 */
function installDebianPackages(
  names: string[],
  what: string,
  stillMissing: () => string[],
  log: (line: string) => void,
): void {
  const fix = `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${names.join(' ')}`;
  const apt = aptCommand();
  if (!apt) {
    throw new Error(
      `missing: ${what}. They are installed with apt-get, which needs root or passwordless ` +
        `sudo (or a Debian-like system); install them yourself: \`${fix}\`, then run \`npm test\` again.`,
    );
  }
  const [command, ...prefix] = apt as [string, ...string[]];
  log(`installing Debian packages: ${names.join(', ')}`);
  const update = run(command, [...prefix, 'update', '-qq']);
  if (!update.ok) {
    log(
      `apt-get update failed (installing with the package lists there are):\n${tail(update.output)}`,
    );
  }
  const install = run(command, [
    ...prefix,
    'install',
    '-y',
    '-q',
    '--no-install-recommends',
    ...names,
  ]);
  const still = stillMissing();
  if (!install.ok || still.length > 0) {
    throw new Error(
      `could not install ${(still.length > 0 ? still : names).join(', ')} with apt-get (${what}); ` +
        `run \`${fix}\` and look at its output.\n${tail(install.output)}`,
    );
  }
}

/** Creates .telepipe/venv if needed and installs the pinned pip packages; returns "name version". */
function ensureVenv(log: (line: string) => void): string[] {
  const python = join(VENV, 'bin', 'python3');
  if (!existsSync(python)) {
    log(`creating the virtual environment ${VENV}`);
    let created = run('python3', ['-m', 'venv', VENV]);
    if (!created.ok && /ensurepip|venv/.test(created.output)) {
      // Debian's python3 ships venv support in a separate package.
      installDebianPackages(['python3-venv'], 'python3-venv (for python3 -m venv)', () => [], log);
      created = run('python3', ['-m', 'venv', '--clear', VENV]);
    }
    if (!created.ok) {
      throw new Error(
        `could not create ${VENV} with \`python3 -m venv\` (on Debian: \`apt-get install python3-venv\`).\n${tail(created.output)}`,
      );
    }
  }
  const wanted = PIP_REQUIREMENTS.map((p) => `${p.name}==${p.version}`);
  if (installedVersions(python).join(' ') === wanted.join(' ')) return wanted;
  log(`installing pip packages into ${VENV}: ${wanted.join(' ')}`);
  const pip = run(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', ...wanted]);
  if (!pip.ok || installedVersions(python).join(' ') !== wanted.join(' ')) {
    throw new Error(
      `could not install ${wanted.join(' ')} into ${VENV} with pip (it needs PyPI); ` +
        `run \`${python} -m pip install ${wanted.join(' ')}\` and look at its output.\n${tail(pip.output)}`,
    );
  }
  return wanted;
}

/** "name==version" of each pip requirement as installed in the venv ("name==" when absent). */
function installedVersions(python: string): string[] {
  const script =
    'import importlib.metadata as m, sys\n' +
    'for n in sys.argv[1:]:\n' +
    '    try: print(n + "==" + m.version(n))\n' +
    '    except m.PackageNotFoundError: print(n + "==")\n';
  const result = run(python, ['-c', script, ...PIP_REQUIREMENTS.map((p) => p.name)]);
  return result.ok ? result.output.trim().split('\n') : [];
}

function tail(output: string): string {
  return output.trim().split('\n').slice(-20).join('\n');
}

function parseProjects(args: string[]): Project[] {
  const projects: Project[] = [];
  for (let i = 0; i < args.length; i++) {
    const value = args[i] === '--project' ? args[++i] : undefined;
    if (value !== 'unit' && value !== 'integration') {
      throw new Error(
        `usage: test-prereqs.ts [--project unit|integration]... (got ${args.join(' ')})`,
      );
    }
    projects.push(value);
  }
  return projects.length > 0 ? projects : ALL;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureTestPrereqs({ projects: parseProjects(process.argv.slice(2)) }).catch((err: unknown) => {
    process.stderr.write(`[prereqs] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
