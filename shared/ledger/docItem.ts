/**
 * One JSON document in one item of the ledger table, under a fixed key, with a `version` every write is
 * conditional on: the pattern of the small operational records the policy side keeps beside the incidents (the
 * windows' emergency stops, the segments our bypasses marked). Read with a Query on the key, not GetItem, so a
 * role limited to `dynamodb:Query` on that leading key can read it. Such items carry no `expiresAt` (they must
 * not expire) and no `pending` (the trace reconciler's index never sees them).
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';

export interface VersionedDoc<T> {
  doc: T | undefined;
  /** The stored item's version (0: none stored yet); `save` is conditional on it. */
  version: number;
}

export interface DocItemStore<T> {
  /** The document as stored now (a strongly consistent read). */
  read(): Promise<VersionedDoc<T>>;
  /** Stores `doc` if the stored version is still `version`; false when someone else wrote first. */
  save(doc: T, version: number): Promise<boolean>;
}

let sharedClient: DynamoDBClient | undefined;
const dynamoClient = () => (sharedClient ??= new DynamoDBClient({}));

export function dynamoDocItem<T>(opts: { tableName: string; key: string; client?: DynamoDBClient }): DocItemStore<T> {
  const client = opts.client ?? dynamoClient();
  const { tableName: TableName, key } = opts;
  return {
    async read() {
      const r = await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: '#k = :k',
          ExpressionAttributeNames: { '#k': 'key' },
          ExpressionAttributeValues: { ':k': { S: key } },
          ConsistentRead: true,
        }),
      );
      const item = r.Items?.[0];
      if (!item?.doc?.S) return { doc: undefined, version: 0 };
      return { doc: JSON.parse(item.doc.S) as T, version: Number(item.version?.N ?? 0) };
    },
    async save(doc, version) {
      try {
        await client.send(
          new PutItemCommand({
            TableName,
            Item: { key: { S: key }, doc: { S: JSON.stringify(doc) }, version: { N: String(version + 1) } },
            ...(version === 0
              ? { ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': 'key' } }
              : {
                  ConditionExpression: '#v = :v',
                  ExpressionAttributeNames: { '#v': 'version' },
                  ExpressionAttributeValues: { ':v': { N: String(version) } },
                }),
          }),
        );
        return true;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return false;
        throw e;
      }
    },
  };
}
