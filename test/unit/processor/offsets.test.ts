// The batch end recorded with a commit, which makes a replay cut the same batches.
import { describe, expect, it } from 'vitest';
import type { CommittedOffset, KafkaGroupConsumer } from '../../../lib/kafka/group-consumer.ts';
import {
  batchEndMetadata,
  KafkaOffsetCommitter,
  parseBatchEnd,
} from '../../../services/processor/offsets.ts';

function fakeConsumer(committed: CommittedOffset[]) {
  const commits: unknown[] = [];
  const seeks: unknown[] = [];
  let fetches = 0;
  const consumer = {
    commit: (offsets: unknown[]) => {
      commits.push(...offsets);
      return Promise.resolve();
    },
    committed: () => {
      fetches += 1;
      return Promise.resolve(committed);
    },
    seek: (...args: unknown[]) => seeks.push(args),
    heartbeat: () => Promise.resolve(),
  } as unknown as KafkaGroupConsumer;
  return { consumer, commits, seeks, fetches: () => fetches };
}

describe('batch end metadata', () => {
  it('round-trips and ignores foreign metadata', () => {
    expect(parseBatchEnd(batchEndMetadata(1234))).toBe(1234);
    expect(parseBatchEnd(null)).toBeUndefined();
    expect(parseBatchEnd('')).toBeUndefined();
    expect(parseBatchEnd('someone else')).toBeUndefined();
  });
});

describe('KafkaOffsetCommitter', () => {
  it('commits the batch end with the batch start, then the next offset without it', async () => {
    const fake = fakeConsumer([]);
    const committer = new KafkaOffsetCommitter(fake.consumer);
    await committer.commit('t', 2, 100, 180);
    await committer.commit('t', 2, 181);
    expect(fake.commits).toEqual([
      { topic: 't', partition: 2, offset: 100, metadata: batchEndMetadata(180) },
      { topic: 't', partition: 2, offset: 181, metadata: null },
    ]);
  });

  it('replays the recorded batch only for the first batch read from the committed offset', async () => {
    const fake = fakeConsumer([
      { partition: 0, offset: 100, metadata: batchEndMetadata(180) },
      { partition: 1, offset: 50, metadata: null },
    ]);
    const committer = new KafkaOffsetCommitter(fake.consumer);
    expect(await committer.recordedBatchEnd('t', 0, 100)).toBe(180);
    expect(await committer.recordedBatchEnd('t', 0, 181)).toBeUndefined(); // later batches are new
    expect(await committer.recordedBatchEnd('t', 1, 50)).toBeUndefined();
    expect(fake.fetches()).toBe(1);

    committer.reset(); // after a rebalance the partition is read from the commit again
    expect(await committer.recordedBatchEnd('t', 0, 100)).toBe(180);
    committer.seek('t', 0, 100); // and after a batch that could not be stored
    expect(await committer.recordedBatchEnd('t', 0, 100)).toBe(180);
    expect(fake.seeks).toEqual([['t', 0, 100]]);
  });

  it('does not replay a recorded end when reading starts elsewhere', async () => {
    const committer = new KafkaOffsetCommitter(
      fakeConsumer([{ partition: 0, offset: 100, metadata: batchEndMetadata(180) }]).consumer,
    );
    expect(await committer.recordedBatchEnd('t', 0, 120)).toBeUndefined();
  });
});
