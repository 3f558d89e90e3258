/**
 * What has been delivered into each incident, kept in the incident ledger's table under key prefixes no
 * incident can have (a ledger key starts with a source name, lower-case letters and digits; these start with `@`):
 *
 * - `@report#<sink>#<source>#<incident id>#<event>`: one item per outcome and sink — sent, failed so far (with its
 *   attempts) or given up — so a step the trace reconciler retries never writes the same note twice;
 * - `@slack-thread#<source>#<incident id>`: the Slack message that opened the incident's thread (its `ts`), written
 *   with conditional puts so two runs never open two threads.
 *
 * Neither carries the `pending` attribute, so neither is ever in the sparse index the reconciler reads, and
 * neither has the ledger's `doc`, so the ledger store never mistakes one for an incident. Both expire with the
 * ledger's retention (DynamoDB TTL on `expiresAt`).
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';

export type DeliveryState = 'sent' | 'failed' | 'abandoned';

export interface DeliveryMark {
  state: DeliveryState;
  attempts: number;
  /** When the first attempt failed (epoch ms): the retry bound counts from here. */
  firstFailedAt?: number;
}

export interface SlackThread {
  channel: string;
  ts: string;
}

export interface DeliveryStore {
  getMark(key: string): Promise<DeliveryMark | undefined>;
  putMark(key: string, mark: DeliveryMark): Promise<void>;
  getThread(
    incidentKey: string,
  ): Promise<(Partial<SlackThread> & { claimId?: string; claimedAt?: number }) | undefined>;
  /**
   * Claims the right to open the incident's thread: true when no thread exists and nobody else holds a claim
   * younger than `leaseMs` (a claim left by a run that died is taken over after it).
   */
  claimThread(incidentKey: string, claimId: string, leaseMs: number): Promise<boolean>;
  /** Records the opened thread, if the claim is still ours. */
  saveThread(incidentKey: string, claimId: string, thread: SlackThread): Promise<boolean>;
  /** Gives a claim up (opening failed; no thread was posted): the next attempt may claim at once. */
  releaseThread(incidentKey: string, claimId: string): Promise<boolean>;
}

export const markKey = (sink: string, incidentKey: string, event: string) => `@report#${sink}#${incidentKey}#${event}`;
export const threadKey = (incidentKey: string) => `@slack-thread#${incidentKey}`;

export interface DynamoDeliveryOptions {
  tableName: string;
  retentionDays: number;
  client?: DynamoDBClient;
  now?: () => number;
}

let sharedClient: DynamoDBClient | undefined;
const dynamoClient = () => {
  sharedClient ??= new DynamoDBClient({});
  return sharedClient;
};

export function dynamoDeliveries(opts: DynamoDeliveryOptions): DeliveryStore {
  const client = opts.client ?? dynamoClient();
  const now = opts.now ?? Date.now;
  const TableName = opts.tableName;
  const expiresAt = (): AttributeValue => ({ N: String(Math.floor(now() / 1000) + opts.retentionDays * 86_400) });
  const get = async (key: string) =>
    (await client.send(new GetItemCommand({ TableName, Key: { key: { S: key } }, ConsistentRead: true }))).Item;
  const conditional = async (cmd: PutItemCommand) => {
    try {
      await client.send(cmd);
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  };
  return {
    async getMark(key) {
      const item = await get(key);
      if (!item?.state?.S) return undefined;
      return {
        state: item.state.S as DeliveryState,
        attempts: Number(item.attempts?.N ?? 0),
        firstFailedAt: item.firstFailedAt?.N ? Number(item.firstFailedAt.N) : undefined,
      };
    },
    async putMark(key, mark) {
      const Item: Record<string, AttributeValue> = {
        key: { S: key },
        state: { S: mark.state },
        attempts: { N: String(mark.attempts) },
        expiresAt: expiresAt(),
      };
      if (mark.firstFailedAt !== undefined) Item.firstFailedAt = { N: String(mark.firstFailedAt) };
      await client.send(new PutItemCommand({ TableName, Item }));
    },
    async getThread(incidentKey) {
      const item = await get(threadKey(incidentKey));
      if (!item) return undefined;
      return {
        channel: item.channel?.S,
        ts: item.ts?.S,
        claimId: item.claimId?.S,
        claimedAt: item.claimedAt?.N ? Number(item.claimedAt.N) : undefined,
      };
    },
    claimThread(incidentKey, claimId, leaseMs) {
      return conditional(
        new PutItemCommand({
          TableName,
          Item: {
            key: { S: threadKey(incidentKey) },
            claimId: { S: claimId },
            claimedAt: { N: String(now()) },
            expiresAt: expiresAt(),
          },
          // No item yet, or a claim that never became a thread and is older than the lease.
          ConditionExpression: 'attribute_not_exists(#k) OR (attribute_not_exists(#ts) AND #at < :stale)',
          ExpressionAttributeNames: { '#k': 'key', '#ts': 'ts', '#at': 'claimedAt' },
          ExpressionAttributeValues: { ':stale': { N: String(now() - leaseMs) } },
        }),
      );
    },
    releaseThread(incidentKey, claimId) {
      return conditional(
        new PutItemCommand({
          TableName,
          // A claim of time 0 is stale for every lease.
          Item: {
            key: { S: threadKey(incidentKey) },
            claimId: { S: claimId },
            claimedAt: { N: '0' },
            expiresAt: expiresAt(),
          },
          ConditionExpression: '#c = :c AND attribute_not_exists(#ts)',
          ExpressionAttributeNames: { '#c': 'claimId', '#ts': 'ts' },
          ExpressionAttributeValues: { ':c': { S: claimId } },
        }),
      );
    },
    saveThread(incidentKey, claimId, thread) {
      return conditional(
        new PutItemCommand({
          TableName,
          Item: {
            key: { S: threadKey(incidentKey) },
            claimId: { S: claimId },
            claimedAt: { N: String(now()) },
            channel: { S: thread.channel },
            ts: { S: thread.ts },
            expiresAt: expiresAt(),
          },
          ConditionExpression: '#c = :c AND attribute_not_exists(#ts)',
          ExpressionAttributeNames: { '#c': 'claimId', '#ts': 'ts' },
          ExpressionAttributeValues: { ':c': { S: claimId } },
        }),
      );
    },
  };
}
