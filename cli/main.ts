// The `telepipe` command line: one subcommand per service and tool. Each command loads
// its part lazily, so `--help` is instant and a part's dependencies load only when used.
import path from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig, type Config } from '../lib/config/index.ts';
import { invalidArgument, TelepipeError } from '../lib/errors.ts';
import { DEFAULT_ALERT_POLICY, type AlertPolicy } from '../models/alerts.ts';
import { METHOD_NAMES, SPLITS, type MethodName, type Split } from '../models/evaluation/names.ts';
import type { ResolvedModel } from '../models/score-grid.ts';
import {
  listParser,
  parseFraction,
  parsePositiveInt,
  parsePositiveNumber,
  parseSha256,
} from './options.ts';

const program = new Command('telepipe')
  .description(
    'OpenTelemetry pipeline for Go services: OTLP ingest → Kafka → redaction → ClickHouse, with LSTM anomaly alerts',
  )
  .option(
    '-c, --config <file>',
    'YAML config file (default: $TELEPIPE_CONFIG, else built-in defaults for the local stack)',
  )
  .showHelpAfterError();

function config(): Config {
  return loadConfig({ path: program.opts<{ config?: string }>().config });
}

/** Runs a command body; typed errors become one clear line and a non-zero exit. */
function action<A extends unknown[]>(
  body: (...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await body(...args);
      if (typeof code === 'number' && code !== 0) process.exitCode = code;
    } catch (err) {
      const message =
        err instanceof TelepipeError || err instanceof Error ? err.message : String(err);
      process.stderr.write(`telepipe: ${message}\n`);
      process.exitCode = err instanceof TelepipeError && err.reason === 'config' ? 2 : 1;
    }
  };
}

program
  .command('ingest')
  .description('run the OTLP ingest service (gRPC :4317, HTTP :4318) writing to Kafka')
  .action(
    action(async () => {
      const { runIngest } = await import('../services/ingest/main.ts');
      await runIngest(config());
    }),
  );
program
  .command('process')
  .description('run the stream processor: Kafka → redaction → ClickHouse')
  .action(
    action(async () => {
      const { runProcessor } = await import('../services/processor/main.ts');
      await runProcessor(config());
    }),
  );
program
  .command('detect')
  .description('run the LSTM anomaly worker: ClickHouse series → scores → Alertmanager')
  .action(
    action(async () => {
      const { runWorker } = await import('../services/anomaly-worker/main.ts');
      await runWorker(config());
    }),
  );
program
  .command('all')
  .description('run ingest, processor and worker in one process (brings the local stack up first)')
  .option('--no-stack', 'do not start the local stack (use the servers in the config)')
  .option('--no-example', 'do not build and start the example Go service')
  .action(
    action(async (opts: { stack: boolean; example: boolean }) => {
      const { runAll } = await import('./pipeline.ts');
      await runAll(config(), { stack: opts.stack, example: opts.example });
    }),
  );
program
  .command('migrate')
  .description('create or upgrade the ClickHouse schema (idempotent)')
  .action(
    action(async () => {
      const { runMigrations } = await import('../lib/clickhouse/migrate.ts');
      const cfg = config();
      const result = await runMigrations(cfg);
      console.log(
        result.applied.length > 0
          ? `applied migrations ${result.applied.join(', ')}; schema version ${result.version} (${result.dialect} dialect)`
          : `schema already at version ${result.version} (${result.dialect} dialect); nothing to do`,
      );
      const { applyConfiguredTenants } = await import('./tenants.ts');
      for (const line of await applyConfiguredTenants(cfg)) console.log(line);
    }),
  );

const tenants = program
  .command('tenants')
  .description(
    'read-only ClickHouse users per tenant, each reading only its own rows (docs/tenants.md)',
  );
tenants
  .command('add')
  .description("create (or bring in line) the tenant's user; prints a generated password once")
  .argument('<tenant>', 'the TenantId value the user may read')
  .option(
    '--password-sha256 <hex>',
    "sha256 of the password to set (default: keep an existing user's, generate one for a new user)",
    parseSha256,
  )
  .action(
    action(async (tenant: string, opts: { passwordSha256?: string }) => {
      const { tenantsAdd } = await import('./tenants.ts');
      console.log(await tenantsAdd(config(), tenant, opts.passwordSha256));
    }),
  );
tenants
  .command('list')
  .description('the tenant users on the server')
  .option('--json', 'print them as JSON')
  .action(
    action(async (opts: { json?: boolean }) => {
      const { tenantsList } = await import('./tenants.ts');
      console.log(await tenantsList(config(), opts.json ?? false));
    }),
  );
