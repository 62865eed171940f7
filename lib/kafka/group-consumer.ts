// A consumer-group member behind a narrow interface (kafkajs stays in lib/kafka). Offsets
// are never committed automatically: the caller commits once what it read is stored,
// optionally with metadata (the processor records its next batch's end there, so a replay
// after a crash cuts the same batches). Partitions are handed over one batch at a time,
// several partitions in parallel.
import type { Admin, Consumer as KafkajsConsumer, EachBatchPayload, IHeaders } from 'kafkajs';
import type { Logger } from 'pino';
import { unavailable } from '../errors.ts';
import { createKafkaClient, type KafkaConfig } from './client.ts';

export interface IncomingRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface FetchedBatch {
  topic: string;
  partition: number;
  records: IncomingRecord[];
  /** Offset the next produced record will get; lag = highWatermark - (last offset + 1). */
  highWatermark: number;
}

export interface CommittedOffset {
  partition: number;
  /** Next offset to read; -1 when the group has committed nothing for the partition. */
  offset: number;
  metadata: string | null;
}

export interface Assignment {
  topic: string;
  partitions: number[];
}

export interface KafkaGroupConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group without committed offsets starts; true never skips data. */
  fromBeginning: boolean;
  partitionsConsumedConcurrently: number;
  sessionTimeoutMs: number;
  maxBytesPerPartition: number;
}

export type BatchHandler = (batch: FetchedBatch) => Promise<void>;

export class KafkaGroupConsumer {
  private readonly consumer: KafkajsConsumer;
  private readonly admin: Admin;
  private adminConnected: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly assignmentListeners: ((assignment: Assignment[]) => void)[] = [];
  private lastHeartbeat: (() => Promise<void>) | undefined;
  private running = false;

  constructor(
    private readonly config: KafkaConfig,
    private readonly log: Logger,
    private readonly options: KafkaGroupConsumerOptions,
  ) {
    this.consumer = createKafkaClient(config, log, 'consumer').consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(1000, Math.floor(options.sessionTimeoutMs / 10)),
      maxBytesPerPartition: options.maxBytesPerPartition,
      allowAutoTopicCreation: false,
      // Broker restarts exhaust the client's retries; rejoin instead of giving up.
      retry: {
        retries: 10,
        initialRetryTime: 300,
        maxRetryTime: 10_000,
        restartOnFailure: () => Promise.resolve(true),
      },
    });
    this.admin = createKafkaClient(config, log, 'consumer-admin').admin();
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      const assignment = Object.entries(event.payload.memberAssignment).map(
        ([topic, partitions]) => ({ topic, partitions }),
      );
      for (const listener of this.assignmentListeners) listener(assignment);
    });
  }

  /** Called after every (re)join with the partitions this member now owns. */
  onAssignment(listener: (assignment: Assignment[]) => void): void {
    this.assignmentListeners.push(listener);
  }

  async start(handler: BatchHandler): Promise<void> {
    if (this.running) return;
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({
        topics: this.options.topics,
        fromBeginning: this.options.fromBeginning,
      });
    } catch (err) {
      throw unavailable(
        `cannot join Kafka consumer group ${this.options.groupId} at ${this.config.brokers.join(',')}: ${(err as Error).message}`,
        err,
      );
    }
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.track(this.handleBatch(payload, handler)),
    });
    this.running = true;
  }

  private async handleBatch(payload: EachBatchPayload, handler: BatchHandler): Promise<void> {
    const { batch } = payload;
    this.lastHeartbeat = () => payload.heartbeat();
    if (batch.isEmpty() || !payload.isRunning() || payload.isStale()) return;
    await handler({
      topic: batch.topic,
      partition: batch.partition,
      highWatermark: Number(batch.highWatermark),
      records: batch.messages.map((m) => ({
        offset: Number(m.offset),
        key: m.key,
        value: m.value,
        headers: headerStrings(m.headers),
      })),
    });
    // Lets kafkajs fetch on from here; the commit is the caller's, after storage.
    payload.resolveOffset(batch.lastOffset());
    await payload.heartbeat();
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  /** Keeps group membership alive during a long retry; throws when a rebalance started. */
  async heartbeat(): Promise<void> {
    await this.lastHeartbeat?.();
  }

  async commit(
    offsets: { topic: string; partition: number; offset: number; metadata?: string | null }[],
  ): Promise<void> {
    await this.consumer.commitOffsets(
      offsets.map((o) => ({
        topic: o.topic,
        partition: o.partition,
        offset: String(o.offset),
        metadata: o.metadata ?? null,
      })),
    );
  }

  /** Fetches the partition from `offset` on next, dropping what was fetched after it. */
  seek(topic: string, partition: number, offset: number): void {
    this.consumer.seek({ topic, partition, offset: String(offset) });
  }

  /** The group's committed offsets and their metadata for one topic. */
  async committed(topic: string): Promise<CommittedOffset[]> {
    await this.connectAdmin();
    const [offsets] = await this.admin.fetchOffsets({
      groupId: this.options.groupId,
      topics: [topic],
    });
    return (offsets?.partitions ?? []).map((p) => ({
      partition: p.partition,
      offset: Number(p.offset),
      metadata: p.metadata,
    }));
  }

  private async connectAdmin(): Promise<void> {
    this.adminConnected ??= this.admin.connect().catch((err: unknown) => {
      this.adminConnected = undefined;
      throw err;
    });
    await this.adminConnected;
  }

  /** Stops fetching and waits for the batches being handled to finish. */
  async pauseAndDrain(): Promise<void> {
    if (this.running) this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
    await Promise.allSettled([...this.inFlight]);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.consumer.disconnect();
    if (this.adminConnected) {
      this.adminConnected = undefined;
      await this.admin.disconnect();
    }
  }

  /** A metadata round trip to a broker, for readiness. */
  async reachable(): Promise<boolean> {
    try {
      await this.connectAdmin();
      return (await this.admin.describeCluster()).brokers.length > 0;
    } catch (err) {
      this.log.debug({ err }, 'Kafka readiness check failed');
      return false;
    }
  }
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}
