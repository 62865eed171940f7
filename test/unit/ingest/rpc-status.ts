// Decodes google.rpc.Status (HTTP error bodies, gRPC status details) for assertions.
import protobuf from 'protobufjs';

const root = protobuf.parse(`
  syntax = "proto3";
  message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  message Any { string type_url = 1; bytes value = 2; }
  message Duration { int64 seconds = 1; int32 nanos = 2; }
  message RetryInfo { Duration retry_delay = 1; }
`).root;

export interface DecodedStatus {
  code: number;
  message: string;
  retryDelaySeconds: number | undefined;
}

export function decodeRpcStatus(bytes: Uint8Array): DecodedStatus {
  const status = root.lookupType('Status').toObject(root.lookupType('Status').decode(bytes), {
    longs: Number,
    defaults: true,
  }) as { code: number; message: string; details: { typeUrl: string; value: Uint8Array }[] };
  const retry = status.details.find((d) => d.typeUrl.endsWith('google.rpc.RetryInfo'));
  const retryInfo = retry
    ? (root.lookupType('RetryInfo').toObject(root.lookupType('RetryInfo').decode(retry.value), {
        longs: Number,
      }) as { retryDelay?: { seconds?: number } })
    : undefined;
  return {
    code: status.code,
    message: status.message,
    retryDelaySeconds: retryInfo?.retryDelay?.seconds,
  };
}