tenants
  .command('remove')
  .description("drop the tenant's user (and, on 18.16, its copy database)")
  .argument('<tenant>', 'the TenantId value')
  .action(
    action(async (tenant: string) => {
      const { tenantsRemove } = await import('./tenants.ts');
      console.log(await tenantsRemove(config(), tenant));
    }),
  );
program
  .command('train')
  .description('train the anomaly models from ClickHouse history')
  .option(
    '--hours <n>',
    'history to learn from, ending now (default worker.retrain.historyHours)',
    Number,
  )
  .option('--epochs <n>', 'training epochs (default worker.retrain.epochs)', Number)
  .option('--out <dir>', 'root folder of saved models (default worker.model.dir)')
  .action(
    action(async (opts: { hours?: number; epochs?: number; out?: string }) => {
      const { runTrain } = await import('../services/anomaly-worker/main.ts');
      const result = await runTrain(config(), {
        hours: opts.hours,
        epochs: opts.epochs,
        outDir: opts.out,
        output: process.stderr,
      });
      console.log(
        `saved ${result.path} (validation MSE ${result.metadata.validation.mse.toFixed(4)})`,
      );
    }),
  );
program
  .command('score')
  .description('score a CSV of series offline, causally (backtesting)')
  .argument('<input>', 'CSV with a timestamp column and one or more value columns')
  .option('-o, --output <file>', 'scored CSV to write', 'scored.csv')
  .option('--timestamp-column <name>', 'name of the timestamp column')
  .option(
    '--model <dir>',
    'saved model folder or version (default: the newest under worker.model.dir/worker.model.name, else the online detector)',
  )
  .option(
    '--train-fraction <F>',
    'train a model on the first F of the rows (0 ≤ F < 1) and score the whole file with it; too short a part falls back to the online detector',
    parseFraction,
    0,
  )
  .action(
    action(
      async (
        input: string,
        opts: { output: string; timestampColumn?: string; model?: string; trainFraction: number },
      ) => {
        if (opts.model !== undefined && opts.trainFraction > 0) {
          throw invalidArgument('--model and --train-fraction exclude each other: pick one');
        }
        const { scoreCsv } = await import('../models/score-csv.ts');
        const resolved = opts.trainFraction > 0 ? null : await scoringModel(opts.model);
        const result = await scoreCsv({
          input,
          output: opts.output,
          timestampColumn: opts.timestampColumn,
          model: resolved?.model ?? null,
          trainFraction: opts.trainFraction,
          notify: (message) => process.stderr.write(`telepipe score: ${message}\n`),
        });
        const how = {
          given: `the model ${result.modelVersion} (${resolved?.source})`,
          trained: `a model trained on the first ${result.trainedOnRows} rows`,
          none: 'the online detector (no model)',
        }[result.model];
        console.log(
          `${result.rows} rows scored with ${how}: ${result.anomalousRows} anomalous; written to ${opts.output}`,
        );
      },
    ),
  );

