/**
 * The SQS event source mapping, locally: long-polls a queue, invokes the function with a batch, deletes
 * the records it did not report in `batchItemFailures`, and leaves failed ones to come back after their
 * visibility timeout — so redelivery and the redrive policy's dead-lettering happen exactly as on AWS.
 * (A crash of the whole invocation fails the whole batch, as on AWS.)
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  invoke: (event: SQSEvent) => Promise<unknown>;
  /** Local speed-up: failed records become visible again after this many seconds instead of the queue's timeout. */
  retryDelaySeconds: number;
  onError?: (e: unknown) => void;
}

export function startPoller(opts: PollerOptions): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        await pollOnce(opts);
      } catch (e) {
        opts.onError?.(e);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

export async function pollOnce(opts: PollerOptions): Promise<number> {
  const { Messages = [] } = await opts.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: opts.queueUrl,
      MaxNumberOfMessages: opts.batchSize,
      WaitTimeSeconds: 1,
      AttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  if (!Messages.length) return 0;
  const event: SQSEvent = {
    Records: Messages.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
        SenderId: m.Attributes?.SenderId ?? 'local',
        ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
          k,
          { dataType: v.DataType ?? 'String', stringValue: v.StringValue },
        ]),
      ),
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: opts.queueArn,
      awsRegion: 'us-east-1',
    })),
  };
  let failed: Set<string>;
  try {
    const res = (await opts.invoke(event)) as SQSBatchResponse | undefined;
    failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  } catch (e) {
    opts.onError?.(e);
    failed = new Set(Messages.map((m) => m.MessageId!));
  }
  const done = Messages.filter((m) => !failed.has(m.MessageId!));
  const retry = Messages.filter((m) => failed.has(m.MessageId!));
  if (done.length) {
    await opts.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: opts.queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  if (retry.length) {
    await opts.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: opts.queueUrl,
        Entries: retry.map((m, i) => ({
          Id: String(i),
          ReceiptHandle: m.ReceiptHandle!,
          VisibilityTimeout: opts.retryDelaySeconds,
        })),
      }),
    );
    // On AWS a failed FIFO message holds its group until it is retried; local SQS would hand out the next
    // one meanwhile. Waiting for the retry keeps the local order (the policy queue has one group).
    if (opts.queueUrl.endsWith('.fifo')) await new Promise((r) => setTimeout(r, opts.retryDelaySeconds * 1000 + 100));
  }
  return Messages.length;
}
