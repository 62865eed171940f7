// Runs on `npm install` / `npm ci`: makes sure the OTLP .proto files are present in
// .telepipe/proto. They come from Maven Central (see pom.xml beside this file) because
// no maintained npm package ships them.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const marker = join(
  here,
  '../../.telepipe/proto/opentelemetry/proto/collector/trace/v1/trace_service.proto',
);

if (!existsSync(marker)) {
  const result = spawnSync('mvn', ['-q', '-B', '-f', join(here, 'pom.xml'), 'package'], {
    stdio: 'inherit',
  });
  if (result.error || result.status !== 0) {
    console.error(
      'telepipe: could not fetch the OTLP .proto files with Maven ' +
        '(io.opentelemetry.proto:opentelemetry-proto). Install Java 17+ and Maven, make sure ' +
        'Maven Central is reachable, then run `npm rebuild telepipe` or `node infra/otlp/install-protos.mjs`.',
    );
    process.exit(1);
  }
}
