/**
 * The work queue. Commands are JSON; a delay (0–900 s, SQS's limit) schedules a later step without a
 * Lambda sleeping. The queue URL's host is used as the endpoint (SDK default), so a local queue URL
 * reaches the local SQS with no further configuration.
 */
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Command } from '../commands.js';

export interface CommandQueue {
  send(command: Command, opts?: { delaySeconds?: number }): Promise<void>;
}

let sharedClient: SQSClient | undefined;
export const sqsClient = (): SQSClient => (sharedClient ??= new SQSClient({}));

/**
 * ZPA policy writes must never run concurrently (ZPA answers 409), so bypass and reconcile commands go to
 * the policy queue — FIFO, one message group, consumed by the reconciler one message at a time; everything
 * else goes to the work queue.
 */
export const POLICY_COMMANDS: ReadonlySet<Command['type']> = new Set(['bypass.apply', 'bypass.remove', 'reconcile']);

export function routedCommandQueue(urls: { work: string; policy: string }, client: SQSClient = sqsClient()): CommandQueue {
  const work = sqsCommandQueue(urls.work, client);
  const policy = sqsCommandQueue(urls.policy, client);
  return { send: (command, opts) => (POLICY_COMMANDS.has(command.type) ? policy : work).send(command, opts) };
}

/** The one message group of the FIFO policy queue: every ZPA policy change, in order, one at a time. */
export const POLICY_MESSAGE_GROUP = 'zpa-policy';

export function sqsCommandQueue(queueUrl: string, client: SQSClient = sqsClient()): CommandQueue {
  const fifo = queueUrl.endsWith('.fifo');
  return {
    async send(command, opts = {}) {
      if (fifo && opts.delaySeconds) throw new Error('a FIFO queue takes no per-message delay');
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(command),
          // FIFO: SQS itself drops a second send of the same command within its 5-minute deduplication window.
          ...(fifo
            ? { MessageGroupId: POLICY_MESSAGE_GROUP, MessageDeduplicationId: command.id.replace(/[^\x21-\x7e]/g, '_').slice(0, 128) }
            : { DelaySeconds: Math.max(0, Math.min(900, Math.round(opts.delaySeconds ?? 0))) }),
          MessageAttributes: { commandType: { DataType: 'String', StringValue: command.type } },
        }),
      );
    },
  };
}
