// Reads the Go runtime series of this replica's shard from ClickHouse: one query per metric
// table (sql.ts), then deltas, quantiles and resampling onto the step grid (samples.ts). Long
// ranges (training) are read in chunks so no single query or response gets huge. Each series
// says which source each signal was read from (the alert page and the alerts show it).
import type { SignalsConfig } from '../../lib/config/sections/worker.ts';
import { GO_SIGNALS, seriesKey, type SeriesId } from '../../models/index.ts';
import {
  buildSeries,
  lookbackSteps,
  METRIC_TABLES,
  metricsByTable,
  sampleFromRow,
  type Sample,
  type SeriesWindow,
  type SignalSources,
  type StepGrid,
} from './samples.ts';
import type { Shard } from './shard.ts';
import { sampleQuery, type MetricTable, type SampleRow } from './sql.ts';
import type { SqlSource } from './storage.ts';

export interface SeriesReaderConfig {
  stepMs: number;
  signals: SignalsConfig;
  instanceAttributes: readonly string[];
  maxGapSteps: number;
  shard: Shard;
  /** Steps per query; longer reads are split (default 12 h at a 15 s step). */
  maxStepsPerQuery?: number;
}

export class SeriesReader {
  private readonly metrics: Record<MetricTable, string[]>;
  private readonly lookback: number;

  constructor(
    private readonly source: () => SqlSource,
    private readonly config: SeriesReaderConfig,
  ) {
    this.metrics = metricsByTable(config.signals);
    this.lookback = lookbackSteps(config.signals, config.maxGapSteps);
  }

  /** Series with data in steps [fromBucket, toBucket), optionally only of some services. */
  async read(
    fromBucket: number,
    toBucket: number,
    services?: readonly string[],
  ): Promise<Map<string, SeriesWindow>> {
    const perQuery = this.config.maxStepsPerQuery ?? 2880;
    const chunks: Array<{ grid: StepGrid; windows: Map<string, SeriesWindow> }> = [];
    for (let from = fromBucket; from < toBucket; from += perQuery) {
      const grid = {
        fromBucket: from,
        toBucket: Math.min(toBucket, from + perQuery),
        stepMs: this.config.stepMs,
      };
      chunks.push({ grid, windows: await this.readGrid(grid, services) });
    }
    if (chunks.length === 1) return chunks[0]!.windows;
    return concatenate(chunks, { fromBucket, toBucket, stepMs: this.config.stepMs });
  }

  /**
   * Which source each signal of a series was read from at `atMs`: the step containing it and the
   * `maxGapSteps` before it (so a step the series skipped still finds its sources). Undefined
   * when the series has no data then.
   */
  async sourcesAt(id: SeriesId, atMs: number): Promise<SignalSources | undefined> {
    const bucket = Math.floor(atMs / this.config.stepMs);
    const windows = await this.read(bucket - this.config.maxGapSteps, bucket + 1, [id.service]);
    return windows.get(seriesKey(id))?.sources;
  }

  private async readGrid(
    grid: StepGrid,
    services?: readonly string[],
  ): Promise<Map<string, SeriesWindow>> {
    const { dialect, database, select } = this.source();
    const tables = METRIC_TABLES.filter((table) => this.metrics[table].length > 0);
    const perTable = await Promise.all(
      tables.map(async (table): Promise<Sample[]> => {
        const sql = sampleQuery(dialect, {
          database,
          table,
          metrics: this.metrics[table],
          fromMs: (grid.fromBucket - this.lookback) * grid.stepMs,
          toMs: grid.toBucket * grid.stepMs,
          stepMs: grid.stepMs,
          instanceAttributes: this.config.instanceAttributes,
          shard: this.config.shard,
          ...(services ? { services } : {}),
        });
        const rows = await select<SampleRow>(sql);
        return rows.map((row) => sampleFromRow(table, row));
      }),
    );
    return buildSeries(perTable.flat(), grid, {
      signals: this.config.signals,
      maxGapSteps: this.config.maxGapSteps,
    });
  }
}

/**
 * Chunks side by side on the full grid; a series missing from a chunk is NaN there. Its sources
 * are the latest chunk's that had data for the signal.
 */
function concatenate(
  chunks: ReadonlyArray<{ grid: StepGrid; windows: Map<string, SeriesWindow> }>,
  grid: StepGrid,
): Map<string, SeriesWindow> {
  const length = grid.toBucket - grid.fromBucket;
  const out = new Map<string, SeriesWindow>();
  for (const chunk of chunks) {
    for (const [key, window] of chunk.windows) {
      let full = out.get(key);
      if (!full) {
        const values = GO_SIGNALS.map(() => new Float64Array(length).fill(Number.NaN));
        full = {
          id: window.id,
          series: { ...window.series, startMs: grid.fromBucket * grid.stepMs, values },
          sources: {},
        };
        out.set(key, full);
      }
      full.sources = { ...full.sources, ...window.sources };
      const offset = chunk.grid.fromBucket - grid.fromBucket;
      window.series.values.forEach((column, f) => full.series.values[f]!.set(column, offset));
    }
  }
  return out;
}
