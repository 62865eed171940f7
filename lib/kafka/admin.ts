// Topic management and cluster health, for `stack up`, readiness checks and tests.
// kafkajs is CommonJS and Node cannot see this export by name.
import kafkajs from 'kafkajs';
import type { Logger } from 'pino';
import { unavailable } from '../errors.ts';
import { createKafkaClient, type KafkaConfig } from './client.ts';

type KafkajsAdmin = ReturnType<kafkajs.Kafka['admin']>;

export interface TopicSpec {
  topic: string;
  partitions?: number;
  retentionMs?: number;
}

export class KafkaAdmin {
  private readonly kafka: kafkajs.Kafka;
  private admin: KafkajsAdmin;
  private connected = false;

  constructor(
    private readonly config: KafkaConfig,
    log: Logger,
  ) {
    this.kafka = createKafkaClient(config, log, 'admin');
    this.admin = this.kafka.admin();
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    try {
      // A kafkajs admin cannot connect again once disconnected: each connection gets a new one.
      this.admin = this.kafka.admin();
      await this.admin.connect();
      this.connected = true;
    } catch (err) {
      throw unavailable(
        `Kafka at ${this.config.brokers.join(',')} is unreachable: ${(err as Error).message}`,
        err,
      );
    }
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.admin.disconnect();
  }

  /** A metadata request: succeeds only when a broker answers. */
  async describeCluster(): Promise<{ brokers: number; controller: number | null }> {
    await this.connect();
    const cluster = await this.admin.describeCluster();
    return { brokers: cluster.brokers.length, controller: cluster.controller };
  }

  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    await this.connect();
    const existing = new Set(await this.admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return;
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions ?? this.config.partitions,
        replicationFactor: this.config.replicationFactor,
        configEntries: s.retentionMs
          ? [{ name: 'retention.ms', value: String(s.retentionMs) }]
          : [],
      })),
    });
  }

  async listTopics(): Promise<string[]> {
    await this.connect();
    return this.admin.listTopics();
  }

  /** Partition count and retention of each topic; a missing topic maps to undefined. */
  async describeTopics(
    topics: string[],
  ): Promise<Record<string, { partitions: number; retentionMs: number | undefined } | undefined>> {
    await this.connect();
    const existing = new Set(await this.admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    const result: Record<
      string,
      { partitions: number; retentionMs: number | undefined } | undefined
    > = Object.fromEntries(topics.map((t) => [t, undefined]));
    if (present.length === 0) return result;
    const metadata = await this.admin.fetchTopicMetadata({ topics: present });
    const configs = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((name) => ({
        type: kafkajs.ConfigResourceTypes.TOPIC,
        name,
        configNames: ['retention.ms'],
      })),
    });
    for (const topic of metadata.topics) {
      const retention = configs.resources
        .find((r) => r.resourceName === topic.name)
        ?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
      result[topic.name] = {
        partitions: topic.partitions.length,
        retentionMs: retention ? Number(retention) : undefined,
      };
    }
    return result;
  }

  async deleteTopics(topics: string[]): Promise<void> {
    await this.connect();
    const existing = new Set(await this.admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) await this.admin.deleteTopics({ topics: present });
  }

  /** Committed offset lag of a consumer group, summed per topic. */
  async consumerLag(groupId: string, topics: string[]): Promise<Record<string, number>> {
    await this.connect();
    const lag: Record<string, number> = {};
    for (const topic of topics) {
      const [ends, committed] = await Promise.all([
        this.admin.fetchTopicOffsets(topic),
        this.admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      const committedByPartition = new Map(
        (committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
      );
      lag[topic] = ends.reduce((sum, p) => {
        const done = committedByPartition.get(p.partition) ?? -1;
        const start = done < 0 ? Number(p.low) : done;
        return sum + Math.max(0, Number(p.high) - start);
      }, 0);
    }
    return lag;
  }
}
