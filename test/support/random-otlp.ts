// Random OTLP requests of the three signals, seeded, using every message type of the
// .proto files: for tests that compare two ways of reading the same request. `rejectRate`
// is the share of items that screening rejects (metrics without a name, bad ids).
import { Rng } from '../../models/simulator/rng.ts';
import { nestingOf } from '../../lib/otlp/nesting.ts';
import { RESOURCE_IDENTITY_KEYS } from '../../lib/otlp/resources.ts';
import type {
  AnyValue,
  Exemplar,
  ExportRequestBySignal,
  KeyValue,
  LogRecord,
  Metric,
  Resource,
  Signal,
  Span,
} from '../../lib/otlp/types.ts';

const KEYS = [...RESOURCE_IDENTITY_KEYS, 'http.route', 'go.memory.type', 'os.type', 'ünïcode'];
const IDENTITY: ReadonlySet<string> = new Set(RESOURCE_IDENTITY_KEYS);

export class RandomOtlp {
  private readonly rng: Rng;

  constructor(
    seed: number,
    private readonly rejectRate = 0,
  ) {
    this.rng = new Rng(seed);
  }

  request<S extends Signal>(signal: S): ExportRequestBySignal[S] {
    const n = nestingOf(signal);
    const items: Record<Signal, () => unknown> = {
      metrics: () => this.metric(),
      logs: () => this.logRecord(),
      traces: () => this.span(),
    };
    const scope = () => ({
      scope: this.chance(0.7)
        ? { name: this.text(), version: '1.2.3', attributes: this.attributes(2) }
        : undefined,
    });
    const resource = () => ({
      resource: this.chance(0.9) ? this.resource() : undefined,
      schemaUrl: this.chance(0.3) ? 'https://opentelemetry.io/schemas/1.26.0' : undefined,
    });
    return n.request(
      this.list(1, 4, () =>
        n.withScopes(
          resource(),
          this.list(0, 3, () => n.withItems(scope(), this.list(0, 4, items[signal]))),
        ),
      ),
    );
  }

  private resource(): Resource {
    const attributes = this.attributes(6).filter((kv) => !IDENTITY.has(kv.key));
    // Identity attributes are mostly strings; sometimes another type, or given twice.
    for (const key of RESOURCE_IDENTITY_KEYS) {
      if (!this.chance(0.4)) continue;
      const value = this.chance(0.9) ? { stringValue: this.text() } : this.anyValue(1);
      attributes.splice(this.rng.int(0, attributes.length), 0, { key, value });
    }
    return { attributes, droppedAttributesCount: this.chance(0.2) ? 3 : undefined };
  }

  private metric(): Metric {
    const points = () => this.list(0, 4, () => this.numberPoint());
    const data = this.rng.int(0, 5);
    return {
      name: this.chance(this.rejectRate) ? '' : `metric.${this.text()}`,
      description: this.chance(0.3) ? 'what it measures' : undefined,
      unit: this.chance(0.5) ? 's' : undefined,
      metadata: [],
      gauge: data === 0 ? { dataPoints: points() } : undefined,
      sum:
        data === 1
          ? { dataPoints: points(), aggregationTemporality: 2, isMonotonic: true }
          : undefined,
      histogram:
        data === 2
          ? {
              aggregationTemporality: 1,
              dataPoints: this.list(0, 3, () => ({
                ...this.pointBase(),
                count: '6',
                sum: 1.5,
                bucketCounts: ['1', '2', '3'],
                explicitBounds: [0.1, 1],
                min: this.chance(0.5) ? 0.01 : undefined,
                max: this.chance(0.5) ? 2 : undefined,
              })),
            }
          : undefined,
      exponentialHistogram:
        data === 3
          ? {
              dataPoints: this.list(0, 3, () => ({
                ...this.pointBase(),
                count: '7',
                scale: this.rng.int(-3, 8),
                zeroCount: '1',
                positive: { offset: -2, bucketCounts: ['1', '300', '2'] },
                negative: this.chance(0.5) ? { offset: 1, bucketCounts: ['2'] } : undefined,
                zeroThreshold: 1e-9,
              })),
            }
          : undefined,
      summary:
        data === 4
          ? {
              dataPoints: this.list(0, 3, () => ({
                attributes: this.attributes(2),
                timeUnixNano: this.nanos(),
                count: '4',
                sum: 10.5,
                quantileValues: [
                  { quantile: 0.5, value: 2 },
                  { quantile: 0.99, value: 9 },
                ],
              })),
            }
          : undefined,
    };
  }

