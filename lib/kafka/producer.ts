// An idempotent, acks=all producer. `send` resolves only when Kafka acknowledged every
// record, which is what lets the ingest acknowledge its clients without losing data.
//
// kafkajs lets an idempotent producer have one produce request in flight per broker, so
// concurrent sends would queue behind each other one request at a time. Instead, sends
// that arrive while a produce request is in flight are coalesced into the next one (up to
// maxBatchBytes): under load, produce requests grow instead of queueing, and a lone send
// still goes out at once (or after lingerMs, to coalesce more).
//
// More produce requests in flight (maxInFlightRequests) come from that many kafkajs
// producers, each idempotent with its own producer id and sequence numbers, taking turns on
// the one queue. The records of one send always go out through one of them, in order;
// sends that are in flight at the same time have no order between them.
import { setTimeout as sleep } from 'node:timers/promises';
import { CompressionTypes, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { TelepipeError, unavailable } from '../errors.ts';
import {
  createKafkaClient,
  kafkaClientId,
  type KafkaConfig,
  type OutgoingRecord,
} from './client.ts';

export type ProducerCompression = 'none' | 'gzip';

export interface KafkaProducerOptions {
  compression?: ProducerCompression;
  /** How long the broker may wait for the in-sync replicas of one produce request. */
  timeoutMs?: number;
  /**
   * Record bytes per produce request. The broker refuses a record batch above its
   * message.max.bytes (1048588 by default), so keep this below it; a single record must fit.
   */
  maxBatchBytes?: number;
  /** Produce requests in flight at once (one idempotent kafkajs producer each); default 1. */
  maxInFlightRequests?: number;
  /**
   * How long a produce request waits for more sends before it goes out when none is in
   * flight (sends arriving while one is in flight wait for it anyway); default 0.
   */
  lingerMs?: number;
}

export interface SendOptions {
  /** When it aborts, `send` rejects with a retryable error (records not yet handed to Kafka are dropped). */
  signal?: AbortSignal;
}

const COMPRESSION: Record<ProducerCompression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
};

const DEFAULT_MAX_BATCH_BYTES = 1_000_000;
const PRODUCER_CLIENT_SUFFIX = 'producer';

/** The client id the producer connects with: what a broker's produce quota names. */
export function producerClientId(config: Pick<KafkaConfig, 'clientId'>): string {
  return kafkaClientId(config, PRODUCER_CLIENT_SUFFIX);
}

/** What the producer handed to Kafka, cumulative: how well sends coalesce shows here. */
export interface ProducerStats {
  /** Produce requests sent (each holds whole records of one or more sends). */
  produceRequests: number;
  /** Sends (one per OTLP request) taken into produce requests. */
  sends: number;
  records: number;
}

/** One caller's records waiting for, or in, a produce request. */
interface PendingSend {
  records: OutgoingRecord[];
  bytes: number;
  resolve(): void;
  reject(err: TelepipeError): void;
}

export class KafkaProducer {
  private readonly producers: Producer[];
  private readonly maxBatchBytes: number;
  private connected = false;
  private queue: PendingSend[] = [];
  /** Producers not sending now. */
  private idle: Producer[] = [];
  /** Producers sending now, until their turn ends (it never rejects). */
  private readonly turns = new Set<Promise<void>>();
  /** A producer waits lingerMs for more sends: new sends join the queue it will take. */
  private lingering = false;
  private readonly produced: ProducerStats = { produceRequests: 0, sends: 0, records: 0 };

  constructor(
    private readonly config: KafkaConfig,
    log: Logger,
    private readonly options: KafkaProducerOptions = {},
  ) {
    this.maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    const client = createKafkaClient(config, log, PRODUCER_CLIENT_SUFFIX);
    this.producers = Array.from({ length: options.maxInFlightRequests ?? 1 }, () =>
      client.producer({
        idempotent: true,
        maxInFlightRequests: 5,
        // An idempotent producer must never give up on a batch: kafkajs rewinds the sequence
        // numbers of a failed batch, so the next batch would reuse them, and if the broker had
        // written the failed one it would take the next as a duplicate, ack it, and drop it.
        // Callers stop waiting at their deadline (SendOptions.signal) instead.
        retry: { retries: Number.MAX_SAFE_INTEGER },
        allowAutoTopicCreation: false,
        // The Java client's murmur2 partitioner: a key maps to the same partition for every client.
        createPartitioner: Partitioners.DefaultPartitioner,
      }),
    );
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    try {
      await Promise.all(this.producers.map((p) => p.connect()));
      this.idle = [...this.producers];
      this.connected = true;
    } catch (err) {
      throw unavailable(
        `cannot connect to Kafka at ${this.config.brokers.join(',')}: ${(err as Error).message}`,
        err,
      );
    }
  }

