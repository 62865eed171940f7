// End-to-end acknowledgements, the way Vector does them. The source (the Kafka receiver)
// hands every batch downstream with the Finalizer of the stream it came from; the stages
// report what became of each record (delivered, rejected or to be retried), and only the
// source turns that into progress (Kafka offset commits) and dead letters. No stage after
// the source knows where records came from or where rejected ones go.
import type { IncomingRecord } from '../../lib/kafka/group-consumer.ts';
import type { RowsByTable } from './rows/index.ts';

/**
 * The source's handle on one ordered stream of records (a Kafka partition). Positions are
 * the records' places in the stream, increasing (Kafka offsets).
 */
export interface Finalizer {
  /** Names the stream in deduplication tokens, stable across restarts (`topic:partition`). */
  readonly stream: string;
  /** Delivered: every record up to `last` is stored or rejected; the source moves past them. */
  delivered(last: number): Promise<void>;
  /** Rejected: the record can never be stored; resolves once the source set it aside. */
  rejected(position: number, error: unknown): Promise<void>;
  /** Retry: records from `first` on were not stored; the source delivers them again. */
  retry(first: number): void;
  /**
   * For a sink that deduplicates retried writes: where the batch that started at `first`
   * ended when the last owner of the stream stopped mid-write, so a replay cuts the same batch.
   */
  replayEnd(first: number): Promise<number | undefined>;
  /** Records that the batch [first, last] is being written (what replayEnd returns later). */
  writing(first: number, last: number): Promise<void>;
  /** Keeps the source's claim on the stream during long retries; throws once it is lost. */
  keepAlive(): Promise<void>;
}

/** Records read from one stream, as the receiver hands them to the decode stage. */
export interface SourceBatch {
  topic: string;
  records: IncomingRecord[];
  finalizer: Finalizer;
}

/** The rows built from one record (none when it was rejected upstream). */
export interface RecordRows {
  position: number;
  rows: RowsByTable;
  /** When the ingest received it (unix ms), for the freshness metric. */
  receivedMs: number | undefined;
}

/** Rows of consecutive records of one stream, as the decode stage hands them to the writer. */
export interface RowsBatch {
  records: RecordRows[];
  finalizer: Finalizer;
}
