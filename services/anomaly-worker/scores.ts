// Scores to and from `anomaly_scores`: one row per series, step and signal, written through
// the dialect's column encoding (lib/clickhouse) so both dialects get the same rows, and read
// back by the alert page (any replica can draw any series).
import { insertEncoded, selectRows } from '../../lib/clickhouse/client.ts';
import { rowEncoder } from '../../lib/clickhouse/formats.ts';
import { RowBinaryWriter } from '../../lib/clickhouse/rowbinary.ts';
import type { Row } from '../../lib/clickhouse/schema.ts';
import { ANOMALY_SCORES } from '../../lib/clickhouse/tables.ts';
import type { SeriesId, StepScore } from '../../models/index.ts';
import type { SignalSources } from './samples.ts';
import { scoreExtentQuery, scoreQuery, type ScoreExtentRow, type ScoreRow } from './sql.ts';
import type { Storage } from './storage.ts';

export interface ScoredStep {
  id: SeriesId;
  score: StepScore;
  /** Which metric each signal of the step was read from (alerts name it). */
  sources?: SignalSources;
}

/** A stored score of one signal at one step, as the page draws it. */
export interface StoredScore {
  timestampMs: number;
  instance: string;
  signal: string;
  observed: number;
  expected: number;
  lower: number;
  upper: number;
  score: number;
  anomalous: boolean;
  drivingSignal: string;
  modelVersion: string;
  method: string;
}

export function scoreRows(steps: readonly ScoredStep[]): Row[] {
  return steps.flatMap(({ id, score }) => {
    return Object.keys(score.observed).map((signal) => {
      return {
        Timestamp: BigInt(score.timestampMs) * 1_000_000n,
        TenantId: id.tenant,
        ServiceName: id.service,
        ServiceInstanceId: id.instance,
        Signal: signal,
        Observed: score.observed[signal] ?? Number.NaN,
        Expected: score.expected[signal] ?? Number.NaN,
        Lower: score.lower[signal] ?? Number.NaN,
        Upper: score.upper[signal] ?? Number.NaN,
        Score: score.score,
        Anomalous: score.anomalous ? 1 : 0,
        DrivingSignal: score.drivingSignal ?? '',
        ModelVersion: score.modelVersion ?? '',
        Method: score.method,
      };
    });
  });
}

/** A series, or with the instance left out every instance of a service. */
export type ScoredSeries = Omit<SeriesId, 'instance'> & { instance?: string };

export class ScoreStore {
  constructor(private readonly storage: () => Storage) {}

  async write(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const { client, dialect, database } = this.storage();
    const columns = dialect.columns(ANOMALY_SCORES);
    const encode = rowEncoder('RowBinary', columns);
    const writer = new RowBinaryWriter();
    for (const row of rows) encode(writer, row);
    await insertEncoded(client, {
      database,
      table: ANOMALY_SCORES.name,
      columns: columns.map((c) => c.name),
      format: 'RowBinary',
      body: writer.bytes(),
    });
  }

  /**
   * Scores in [fromMs, toMs), oldest first; of one signal when given, else of every signal; of
   * every instance of the service when the instance is left out.
   */
  async read(
    id: ScoredSeries,
    fromMs: number,
    toMs: number,
    signal?: string,
  ): Promise<StoredScore[]> {
    const { client, dialect, database } = this.storage();
    const sql = scoreQuery(dialect.name, {
      database,
      tenant: id.tenant,
      service: id.service,
      ...(id.instance === undefined ? {} : { instance: id.instance }),
      fromMs,
      toMs,
      ...(signal === undefined ? {} : { signal }),
    });
    const rows = await selectRows<ScoreRow>(client, sql);
    return rows.map(storedScore);
  }

  /** The time span one signal of a series has scores in; undefined when it has none at all. */
  async extent(
    id: SeriesId,
    signal: string,
  ): Promise<{ count: number; firstMs: number; lastMs: number } | undefined> {
    const { client, dialect, database } = this.storage();
    const sql = scoreExtentQuery(dialect.name, { database, ...id, signal });
    const [row] = await selectRows<ScoreExtentRow>(client, sql);
    const count = Number(row?.n ?? 0);
    if (!row || count === 0) return undefined;
    return { count, firstMs: num(row.first), lastMs: num(row.last) };
  }
}

const num = (v: number | string | null): number => (v === null ? Number.NaN : Number(v));

function storedScore(row: ScoreRow): StoredScore {
  return {
    timestampMs: num(row.t),
    instance: row.instance,
    signal: row.signal,
    observed: num(row.observed),
    expected: num(row.expected),
    lower: num(row.lower),
    upper: num(row.upper),
    score: num(row.score),
    anomalous: Number(row.anomalous) === 1,
    drivingSignal: row.driving,
    modelVersion: row.modelVersion,
    method: row.method,
  };
}
