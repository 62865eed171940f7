// The one module that knows which Kafka client library telepipe uses (kafkajs today).
// Services import the narrow types below, never kafkajs itself, so a faster client
// (@platformatic/kafka, @confluentinc/kafka-javascript) can replace it in this folder.
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';

export type KafkaConfig = Config['kafka'];

export interface KafkaHeaders {
  [name: string]: string | Buffer;
}

/** A record to produce. Value is the Collector's `otlp_proto` encoding for OTLP topics. */
export interface OutgoingRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer | Uint8Array;
  headers?: KafkaHeaders;
}

const KAFKAJS_LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** The client id a client of this role connects with (broker quotas and logs name it). */
export function kafkaClientId(config: Pick<KafkaConfig, 'clientId'>, clientSuffix = ''): string {
  return clientSuffix ? `${config.clientId}-${clientSuffix}` : config.clientId;
}

/** Builds the kafkajs client; its log lines go to our pino logger at one level lower. */
export function createKafkaClient(config: KafkaConfig, log: Logger, clientSuffix = ''): Kafka {
  return new Kafka({
    clientId: kafkaClientId(config, clientSuffix),
    brokers: config.brokers,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        // kafkajs logs every reconnect attempt as an error; we report outages ourselves.
        const pinoLevel =
          KAFKAJS_LEVELS[level] === 'error' ? 'warn' : (KAFKAJS_LEVELS[level] ?? 'debug');
        log[pinoLevel]({ kafka: rest }, message);
      },
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
  });
}
