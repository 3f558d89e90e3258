/**
 * The SQS event source mapping, locally: long-polls a queue, invokes the function with a batch, deletes
 * the records it did not report in `batchItemFailures`, and leaves failed ones to come back after their
 * visibility timeout — so redelivery and the redrive policy's dead-lettering happen exactly as on AWS.
 * (A crash of the whole invocation fails the whole batch, as on AWS.)
 *
 * Two things local SQS does differently from AWS, made right here:
 * - A failed FIFO message holds its message group on AWS until it is delivered again; local SQS hands out the
 *   group's next message meanwhile. So after a failed FIFO batch this poller waits until the failed message is
 *   visible again (its queue's visibility timeout: 240 s on the policy queue, as on AWS) before receiving more.
 * - `retryDelaySeconds` (tests and drills only) brings a failed message back sooner with ChangeMessageVisibility.
 *   Local SQS counts that call as one more receive, so such a message would dead-letter after 3 deliveries
 *   instead of 5. With a speed-up the queues are created with twice the redrive count (`createQueues`'
 *   `speedUpRetries`), and the handler is given the receive count AWS would give: delivery k arrives with
 *   local count 2k − 1 (k receives, k − 1 visibility changes).
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
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
  /**
   * Local speed-up for tests: failed records become visible again after this many seconds instead of the queue's
   * visibility timeout. Needs the queues created with `speedUpRetries` (see above). Absent: as on AWS.
   */
  retryDelaySeconds?: number;
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
        ApproximateReceiveCount: String(awsReceiveCount(Number(m.Attributes?.ApproximateReceiveCount ?? 1), opts)),
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
    if (opts.retryDelaySeconds !== undefined) {
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
    }
    // The failed FIFO message holds the group (the policy and trace queues have one) until it is visible again.
    if (opts.queueUrl.endsWith('.fifo')) {
      const seconds = opts.retryDelaySeconds ?? (await visibilityTimeoutSeconds(opts));
      await new Promise((r) => setTimeout(r, seconds * 1000 + 100));
    }
  }
  return Messages.length;
}

/** The receive count AWS would report: with the speed-up, local SQS counted each visibility change too. */
export function awsReceiveCount(local: number, opts: Pick<PollerOptions, 'retryDelaySeconds'>): number {
  return opts.retryDelaySeconds === undefined ? local : Math.ceil(local / 2);
}

async function visibilityTimeoutSeconds(opts: PollerOptions): Promise<number> {
  const { Attributes } = await opts.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: opts.queueUrl, AttributeNames: ['VisibilityTimeout'] }),
  );
  return Number(Attributes?.VisibilityTimeout ?? 30);
}