  private pointBase() {
    return {
      attributes: this.attributes(3),
      startTimeUnixNano: this.chance(0.5) ? this.nanos() : undefined,
      timeUnixNano: this.nanos(),
      exemplars: this.chance(0.2) ? [this.exemplar()] : [],
      flags: this.chance(0.1) ? 1 : undefined,
    };
  }

  private numberPoint() {
    return {
      ...this.pointBase(),
      ...(this.chance(0.5)
        ? { asDouble: this.rng.next() * 100 }
        : { asInt: String(this.rng.int(-9, 1e6)) }),
    };
  }

  private exemplar(): Exemplar {
    return {
      filteredAttributes: this.attributes(1),
      timeUnixNano: this.nanos(),
      asDouble: 0.25,
      traceId: this.id(16),
      spanId: this.id(8),
    };
  }

  private logRecord(): LogRecord {
    const ids = this.rng.next();
    return {
      timeUnixNano: this.nanos(),
      observedTimeUnixNano: this.chance(0.5) ? this.nanos() : undefined,
      severityNumber: this.rng.int(0, 24),
      severityText: this.chance(0.5) ? 'WARN' : undefined,
      body: this.chance(0.8) ? this.anyValue(0) : undefined,
      attributes: this.attributes(3),
      flags: this.chance(0.3) ? 1 : undefined,
      traceId: ids < this.rejectRate ? this.id(5) : ids < 0.5 ? this.id(16) : undefined,
      spanId: ids < 0.5 ? this.id(8) : undefined,
      eventName: this.chance(0.2) ? 'device.app.lifecycle' : undefined,
    };
  }

  private span(): Span {
    const bad = this.chance(this.rejectRate);
    return {
      traceId: bad && this.chance(0.5) ? new Uint8Array(16) : this.id(16),
      spanId: bad ? this.id(this.rng.int(0, 7)) : this.id(8),
      parentSpanId: this.chance(0.5) ? this.id(8) : undefined,
      traceState: this.chance(0.2) ? 'vendor=1' : undefined,
      name: `GET /${this.text()}`,
      kind: this.rng.int(0, 5),
      startTimeUnixNano: this.nanos(),
      endTimeUnixNano: this.nanos(),
      attributes: this.attributes(4),
      events: this.list(0, 2, () => ({
        timeUnixNano: this.nanos(),
        name: 'event',
        attributes: this.attributes(1),
      })),
      links: this.list(0, 2, () => ({
        traceId: this.id(16),
        spanId: this.id(8),
        attributes: [],
        flags: 256,
      })),
      status: this.chance(0.5) ? { code: this.rng.int(0, 2), message: 'status' } : undefined,
    };
  }

  private attributes(max: number, depth = 0): KeyValue[] {
    return this.list(0, max, () => ({
      key: this.chance(0.9) ? KEYS[this.rng.int(0, KEYS.length - 1)]! : '',
      value: this.chance(0.95) ? this.anyValue(depth) : undefined,
    }));
  }

  private anyValue(depth: number): AnyValue {
    switch (this.rng.int(0, depth < 2 ? 8 : 6)) {
      case 0:
      case 1:
        return { stringValue: this.text() };
      case 2:
        return { boolValue: this.chance(0.5) };
      case 3:
        return { intValue: String(this.rng.int(-1e9, 1e9)) };
      case 4:
        return { doubleValue: this.rng.next() * 1e3 };
      case 5:
        return { bytesValue: this.id(this.rng.int(0, 5)) };
      case 6:
        return {};
      case 7:
        return { arrayValue: { values: this.list(0, 3, () => this.anyValue(depth + 1)) } };
      default:
        return { kvlistValue: { values: this.attributes(3, depth + 1) } };
    }
  }

  private text(): string {
    return this.chance(0.1) ? 'grüße-☃' : this.rng.int(0, 1e6).toString(36);
  }

  private id(bytes: number): Uint8Array {
    return Uint8Array.from({ length: bytes }, () => this.rng.int(1, 255));
  }

  private nanos(): string {
    return String(1_700_000_000_000_000_000n + BigInt(this.rng.int(0, 1e9)));
  }

  private chance(p: number): boolean {
    return this.rng.next() < p;
  }

  private list<T>(min: number, max: number, make: () => T): T[] {
    return Array.from({ length: this.rng.int(min, max) }, make);
  }
}
