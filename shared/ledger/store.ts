/**
 * The incident ledger in DynamoDB: one item per incident, `key` as partition key, the record as one JSON
 * attribute (`doc`), a `version` for conditional writes, `expiresAt` for DynamoDB's TTL, and `pending` — set
 * only while the reconciler has work for the incident — as the key of a sparse global secondary index, so a
 * run reads only the incidents that need it, never the whole retention.
 *
 * Every write is conditional on the version read: a second writer (which the single-consumer queue should
 * make impossible) loses with a conflict instead of overwriting.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { AppError } from '../errors.js';
import { needsWork, type IncidentRecord } from './record.js';

export interface LedgerStore {
  get(key: string): Promise<IncidentRecord | undefined>;
  /**
   * Stores `record` if the stored version is still `record.version` (0: not stored yet), and returns it with
   * its new version. @throws LedgerConflictError when someone else wrote first.
   */
  put(record: IncidentRecord): Promise<IncidentRecord>;
  /** The records the reconciler has work for (eventually consistent: re-read one with `get` before acting). */
  listPending(): Promise<IncidentRecord[]>;
}

export class LedgerConflictError extends AppError {
  constructor(key: string) {
    super('ledger_conflict', `the ledger record ${key} changed while it was being updated`, 409, true);
  }
}

export const PENDING_INDEX = 'pending';
const PENDING_VALUE = 'y';

export interface DynamoLedgerOptions {
  tableName: string;
  /** How long a record is kept after its last change (DynamoDB TTL). */
  retentionDays: number;
  client?: DynamoDBClient;
  now?: () => number;
}

let sharedClient: DynamoDBClient | undefined;
const dynamoClient = () => (sharedClient ??= new DynamoDBClient({}));

export function dynamoLedger(opts: DynamoLedgerOptions): LedgerStore {
  const client = opts.client ?? dynamoClient();
  const now = opts.now ?? Date.now;
  const TableName = opts.tableName;
  const decode = (item: Record<string, AttributeValue> | undefined): IncidentRecord | undefined => {
    if (!item?.doc?.S) return undefined;
    return { ...(JSON.parse(item.doc.S) as IncidentRecord), version: Number(item.version?.N ?? 0) };
  };
  return {
    async get(key) {
      const r = await client.send(new GetItemCommand({ TableName, Key: { key: { S: key } }, ConsistentRead: true }));
      return decode(r.Item);
    },
    async put(record) {
      const next = record.version + 1;
      const { version: _version, ...doc } = record;
      const item: Record<string, AttributeValue> = {
        key: { S: record.key },
        doc: { S: JSON.stringify(doc) },
        version: { N: String(next) },
        expiresAt: { N: String(Math.floor(now() / 1000) + opts.retentionDays * 86_400) },
      };
      if (needsWork(record)) item.pending = { S: PENDING_VALUE };
      try {
        await client.send(
          new PutItemCommand({
            TableName,
            Item: item,
            ...(record.version === 0
              ? { ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': 'key' } }
              : {
                  ConditionExpression: '#v = :v',
                  ExpressionAttributeNames: { '#v': 'version' },
                  ExpressionAttributeValues: { ':v': { N: String(record.version) } },
                }),
          }),
        );
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) throw new LedgerConflictError(record.key);
        throw e;
      }
      return { ...record, version: next };
    },
    async listPending() {
      const out: IncidentRecord[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const r = await client.send(
          new QueryCommand({
            TableName,
            IndexName: PENDING_INDEX,
            KeyConditionExpression: '#p = :y',
            ExpressionAttributeNames: { '#p': 'pending' },
            ExpressionAttributeValues: { ':y': { S: PENDING_VALUE } },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of r.Items ?? []) {
          const rec = decode(item);
          if (rec) out.push(rec);
        }
        start = r.LastEvaluatedKey;
      } while (start);
      return out;
    },
  };
}
