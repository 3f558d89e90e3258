/**
 * The delivery marks and Slack threads in the ledger's own table, on dynalite with the table serverless.yml
 * declares, through the real DynamoDB client: marks round-trip, a thread is claimed once (a second claimer loses
 * while the claim is fresh and wins once it is stale), a released claim can be taken at once, and none of these
 * items ever appears in the `pending` index the trace reconciler reads, nor reads as a ledger record.
 */
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../../../local/dynamodb.js';
import { readServerlessYml } from '../../../local/serverlessYml.js';
import { dynamoLedger, PENDING_INDEX } from '../../../shared/ledger/store.js';
import { dynamoDeliveries, markKey, threadKey } from '../../../shared/reporting/deliveries.js';

let dynamo: LocalDynamo;
let table: string;
let now = 1_700_000_000_000;
beforeAll(async () => {
  dynamo = await startLocalDynamo(readServerlessYml().tables);
  table = Object.values(dynamo.tableNames)[0]!;
});
afterAll(() => dynamo.close());

const store = () => dynamoDeliveries({ tableName: table, retentionDays: 30, client: dynamo.client, now: () => now });

describe('delivery marks and Slack threads in the ledger table', () => {
  it('a mark round-trips; an unknown one is undefined', async () => {
    const s = store();
    const key = markKey('pagerduty-note', 'pagerduty#Q1', 'trace.completed:9');
    expect(key).toBe('@report#pagerduty-note#pagerduty#Q1#trace.completed:9');
    expect(await s.getMark(key)).toBeUndefined();
    await s.putMark(key, { state: 'failed', attempts: 2, firstFailedAt: now });
    expect(await s.getMark(key)).toEqual({ state: 'failed', attempts: 2, firstFailedAt: now });
    await s.putMark(key, { state: 'sent', attempts: 3 });
    expect(await s.getMark(key)).toEqual({ state: 'sent', attempts: 3, firstFailedAt: undefined });
  });

  it('two runs claiming one thread: one wins; the thread is saved once; a stale claim is taken over', async () => {
    const s = store();
    const [a, b] = await Promise.all([
      s.claimThread('datadog#1', 'run-a', 120_000),
      s.claimThread('datadog#1', 'run-b', 120_000),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(await s.claimThread('datadog#1', 'run-c', 120_000)).toBe(false);
    now += 120_001;
    expect(await s.claimThread('datadog#1', 'run-c', 120_000)).toBe(true);
    expect(await s.saveThread('datadog#1', a ? 'run-a' : 'run-b', { channel: 'C1', ts: '1.1' })).toBe(false);
    expect(await s.saveThread('datadog#1', 'run-c', { channel: 'C1', ts: '1.2' })).toBe(true);
    expect(await s.getThread('datadog#1')).toMatchObject({ channel: 'C1', ts: '1.2', claimId: 'run-c' });
    // A thread that exists is never claimed again, however old.
    now += 10 * 86_400_000;
    expect(await s.claimThread('datadog#1', 'run-d', 120_000)).toBe(false);
    expect(await s.releaseThread('datadog#1', 'run-c')).toBe(false);
  });

  it('a released claim is taken at once; only its owner may release it', async () => {
    const s = store();
    expect(await s.claimThread('datadog#2', 'run-a', 120_000)).toBe(true);
    expect(await s.releaseThread('datadog#2', 'run-b')).toBe(false);
    expect(await s.claimThread('datadog#2', 'run-b', 120_000)).toBe(false);
    expect(await s.releaseThread('datadog#2', 'run-a')).toBe(true);
    expect(await s.claimThread('datadog#2', 'run-b', 120_000)).toBe(true);
  });

  it('none of these items is in the pending index or reads as an incident; all expire with the ledger', async () => {
    const s = store();
    await s.putMark(markKey('slack-channel', 'rootly#x', 'trace.queued:r1:incident'), { state: 'sent', attempts: 1 });
    const pending = await dynamo.client.send(
      new QueryCommand({
        TableName: table,
        IndexName: PENDING_INDEX,
        KeyConditionExpression: '#p = :y',
        ExpressionAttributeNames: { '#p': 'pending' },
        ExpressionAttributeValues: { ':y': { S: 'y' } },
      }),
    );
    expect(pending.Items ?? []).toEqual([]);
    const ledger = dynamoLedger({ tableName: table, retentionDays: 30, client: dynamo.client });
    expect(await ledger.listPending()).toEqual([]);
    expect(await ledger.get(threadKey('datadog#1'))).toBeUndefined();
    expect(await ledger.get(markKey('slack-channel', 'rootly#x', 'trace.queued:r1:incident'))).toBeUndefined();
    for (const key of [threadKey('datadog#1'), markKey('slack-channel', 'rootly#x', 'trace.queued:r1:incident')]) {
      const item = await dynamo.client.send(new GetItemCommand({ TableName: table, Key: { key: { S: key } } }));
      expect(Number(item.Item?.expiresAt?.N)).toBeGreaterThanOrEqual(
        Math.floor(now / 1000) + 30 * 86_400 - 86_400 * 11,
      );
      expect(item.Item?.pending).toBeUndefined();
    }
  });
});