  /** Stops taking sends, waits (up to timeoutMs) for the ones taken, then disconnects. */
  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    const waitMs = this.options.timeoutMs ?? this.config.requestTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.turns),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs))),
    ]);
    clearTimeout(timer);
    await Promise.all(this.producers.map((p) => p.disconnect()));
  }

  /** Produces the records with acks=all; resolves after every one was acknowledged. */
  send(records: OutgoingRecord[], options: SendOptions = {}): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    if (!this.connected) return Promise.reject(unavailable('the Kafka producer is not connected'));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(deadlineError(records.length));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        // Still queued: drop it, so Kafka never sees it. Already in a produce request: only
        // the caller stops waiting; the request goes on and may still be written.
        this.queue = this.queue.filter((p) => p !== pending);
        reject(deadlineError(records.length));
      };
      const settled = (): void => signal?.removeEventListener('abort', onAbort);
      const pending: PendingSend = {
        records,
        bytes: records.reduce((n, r) => n + recordBytes(r), 0),
        resolve: () => {
          settled();
          resolve();
        },
        reject: (err) => {
          settled();
          reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(pending);
      this.dispatch();
    });
  }

  stats(): ProducerStats {
    return { ...this.produced };
  }

  /** Gives the queue to an idle producer, unless one is already lingering to take it. */
  private dispatch(): void {
    if (this.lingering || this.queue.length === 0) return;
    const producer = this.idle.pop();
    if (!producer) return; // a busy producer takes the queue when its request is acknowledged
    const turn = this.takeTurn(producer);
    this.turns.add(turn);
    void turn.finally(() => this.turns.delete(turn));
  }

  /** Sends batches from the queue until it is empty; never rejects. */
  private async takeTurn(producer: Producer): Promise<void> {
    const lingerMs = this.options.lingerMs ?? 0;
    if (lingerMs > 0) {
      this.lingering = true;
      await sleep(lingerMs);
      this.lingering = false;
    }
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      // What is left can go out beside this batch through another producer.
      this.dispatch();
      await this.produce(producer, batch);
    }
    this.idle.push(producer);
  }

  /** Whole sends from the head of the queue, up to maxBatchBytes (at least one). */
  private takeBatch(): PendingSend[] {
    let bytes = 0;
    let count = 0;
    for (const pending of this.queue) {
      if (count > 0 && bytes + pending.bytes > this.maxBatchBytes) break;
      bytes += pending.bytes;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  /** Sends a batch in produce requests of at most maxBatchBytes, in order; never throws. */
  private async produce(producer: Producer, batch: PendingSend[]): Promise<void> {
    const records = batch.flatMap((p) => p.records);
    this.produced.sends += batch.length;
    this.produced.records += records.length;
    try {
      for (const chunk of chunksWithin(records, this.maxBatchBytes)) {
        this.produced.produceRequests++;
        await this.sendBatch(producer, chunk);
      }
      for (const p of batch) p.resolve();
    } catch (err) {
      const error = unavailable(
        `Kafka did not acknowledge ${records.length} record(s): ${(err as Error).message}`,
        err,
      );
      for (const p of batch) p.reject(error);
    }
  }

  private async sendBatch(producer: Producer, records: OutgoingRecord[]): Promise<void> {
    const byTopic = new Map<string, OutgoingRecord[]>();
    for (const r of records) {
      const list = byTopic.get(r.topic);
      if (list) list.push(r);
      else byTopic.set(r.topic, [r]);
    }
    await producer.sendBatch({
      acks: -1,
      timeout: this.options.timeoutMs ?? this.config.requestTimeoutMs,
      compression: COMPRESSION[this.options.compression ?? 'none'],
      topicMessages: [...byTopic].map(([topic, rs]) => ({
        topic,
        messages: rs.map((r) => ({
          key: r.key,
          value: Buffer.isBuffer(r.value)
            ? r.value
            : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
          headers: r.headers ?? {},
        })),
      })),
    });
  }
}

function deadlineError(records: number): TelepipeError {
  return unavailable(`Kafka did not acknowledge ${records} record(s) before the deadline`);
}

// Bytes a record takes in a record batch: value, key, headers and about 20 bytes of framing.
function recordBytes(r: OutgoingRecord): number {
  let bytes = 20 + r.value.length + (r.key?.length ?? 0);
  for (const [name, value] of Object.entries(r.headers ?? {})) bytes += name.length + value.length;
  return bytes;
}

/** Consecutive runs of records whose values add up to at most maxBytes (one record at least). */
function chunksWithin(records: OutgoingRecord[], maxBytes: number): OutgoingRecord[][] {
  const chunks: OutgoingRecord[][] = [];
  let current: OutgoingRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = recordBytes(r);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
