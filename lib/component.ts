// The pipeline is built from components, as in the OpenTelemetry Collector and Vector:
// receivers, processors and exporters/sinks. Each has an explicit config, a start and a
// shutdown, and counts what it received, sent and dropped. Shutdown flushes and is safe
// to call twice; a component can be started again after shutdown.

export interface ComponentStats {
  received: number;
  sent: number;
  dropped: number;
}

export interface Component {
  /** Stable name used in logs and metrics, e.g. `otlp_http_receiver`. */
  readonly name: string;
  start(): Promise<void>;
  /** Stops accepting work, flushes what was accepted, releases resources. Idempotent. */
  shutdown(): Promise<void>;
  stats(): ComponentStats;
}

/** The one narrow interface between stages: a stage hands a batch to the next one. */
export interface Downstream<T> {
  consume(item: T): Promise<void>;
}

type State = 'stopped' | 'starting' | 'running' | 'stopping';

/**
 * Base class giving every component the same lifecycle rules: start/shutdown are
 * serialized, a second shutdown waits for the first, restart after shutdown works,
 * and the counters live in one place.
 */
export abstract class BaseComponent implements Component {
  abstract readonly name: string;
  protected readonly counters: ComponentStats = { received: 0, sent: 0, dropped: 0 };
  private state: State = 'stopped';
  private transition: Promise<void> = Promise.resolve();

  protected abstract onStart(): Promise<void>;
  protected abstract onShutdown(): Promise<void>;

  get running(): boolean {
    return this.state === 'running';
  }

  start(): Promise<void> {
    this.transition = this.transition.then(async () => {
      if (this.state === 'running') return;
      this.state = 'starting';
      try {
        await this.onStart();
        this.state = 'running';
      } catch (err) {
        this.state = 'stopped';
        throw err;
      }
    });
    return this.transition;
  }

  shutdown(): Promise<void> {
    this.transition = this.transition
      .catch(() => undefined)
      .then(async () => {
        if (this.state === 'stopped') return;
        this.state = 'stopping';
        try {
          await this.onShutdown();
        } finally {
          this.state = 'stopped';
        }
      });
    return this.transition;
  }

  stats(): ComponentStats {
    return { ...this.counters };
  }
}