/** The model `score` and `evaluate` use by default: --model, else the configured folder's newest. */
async function scoringModel(model: string | undefined): Promise<ResolvedModel | null> {
  const { resolveScoringModel } = await import('../models/score-grid.ts');
  const { model: m } = config().worker;
  return resolveScoringModel({ model, modelDir: path.join(m.dir, m.name) });
}
program
  .command('evaluate')
  .description(
    'score labelled series with the NAB rules and event precision/recall/F0.5, beside a rolling z-score baseline',
  )
  .argument(
    '[files...]',
    'labelled CSVs: NAB files with --windows, or any CSV with a 0/1 label column',
  )
  .option('--windows <file>', "NAB windows JSON for the files (NAB's combined_windows.json format)")
  .addOption(
    new Option('--split <split>', 'evaluate a split of --data instead of files').choices([
      ...SPLITS,
    ]),
  )
  .option(
    '--data <dir>',
    'labelled data folder for --split and for tuning the baseline (default: bench/data/nab, NAB server and service metrics)',
  )
  .option(
    '--train-fraction <F>',
    'telepipe trains a model on the first F of each file (0 ≤ F < 1); 0: the saved model, else the online detector',
    parseFraction,
    0.15,
  )
  .option(
    '--alert-persist <n>',
    "an alert fires after n consecutive anomalous steps (default: the worker's 45 s in the file's steps, at least 1)",
    parsePositiveInt,
  )
  .option(
    '--alert-resolve <n>',
    "an alert resolves after n consecutive normal steps (default: the worker's 60 s in the file's steps, at least 1)",
    parsePositiveInt,
  )
  .addOption(
    new Option('--methods <list>', 'methods to compare, comma-separated')
      .argParser(listParser(METHOD_NAMES))
      .default([...METHOD_NAMES], METHOD_NAMES.join(',')),
  )
  .option(
    '--baseline-k <k>',
    "rolling-z's threshold on |z| (default: tuned on the tuning split of --data)",
    parsePositiveNumber,
  )
  .option('--json <file>', 'also write the results as JSON')
  .option('--verbose', 'print a row per file and method too')
  .action(
    action(async (files: string[], opts: EvaluateFlags) => {
      const { runEvaluate, DEFAULT_DATA_DIR } = await import('../models/evaluation/command.ts');
      return runEvaluate(
        {
          files,
          windows: opts.windows,
          split: opts.split,
          data: opts.data ?? DEFAULT_DATA_DIR,
          trainFraction: opts.trainFraction,
          policy: fixedPolicy(opts),
          methods: opts.methods,
          baselineK: opts.baselineK,
          verbose: opts.verbose ?? false,
          json: opts.json,
          loadModel: () => scoringModel(undefined),
        },
        { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
      );
    }),
  );

/**
 * The alert policy the flags fix for every file; none given: the worker's default timing in each
 * file's own steps. One flag alone takes the other from the worker's default at 15 s.
 */
function fixedPolicy(flags: EvaluateFlags): AlertPolicy | undefined {
  if (flags.alertPersist === undefined && flags.alertResolve === undefined) return undefined;
  return {
    persistSteps: flags.alertPersist ?? DEFAULT_ALERT_POLICY.persistSteps,
    resolveSteps: flags.alertResolve ?? DEFAULT_ALERT_POLICY.resolveSteps,
  };
}

interface EvaluateFlags {
  windows?: string;
  split?: Split;
  data?: string;
  trainFraction: number;
  alertPersist?: number;
  alertResolve?: number;
  methods: MethodName[];
  baselineK?: number;
  json?: string;
  verbose?: boolean;
}

program
  .command('redact')
  .description('redact personal data from stdin lines (or JSON records with --json) to stdout')
  .option('--json', 'each line is a JSON value (OTLP/JSON requests are recognised)')
  .action(
    action(async (opts: { json?: boolean }) => {
      const { runRedactCommand } = await import('../lib/redaction/cli.ts');
      return runRedactCommand({
        json: opts.json ?? false,
        configPath: program.opts<{ config?: string }>().config,
        stdin: process.stdin,
        stdout: process.stdout,
      });
    }),
  );
program
  .command('reveal')
  .description('decrypt a value encrypted by the redaction keyring')
  .argument('<value>', 'an enc:v1:… value, or text containing some')
  .option('--keyring <file>', 'keyring file (default: the one the config names)')
  .action(
    action(async (value: string, opts: { keyring?: string }) => {
      const { runRevealCommand } = await import('../lib/redaction/cli.ts');
      return runRevealCommand({
        value,
        keyringPath: opts.keyring,
        configPath: program.opts<{ config?: string }>().config,
      });
    }),
  );
program
  .command('doctor')
  .description('check config, servers, schema, ports and models, and say what to fix')
  .option('--json', 'print the results as JSON')
  .action(
    action(async (opts: { json?: boolean }) => {
      const { runDoctor, formatChecks } = await import('./doctor.ts');
      const results = await runDoctor(program.opts<{ config?: string }>().config);
      console.log(opts.json ? JSON.stringify(results, null, 2) : formatChecks(results));
      return results.some((r) => r.status === 'fail') ? 1 : 0;
    }),
  );

const stack = program
  .command('stack')
  .description('the local stack of real servers: Kafka, ClickHouse, Alertmanager');
stack
  .command('up')
  .description('install (if missing) and start the servers; returns when all are healthy')
  .addOption(
    new Option('--mode <mode>', 'native servers or docker-compose').choices([
      'auto',
      'native',
      'docker',
    ]),
  )
  .action(
    action(async (opts: { mode?: 'auto' | 'native' | 'docker' }) => {
      const { stackUp, formatStatus } = await import('../infra/stack/stack.ts');
      const cfg = config();
      if (opts.mode) cfg.stack.mode = opts.mode;
      console.log(formatStatus(await stackUp(cfg)));
    }),
  );
stack
  .command('down')
  .description('stop the servers this stack started')
  .action(
    action(async () => {
      const { stackDown } = await import('../infra/stack/stack.ts');
      await stackDown(config());
    }),
  );
stack
  .command('status')
  .description('print each server with its port and state; exit 1 unless all are healthy')
  .action(
    action(async () => {
      const { stackStatus, formatStatus } = await import('../infra/stack/stack.ts');
      const statuses = await stackStatus(config());
      console.log(formatStatus(statuses));
      return statuses.every((s) => s.state === 'running' || s.state === 'external') ? 0 : 1;
    }),
  );

await program.parseAsync(process.argv);
