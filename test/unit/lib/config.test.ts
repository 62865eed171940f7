import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../lib/config/index.ts';

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'telepipe-config-')), name);
  writeFileSync(file, text);
  return file;
}

describe('configuration', () => {
  it('runs against the local stack with no file at all', () => {
    const config = loadConfig({ env: {} });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.kafka.topics).toMatchObject({
      metrics: 'otlp_metrics',
      logs: 'otlp_logs',
      traces: 'otlp_spans',
    });
    expect(config.clickhouse.url).toBe('http://127.0.0.1:8123');
    expect(config.alertmanager.urls).toEqual(['http://127.0.0.1:9093']);
  });

  it('reads the YAML file named by TELEPIPE_CONFIG and lets the environment override it', () => {
    const file = tempFile(
      't.yaml',
      'kafka:\n  brokers: [k1:9092]\nclickhouse:\n  database: prod\n  retentionDays: 7\n',
    );
    const config = loadConfig({
      env: {
        TELEPIPE_CONFIG: file,
        TELEPIPE_CLICKHOUSE__RETENTION_DAYS: '14',
        TELEPIPE_KAFKA__BROKERS: 'a:1, b:2',
      },
    });
    expect(config.clickhouse.database).toBe('prod');
    expect(config.clickhouse.retentionDays).toBe(14);
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
  });

  it('reaches snake_case keys from the environment too', () => {
    const config = loadConfig({
      env: { TELEPIPE_WORKER__SIGNALS__GC_PAUSE_P99: '[{metric: my_gc_p99, read: gauge}]' },
    });
    expect(config.worker.signals.gc_pause_p99[0]).toMatchObject({
      metric: 'my_gc_p99',
      read: 'gauge',
    });
  });

  it('ignores TELEPIPE_* variables that are not overrides, such as Kubernetes service links', () => {
    const config = loadConfig({
      env: { TELEPIPE_INGEST_PORT: 'tcp://10.0.0.1:4317', TELEPIPE_KAFKA__CLIENT_ID: 'x' },
    });
    expect(config.kafka.clientId).toBe('x');
  });

  it('names every bad key and the expected value', () => {
    expect(() =>
      parseConfig({ kafka: { brokers: 5, partitionz: 3 }, clickhouse: { url: 'not a url' } }),
    ).toThrow(
      /kafka\.brokers: .*expected array[\s\S]*kafka: Unrecognized key: "partitionz"[\s\S]*clickhouse\.url: Invalid URL/,
    );
  });

  it('rejects unknown sections and bad enum values', () => {
    expect(() => parseConfig({ kafak: {} })).toThrow(/Unrecognized key: "kafak"/);
    expect(() => parseConfig({ log: { level: 'loud' } })).toThrow(/log\.level: .*"info"/);
  });

  it('explains unreadable and malformed files', () => {
    expect(() => loadConfig({ path: '/nonexistent/telepipe.yaml', env: {} })).toThrow(
      /cannot read config file/,
    );
    expect(() => loadConfig({ path: tempFile('bad.yaml', 'kafka: [unclosed'), env: {} })).toThrow(
      /not valid YAML/,
    );
    expect(() => loadConfig({ path: tempFile('list.yaml', '- a\n- b\n'), env: {} })).toThrow(
      /YAML mapping/,
    );
  });
});
