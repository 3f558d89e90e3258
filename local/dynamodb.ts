/**
 * DynamoDB, locally: dynalite (an in-process DynamoDB-compatible server with conditional writes, ConsistentRead
 * and global secondary indexes) on loopback, with the tables serverless.yml declares, created as declared. The
 * functions reach it through `AWS_ENDPOINT_URL_DYNAMODB` with the real `@aws-sdk/client-dynamodb`.
 */
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';

/** A table's CloudFormation properties (`AWS::DynamoDB::Table`), as serverless.yml declares them. */
export interface TableDef {
  logicalId: string;
  properties: Record<string, unknown>;
}

export interface LocalDynamo {
  url: string;
  /** Logical id → table name (what `!Ref <logicalId>` resolves to). */
  tableNames: Record<string, string>;
  client: DynamoDBClient;
  close(): Promise<void>;
}

export async function startLocalDynamo(
  tables: readonly TableDef[],
  opts: { port?: number; stage?: string; service?: string } = {},
): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tableNames: Record<string, string> = {};
  for (const t of tables) {
    const name = `${opts.service ?? 'zea'}-${opts.stage ?? 'local'}-${t.logicalId}`;
    const p = t.properties as Omit<CreateTableCommandInput, 'TableName'>;
    // TTL, point-in-time recovery and encryption are AWS-side properties a local server has no use for.
    await client.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: p.AttributeDefinitions,
        KeySchema: p.KeySchema,
        GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
        BillingMode: p.BillingMode ?? 'PAY_PER_REQUEST',
      }),
    );
    tableNames[t.logicalId] = name;
  }
  return {
    url,
    tableNames,
    client,
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}
