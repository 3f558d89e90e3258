/**
 * The local event source mapping against local SQS: a failed FIFO message holds its group until it is visible
 * again (as on AWS), and with the tests' speed-up a message still dead-letters after its 5th delivery, each
 * delivery seeing the receive count AWS would give.
 */
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { createSqsServer } from 'local-aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsReceiveCount, pollOnce } from '../../../local/poller.js';

let server: Awaited<ReturnType<typeof createSqsServer>>;
let sqs: SQSClient;

beforeAll(async () => {
  server = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  sqs = new SQSClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function fifoQueue(name: string, visibilityTimeout: number, redrive?: { dlqArn: string; max: number }) {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${name}.fifo`,
      Attributes: {
        FifoQueue: 'true',
        ContentBasedDeduplication: 'true',
        VisibilityTimeout: String(visibilityTimeout),
        ...(redrive
          ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: redrive.dlqArn, maxReceiveCount: redrive.max }) }
          : {}),
      },
    }),
  );
  return { url: QueueUrl!, arn: `arn:aws:sqs:us-east-1:123456789012:${name}.fifo` };
}

const send = (url: string, body: string) =>
  sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageGroupId: 'g' }));

describe('local poller', () => {
  it('maps local receive counts to what AWS reports, only with the speed-up', () => {
    expect([1, 3, 5, 7, 9].map((n) => awsReceiveCount(n, { retryDelaySeconds: 1 }))).toEqual([1, 2, 3, 4, 5]);
    expect(awsReceiveCount(3, {})).toBe(3);
  });

  it('holds a FIFO group after a failure until the failed message is visible again (no speed-up: as on AWS)', async () => {
    const q = await fifoQueue('hold', 2);
    await send(q.url, 'first');
    await send(q.url, 'second');
    const seen: { body: string; at: number; count: string }[] = [];
    const t0 = Date.now();
    const invoke = async (e: SQSEvent) => {
      for (const r of e.Records)
        seen.push({ body: r.body, at: Date.now() - t0, count: r.attributes.ApproximateReceiveCount });
      // Fail the first delivery of `first` only.
      const failFirst = seen.filter((s) => s.body === 'first').length === 1;
      return { batchItemFailures: failFirst ? [{ itemIdentifier: e.Records[0]!.messageId }] : [] };
    };
    const opts = { sqs, queueUrl: q.url, queueArn: q.arn, batchSize: 1, invoke };
    await pollOnce(opts); // first fails: the poller waits out its 2 s visibility timeout
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_000);
    await pollOnce(opts);
    await pollOnce(opts);
    expect(seen.map((s) => s.body)).toEqual(['first', 'first', 'second']);
    expect(seen[1]!.count).toBe('2');
  });

  it('with the speed-up, dead-letters after the 5th delivery, each seeing AWS’s receive count', async () => {
    const dlq = await sqs.send(
      new CreateQueueCommand({ QueueName: 'poison-dlq.fifo', Attributes: { FifoQueue: 'true' } }),
    );
    // createQueues doubles the redrive count when the pollers speed retries up (local/wiring.ts): 5 → 10.
    const q = await fifoQueue('poison', 30, { dlqArn: 'arn:aws:sqs:us-east-1:123456789012:poison-dlq.fifo', max: 10 });
    await send(q.url, 'poison');
    const counts: string[] = [];
    const invoke = async (e: SQSEvent) => {
      for (const r of e.Records) counts.push(r.attributes.ApproximateReceiveCount);
      return { batchItemFailures: e.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    };
    const opts = { sqs, queueUrl: q.url, queueArn: q.arn, batchSize: 1, invoke, retryDelaySeconds: 0.2 };
    const until = Date.now() + 8_000;
    while (Date.now() < until && counts.length < 6) await pollOnce(opts);
    expect(counts).toEqual(['1', '2', '3', '4', '5']);
    await new Promise((r) => setTimeout(r, 500));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).toBe('1');
  });
});
