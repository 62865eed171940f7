// What every OTLP request goes through, whichever listener received it: tenant and auth,
// admission under the in-flight limits, body, its Kafka records (records.ts: validation,
// screening for partial success), then the hand-off to the one consumer (the Kafka
// exporter) with a deadline. Errors are thrown as TelepipeErrors; the receivers map them to
// status codes.
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Downstream } from '../../lib/component.ts';
import type { ResourceRecord } from '../../lib/otlp/kafka-records.ts';
import type { ExportPartialSuccess, Signal } from '../../lib/otlp/types.ts';
import type { InFlightLimiter, Lease } from './limiter.ts';
import { requestRecords } from './records.ts';
import type { HeaderReader, TenantResolver } from './tenant.ts';

/** An accepted request on its way to Kafka: the item the receivers hand on. */
export interface OtlpExport {
  signal: Signal;
  /** Keys and values of the request's records; the exporter adds topic and headers. */
  records: ResourceRecord[];
  /** Data points, log records or spans in `records`. */
  items: number;
  tenant: string;
  /** When the request arrived, Unix nanoseconds. */
  receivedNs: bigint;
  /** Aborts when the client has waited long enough for Kafka (ingest.producer.ackTimeoutMs). */
  deadline: AbortSignal;
}

export type BodyEncoding = 'protobuf' | 'json';

/** One request as a receiver sees it, before its body is read. */
export interface ExportCall<S extends Signal> {
  signal: S;
  encoding: BodyEncoding;
  header: HeaderReader;
  /** Reads the (decompressed) body, counting its bytes on the lease as they arrive. */
  readBody(lease: Lease): Promise<Buffer> | Buffer;
}

export interface ExportOutcome {
  accepted: number;
  partial: ExportPartialSuccess | undefined;
}

export interface IntakeOptions {
  tenants: TenantResolver;
  limiter: InFlightLimiter;
  consumer: Downstream<OtlpExport>;
  ackTimeoutMs: number;
  /** Largest record value (ingest.producer.maxRecordBytes); bigger resources are split. */
  maxRecordBytes: number;
}

const tracer = trace.getTracer('telepipe-ingest');

export class Intake {
  constructor(private readonly options: IntakeOptions) {}

  /** Resolves once Kafka acknowledged every record of the request. */
  export<S extends Signal>(call: ExportCall<S>): Promise<ExportOutcome> {
    return tracer.startActiveSpan(`ingest ${call.signal}`, async (span) => {
      try {
        const outcome = await this.run(call);
        span.setAttribute('telepipe.items', outcome.accepted);
        return outcome;
      } catch (err) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    });
  }

  private async run<S extends Signal>(call: ExportCall<S>): Promise<ExportOutcome> {
    const receivedNs = unixNanosNow();
    const tenant = this.options.tenants.resolve(call.header);
    const lease = this.options.limiter.admit();
    try {
      const body = await call.readBody(lease);
      const { records, accepted, partial } = requestRecords(
        call.signal,
        call.encoding,
        body,
        this.options.maxRecordBytes,
      );
      if (accepted > 0) {
        await this.options.consumer.consume({
          signal: call.signal,
          records,
          items: accepted,
          tenant,
          receivedNs,
          deadline: AbortSignal.timeout(this.options.ackTimeoutMs),
        });
      }
      return { accepted, partial };
    } finally {
      lease.release();
    }
  }
}

function unixNanosNow(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}
