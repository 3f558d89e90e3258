/**
 * Every chat command the ingress acknowledges ends in an outcome the requester sees, even when its message is
 * lost on the queue (deleted by a bad redrive, a purge, an operator, a bug). The protocol, one item per command in
 * the ledger table (key `receipt#<command id>`, kept two days by DynamoDB's TTL), written only if absent:
 * - the consumer (reconciler, trace reconciler, worker), before it acts, records `received`;
 * - the `command.check` the ingress sent beside the command arrives COMMAND_CHECK_DELAY_SECONDS later on the work
 *   queue and records `lost`, which only succeeds if no receipt exists: then the requester is told that nothing
 *   was done and to ask again, the `CommandsLost` metric counts it (alarm), and a late arrival of the command
 *   finds `lost` and is refused with a message, never carried out after the requester heard it was not.
 * The first write wins (a conditional put), so exactly one of "carried out" and "reported lost" happens.
 * Commands no person waits for (schedules, incidents, wake-ups) have no check: their own reconcilers repair them.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Logger } from '../logger.js';
import type { Reporter } from '../reporting/reporter.js';
import type { CommandCheck } from './contract.js';

export type ReceiptState = 'received' | 'lost';

export interface CommandReceipts {
  /**
   * Records `state` for the command unless a receipt exists; resolves with the state that stands and whether
   * this call recorded it (a duplicate check must not tell the requester twice).
   */
  claim(commandId: string, state: ReceiptState): Promise<{ state: ReceiptState; recorded: boolean }>;
}

/** The key prefix of receipts in the ledger table (serverless.yml limits the consumers' access to it). */
export const RECEIPT_KEY_PREFIX = 'receipt#';
const RETENTION_S = 2 * 86_400;

let sharedClient: DynamoDBClient | undefined;
const dynamoClient = () => (sharedClient ??= new DynamoDBClient({}));

export function dynamoReceipts(opts: {
  tableName: string;
  client?: DynamoDBClient;
  now?: () => number;
}): CommandReceipts {
  const client = opts.client ?? dynamoClient();
  const now = opts.now ?? Date.now;
  const TableName = opts.tableName;
  return {
    async claim(commandId, state) {
      const key = { S: `${RECEIPT_KEY_PREFIX}${commandId}` };
      try {
        await client.send(
          new PutItemCommand({
            TableName,
            Item: {
              key,
              state: { S: state },
              at: { S: new Date(now()).toISOString() },
              expiresAt: { N: String(Math.floor(now() / 1000) + RETENTION_S) },
            },
            ConditionExpression: 'attribute_not_exists(#k)',
            ExpressionAttributeNames: { '#k': 'key' },
          }),
        );
        return { state, recorded: true };
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
      const stored = await client.send(new GetItemCommand({ TableName, Key: { key }, ConsistentRead: true }));
      return { state: stored.Item?.state?.S === 'lost' ? 'lost' : 'received', recorded: false };
    },
  };
}

/**
 * The worker's side of a `command.check`: records the command lost unless its consumer received it, and if so
 * tells the requester that nothing was done (and counts it: the CommandsLost alarm).
 */
export async function settleCheck(
  check: CommandCheck,
  deps: { receipts: CommandReceipts; reporter: Reporter; logger: Logger },
): Promise<ReceiptState> {
  const { state, recorded } = await deps.receipts.claim(check.commandId, 'lost');
  // Received: its consumer has it. Lost but not by this call: a duplicate check, the requester was told once.
  if (!recorded) return state;
  deps.logger.metric('CommandsLost');
  deps.logger.error('an acknowledged command never reached its consumer; the requester is told', {
    commandId: check.commandId,
    about: check.about,
    requestedBy: check.requestedBy,
  });
  await deps.reporter.report(
    {
      kind: 'command.lost',
      ok: false,
      text: `Your request to ${check.about} was not carried out: it was lost on its way and nothing was changed. Ask again if you still need it.`,
      data: { commandId: check.commandId },
    },
    check.reply,
  );
  return state;
}
