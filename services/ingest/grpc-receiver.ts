// OTLP/gRPC receiver: the Export method of the metrics, logs and trace collector services.
// The service definitions are built by hand with identity (de)serializers, so grpc-js only
// frames and decompresses messages; decoding happens in the intake, where a malformed
// message becomes INVALID_ARGUMENT for that call instead of an error inside grpc-js.
import {
  Server,
  ServerCredentials,
  status as GrpcCode,
  type handleUnaryCall,
  type MethodDefinition,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { BaseComponent } from '../../lib/component.ts';
import { TelepipeError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { encodeResponse, GRPC_SERVICES } from '../../lib/otlp/codec.ts';
import type { Signal } from '../../lib/otlp/types.ts';
import type { Intake } from './intake.ts';
import { countOutcome, settledWithin, type ListenerConfig } from './listener.ts';
import type { IngestMetrics } from './metrics.ts';
import { grpcErrorStatus, logLevel } from './status.ts';

export interface OtlpGrpcReceiverConfig extends ListenerConfig {
  /** Largest message, framed and after decompression (grpc-js applies one limit to both). */
  maxMessageBytes: number;
}

const SIGNALS: Signal[] = ['metrics', 'logs', 'traces'];

const identity = (bytes: Buffer): Buffer => bytes;

function exportService(signal: Signal): ServiceDefinition {
  const method: MethodDefinition<Buffer, Buffer> = {
    path: `/${GRPC_SERVICES[signal]}/Export`,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
  return { Export: method };
}

export class OtlpGrpcReceiver extends BaseComponent {
  readonly name = 'otlp_grpc_receiver';
  private server: Server | undefined;
  private boundPort = 0;

  constructor(
    private readonly config: OtlpGrpcReceiverConfig,
    private readonly intake: Intake,
    private readonly log: Logger,
    private readonly metrics: IngestMetrics,
  ) {
    super();
  }

  /** The port listened on (useful with port 0); 0 when not started. */
  port(): number {
    return this.server ? this.boundPort : 0;
  }

  protected async onStart(): Promise<void> {
    const server = new Server({
      'grpc.max_receive_message_length': this.config.maxMessageBytes,
    });
    for (const signal of SIGNALS) {
      server.addService(exportService(signal), { Export: this.exportHandler(signal) });
    }
    const { tls } = this.config;
    const credentials = tls
      ? ServerCredentials.createSsl(null, [{ cert_chain: tls.cert, private_key: tls.key }], false)
      : ServerCredentials.createInsecure();
    this.boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(this.config.address, credentials, (err, port) =>
        err
          ? reject(
              new TelepipeError(
                'config',
                `OTLP/gRPC cannot listen on ${this.config.address}: ${err.message}`,
                { cause: err },
              ),
            )
          : resolve(port),
      ),
    );
    this.server = server;
  }

  protected async onShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    // Stop taking new calls and let the ones in progress get their Kafka acks, for a while.
    const drained = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    if (!(await settledWithin(drained, this.config.drainTimeoutMs))) server.forceShutdown();
  }

  private exportHandler(signal: Signal): handleUnaryCall<Buffer, Buffer> {
    return (call, callback) => {
      const startedAt = performance.now();
      void this.intake
        .export({
          signal,
          encoding: 'protobuf',
          header: (name) => {
            const [value] = call.metadata.get(name);
            return typeof value === 'string' ? value : undefined;
          },
          readBody: (lease) => {
            lease.grow(call.request.length);
            return call.request;
          },
        })
        .then(
          (outcome) => {
            countOutcome(this.counters, outcome);
            callback(null, Buffer.from(encodeResponse(signal, outcome.partial)));
            return GrpcCode.OK;
          },
          (err: unknown) => {
            const { status, error } = grpcErrorStatus(err, this.config.retryAfterSeconds);
            const code = status.code ?? GrpcCode.UNKNOWN;
            this.log[logLevel(error)](
              { err: error, code: GrpcCode[code] },
              'OTLP/gRPC request failed',
            );
            callback(status);
            return code;
          },
        )
        .then((code) => this.metrics.observe('grpc', signal, GrpcCode[code], startedAt));
    };
  }
}
