/**
 * The command sender against local SQS: a FIFO queue gets the one policy message group and the command id as
 * deduplication id (SQS drops a second send of the same command), a standard queue gets the delay.
 */
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_MESSAGE_GROUP, routedCommandQueue, TRACE_MESSAGE_GROUP } from '../../../shared/aws/queue.js';
import type { Command } from '../../../shared/commands/contract.js';

let server: Awaited<ReturnType<typeof createSqsServer>>;
let sqs: SQSClient;
const urls = { work: '', policy: '', trace: '' };
beforeAll(async () => {
  server = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  sqs = new SQSClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  urls.work = (await sqs.send(new CreateQueueCommand({ QueueName: 'work' }))).QueueUrl!;
  urls.policy = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: 'policy.fifo',
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      }),
    )
  ).QueueUrl!;
  urls.trace = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: 'traces.fifo',
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      }),
    )
  ).QueueUrl!;
});
afterAll(async () => {
  sqs.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

const bypass = (id: string): Command => ({
  id,
  type: 'bypass.apply',
  segment: 'payroll-app',
  durationMinutes: 10,
  reason: 'r',
  requestedBy: { kind: 'slack', id: 'U1' },
});
const receive = async (url: string) =>
  (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, AttributeNames: ['All'] })))
    .Messages ?? [];

describe('routedCommandQueue', () => {
  it('sends policy commands to the FIFO queue in one group, deduplicated by command id', async () => {
    const queue = routedCommandQueue(urls, sqs);
    await queue.send(bypass('cmd 1\u00e9')); // a space and a non-ASCII letter become "_"
    await queue.send(bypass('cmd 1\u00e9')); // the same command again: dropped by SQS
    await queue.send(bypass('cmd-2'));
    const got = await receive(urls.policy);
    expect(got.map((m) => JSON.parse(m.Body!).id)).toEqual(['cmd 1\u00e9', 'cmd-2']);
    expect(got.map((m) => m.Attributes?.MessageGroupId)).toEqual([POLICY_MESSAGE_GROUP, POLICY_MESSAGE_GROUP]);
    expect(got[0]!.Attributes?.MessageDeduplicationId).toBe('cmd_1_');
  });

  it('sends deep-trace commands to the FIFO trace queue in its own group, deduplicated by command id', async () => {
    const queue = routedCommandQueue(urls, sqs);
    const start: Command = {
      id: 'cmd_t1',
      type: 'trace.start',
      incident: { source: 's', incidentId: 'i' },
      userEmails: ['a@corp.example'],
      requestedBy: { kind: 'incident', id: 's:i' },
    };
    await queue.send(start);
    await queue.send(start);
    const got = await receive(urls.trace);
    expect(got.map((m) => JSON.parse(m.Body!).id)).toEqual(['cmd_t1']);
    expect(got[0]!.Attributes?.MessageGroupId).toBe(TRACE_MESSAGE_GROUP);
  });

  it('sends wake-ups to the work queue with their delay, and refuses a delay on the FIFO queue', async () => {
    const queue = routedCommandQueue(urls, sqs);
    await queue.send({ id: 't1', type: 'traces.wake', dueAt: '2026-12-03T10:00:00.000Z' }, { delaySeconds: 0 });
    expect((await receive(urls.work)).map((m) => JSON.parse(m.Body!).id)).toEqual(['t1']);
    await expect(routedCommandQueue(urls, sqs).send(bypass('late'), { delaySeconds: 5 })).rejects.toThrow(
      /FIFO queue takes no per-message delay/,
    );
  });
});
