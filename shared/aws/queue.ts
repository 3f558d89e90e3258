/**
 * The command queues on SQS. Commands are JSON, checked against the contract before they are sent. The queue
 * URL's host is used as the endpoint (SDK default), so a local queue URL reaches the local SQS with no further
 * configuration.
 */
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { serialiseCommand } from '../commands/contract.js';
import { routeCommands, type CommandQueue } from '../commands/queue.js';

/** Deliveries before SQS moves a message to its dead-letter queue (every queue's redrive policy in serverless.yml). */
export const MAX_RECEIVE_COUNT = 5;

let sharedClient: SQSClient | undefined;
export const sqsClient = (): SQSClient => (sharedClient ??= new SQSClient({}));

/** The work queue and the two FIFO queues behind one `send` (see `routeCommands`). */
export function routedCommandQueue(
  urls: { work: string; policy: string; trace: string },
  client: SQSClient = sqsClient(),
): CommandQueue {
  return routeCommands({
    work: sqsCommandQueue(urls.work, client),
    policy: sqsCommandQueue(urls.policy, client),
    trace: sqsCommandQueue(urls.trace, client, TRACE_MESSAGE_GROUP),
  });
}

/** The one message group of the FIFO policy queue: every ZPA policy change, in order, one at a time. */
export const POLICY_MESSAGE_GROUP = 'zpa-policy';
/** The one message group of the FIFO trace queue: every deep-trace command, in order, one run at a time. */
export const TRACE_MESSAGE_GROUP = 'zdx-traces';

export function sqsCommandQueue(
  queueUrl: string,
  client: SQSClient = sqsClient(),
  messageGroupId = POLICY_MESSAGE_GROUP,
): CommandQueue {
  const fifo = queueUrl.endsWith('.fifo');
  return {
    async send(command, opts = {}) {
      if (fifo && opts.delaySeconds) throw new Error('a FIFO queue takes no per-message delay');
      const body = serialiseCommand(command);
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          // FIFO: SQS itself drops a second send of the same command within its 5-minute deduplication window.
          ...(fifo
            ? {
                MessageGroupId: messageGroupId,
                MessageDeduplicationId: command.id.replace(/[^\x21-\x7e]/g, '_').slice(0, 128),
              }
            : { DelaySeconds: Math.max(0, Math.min(900, Math.round(opts.delaySeconds ?? 0))) }),
          MessageAttributes: { commandType: { DataType: 'String', StringValue: command.type } },
        }),
      );
    },
  };
}
