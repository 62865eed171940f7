// Installing the servers' prerequisites: Debian packages with apt-get, Kafka's jars with
// Maven. Each failure says what is missing and the command that fixes it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { TelepipeError } from '../../lib/errors.ts';

let aptUpdated = false;

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return {
    ok: !result.error && result.status === 0,
    output: result.error ? String(result.error) : output,
  };
}

/** Installs a Debian package with apt-get unless `binary` already exists. */
export function ensureDebianPackage(pkg: string, binary: string): void {
  if (existsSync(binary)) return;
  const isRoot = process.getuid?.() === 0;
  const apt = isRoot ? 'apt-get' : 'sudo';
  const prefix = isRoot ? [] : ['-n', 'apt-get'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    run(apt, [...prefix, 'update', '-qq'], env);
    aptUpdated = true;
  }
  const result = run(apt, [...prefix, 'install', '-y', '-q', pkg], env);
  if (!result.ok || !existsSync(binary)) {
    throw new TelepipeError(
      'config',
      `could not install the Debian package ${pkg} (${binary} is missing). ` +
        `Run \`sudo apt-get update && sudo apt-get install -y ${pkg}\` and try again.\n${result.output.slice(-2000)}`,
    );
  }
}

/** Resolves the Kafka broker jars from Maven Central into `libsDir` (infra/kafka/pom.xml). */
export function ensureKafkaJars(pomFile: string, libsDir: string): void {
  const hasBroker =
    existsSync(libsDir) && readdirSync(libsDir).some((f) => /^kafka_2\.13-.*\.jar$/.test(f));
  if (hasBroker) return;
  if (!run('java', ['-version']).ok) {
    throw new TelepipeError(
      'config',
      'Kafka needs Java 17 or newer: `java` was not found. Install a JDK (e.g. `apt-get install -y openjdk-17-jre-headless`).',
    );
  }
  const result = run('mvn', ['-q', '-B', '-f', pomFile, 'package']);
  if (!result.ok) {
    throw new TelepipeError(
      'config',
      `could not resolve the Kafka jars with Maven (${pomFile}). Install Maven (\`apt-get install -y maven\`) ` +
        `and make sure Maven Central is reachable.\n${result.output.slice(-2000)}`,
    );
  }
}
