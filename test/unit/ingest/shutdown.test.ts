import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { fixtureProtobuf, RawGrpcClient, startReceivers } from './harness.ts';

describe('receiver shutdown', () => {
  it('lets requests in progress get their acks and answers, then stops listening', async () => {
    const h = await startReceivers();
    const client = new RawGrpcClient(h.grpcAddress);
    h.consumer.mode = 'slow';
    const http = fetch(`${h.httpUrl}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: fixtureProtobuf('logs'),
    });
    const grpc = client.export('traces', fixtureProtobuf('traces'));
    for (let i = 0; i < 100 && h.consumer.exports.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(h.consumer.exports).toHaveLength(2);

    await h.close(); // while both wait for their (slow) acks
    expect((await http).status).toBe(200);
    expect((await grpc).code).toBe(status.OK);
    await expect(
      fetch(`${h.httpUrl}/v1/logs`, { method: 'POST', body: fixtureProtobuf('logs') }),
    ).rejects.toThrow();
    client.close();
  });
});
