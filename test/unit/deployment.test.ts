/**
 * The deployment's safety properties, read from serverless.yml itself: least-privilege roles (the
 * internet-facing functions never get the Zscaler credentials), one ZPA policy writer at a time, partial
 * batch failures and a dead-letter queue behind every queue.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseServerlessYml } from '../../local/serverlessYml.js';
import { MAX_RECEIVE_COUNT } from '../../shared/aws/queue.js';
import { parseCommand } from '../../shared/commands/contract.js';

// The local stack's own reader: CloudFormation tags in their JSON form (`{"Fn::GetAtt": "TraceQueue.Arn"}`).
const doc = parseServerlessYml(readFileSync('serverless.yml', 'utf8'));
const fns = doc.functions as Record<string, Record<string, any>>;
const resources = doc.resources.Resources as Record<string, any>;
const statements = (role: string): Array<{ Action: string[]; Resource: unknown }> =>
  resources[role].Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
const secretResources = (role: string) =>
  JSON.stringify(
    statements(role)
      .filter((s) => s.Action.includes('secretsmanager:GetSecretValue'))
      .map((s) => s.Resource),
  );

describe('serverless.yml', () => {
  it("splits ZPA's per-IP budget between the functions that call it: the sums stay within 20 GET and 10 writes per 10 s", () => {
    const params = (doc.params as { default: Record<string, string> }).default;
    const value = (v: unknown) => Number(String(v).replace(/^\$\{param:(\w+)\}$/, (_, name) => params[name]!));
    // The worker (status) and the reconciler call ZPA; the trace reconciler and ingress never do.
    const reads = [
      value(fns.worker!.environment.ZPA_STATUS_READS_PER_10S),
      value(fns.reconciler!.environment.ZPA_READS_PER_10S),
    ];
    expect(reads.every((r) => r >= 1)).toBe(true);
    expect(reads.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(20);
    // Nobody else paces ZPA: the other functions get no share.
    for (const [name, f] of Object.entries(fns))
      if (!['worker', 'reconciler'].includes(name))
        expect(
          Object.keys(f.environment ?? {}).filter((k) => /^ZPA_.*READS/.test(k)),
          name,
        ).toEqual([]);
    // Only the reconciler writes (the worker's ZPA port is the read-only StatusPort): it keeps all 10 writes.
  });

  it('gives every function a role of its own kind; ingress roles cannot read the Zscaler credentials', () => {
    expect(Object.fromEntries(Object.entries(fns).map(([n, f]) => [n, f.role]))).toEqual({
      'incident-webhook': 'IngressRole',
      'slack-command': 'IngressRole',
      'teams-webhook': 'IngressRole',
      worker: 'WorkerRole',
      reconciler: 'ReconcilerRole',
      'trace-reconciler': 'TraceReconcilerRole',
    });
    expect(doc.provider.iam).toBeUndefined(); // no shared role with the union of every permission
    expect(secretResources('IngressRole')).toContain('webhookSecretId');
    expect(secretResources('IngressRole')).not.toContain('zscalerSecretId');
    expect(secretResources('WorkerRole')).not.toContain('webhookSecretId');
    expect(secretResources('ReconcilerRole')).not.toContain('webhookSecretId');
    // The reconciler sends only to its own queue (a run's continuation), nowhere else.
    const sends = statements('ReconcilerRole').filter((st) => st.Action.includes('sqs:SendMessage'));
    expect(sends.map((st) => st.Action)).toEqual([['sqs:SendMessage']]);
    expect(JSON.stringify(sends[0]!.Resource)).toMatch(/^[^,]*PolicyQueue[^,]*Arn/);
    expect(JSON.stringify(sends[0]!.Resource)).not.toMatch(/WorkQueue|TraceQueue/);
  });

  it('serialises every deep-trace command through one FIFO message group, into the ledger table, with least privilege', () => {
    expect(fns['trace-reconciler']!.events).toHaveLength(1);
    expect(fns['trace-reconciler']!.events[0].sqs).toMatchObject({
      arn: { 'Fn::GetAtt': 'TraceQueue.Arn' },
      functionResponseType: 'ReportBatchItemFailures',
    });
    expect(resources.TraceQueue.Properties).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': 'TraceDLQ.Arn' } },
    });
    expect(resources.TraceReconcileSchedule.Properties.Targets[0]).toMatchObject({
      Arn: { 'Fn::GetAtt': 'TraceQueue.Arn' },
      SqsParameters: { MessageGroupId: 'zdx-traces' },
    });
    const table = resources.IncidentLedger.Properties;
    expect(table).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect(table.GlobalSecondaryIndexes.map((g: { IndexName: string }) => g.IndexName)).toEqual(['pending']);
    // Only the trace reconciler writes the ledger; the worker only queries its pending index; ingress never touches it.
    const actions = (role: string) =>
      statements(role)
        .flatMap((s: { Action: string | string[] }) => [s.Action].flat())
        .filter((a: string) => a.startsWith('dynamodb:'));
    expect(actions('TraceReconcilerRole').sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    expect(actions('WorkerRole')).toEqual(['dynamodb:Query', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem']);
    // Besides its queries, the worker may write only chat-command receipts (shared/commands/receipts.ts), as the
    // reconciler may; the trace reconciler has the whole table.
    const receipts = (role: string) =>
      (statements(role) as Array<{ Condition?: unknown }>).filter((s) =>
        JSON.stringify(s.Condition ?? {}).includes('receipt#'),
      );
    for (const role of ['WorkerRole', 'ReconcilerRole'])
      expect(
        receipts(role).map((s) => s.Condition),
        role,
      ).toEqual([{ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['receipt#*'] } }]);
    // Of the table itself the worker may read only the window-stops item; the index is what status lists.
    const tableQuery = statements('WorkerRole').find(
      (s) =>
        s.Action.includes('dynamodb:Query') &&
        !s.Action.includes('dynamodb:PutItem') &&
        !JSON.stringify(s.Resource).includes('index/pending'),
    ) as { Condition?: unknown };
    expect(tableQuery.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['window-stops'] } });
    expect(actions('IngressRole')).toEqual([]);
    expect(JSON.stringify(statements('TraceReconcilerRole'))).not.toContain('webhookSecretId');
  });

  it('serialises every ZPA policy change through one FIFO message group: one reconciler at a time, one command per invocation', () => {
    expect(fns.reconciler!.reservedConcurrency).toBeUndefined(); // would fail on accounts at the default quota
    expect(fns.reconciler!.events).toHaveLength(1); // the queue is its only trigger
    expect(resources.PolicyQueue.Properties.QueueName).toMatch(/\.fifo$/);
    expect(resources.PolicyDLQ.Properties.QueueName).toMatch(/\.fifo$/);
    const sqs = fns.reconciler!.events[0].sqs;
    expect(sqs).toMatchObject({
      arn: { 'Fn::GetAtt': 'PolicyQueue.Arn' },
      batchSize: 1,
      functionResponseType: 'ReportBatchItemFailures',
    });
    expect(resources.PolicyQueue.Properties).toMatchObject({ FifoQueue: true, ContentBasedDeduplication: true });
    expect(resources.PolicyDLQ.Properties.FifoQueue).toBe(true);
    // The schedule puts a reconcile command into the same group; EventBridge may send to the queue.
    const target = resources.ReconcileSchedule.Properties.Targets[0];
    expect(target).toMatchObject({
      Arn: { 'Fn::GetAtt': 'PolicyQueue.Arn' },
      SqsParameters: { MessageGroupId: 'zpa-policy' },
    });
    expect(parseCommand(target.InputTransformer.InputTemplate.replaceAll('<eventId>', 'e1'))).toEqual({
      id: 'schedule-e1',
      type: 'reconcile',
      requestedBy: { kind: 'schedule', id: 'e1' },
    });
    expect(target.InputTransformer.InputPathsMap).toEqual({ eventId: '$.id' });
    expect(resources.PolicyQueueSchedulePolicy.Properties.PolicyDocument.Statement[0]).toEqual({
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': 'PolicyQueue.Arn' },
      Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': 'ReconcileSchedule.Arn' } } },
    });
    // Ingress may send to the policy queue; the reconciler consumes it.
    expect(JSON.stringify(statements('IngressRole'))).toContain('PolicyQueue.Arn');
    expect(statements('ReconcilerRole')[0]).toMatchObject({
      Action: expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']),
      Resource: { 'Fn::GetAtt': 'PolicyQueue.Arn' },
    });
    // A message in flight holds the group: the visibility timeout only just covers a run and its retry.
    expect(resources.PolicyQueue.Properties.VisibilityTimeout).toBeGreaterThan(fns.reconciler!.timeout);
    expect(resources.PolicyQueue.Properties.VisibilityTimeout).toBeLessThanOrEqual(3 * fns.reconciler!.timeout);
    // Work queue: at least 6x the function timeout (AWS guidance for Lambda event sources).
    expect(resources.WorkQueue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fns.worker!.timeout);
  });

  it('alarms when a command lands in a DLQ or reconciles stop, and keeps undeliverable schedule ticks', () => {
    expect(resources.ReconcileSchedule.Properties.Targets[0]).toMatchObject({
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': 'ScheduleDLQ.Arn' } },
      RetryPolicy: { MaximumRetryAttempts: 5 },
    });
    for (const [alarm, queue] of [
      ['WorkDLQAlarm', 'WorkDLQ'],
      ['PolicyDLQAlarm', 'PolicyDLQ'],
    ] as const) {
      expect(resources[alarm].Properties).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        Dimensions: [{ Value: { 'Fn::GetAtt': `${queue}.QueueName` } }],
      });
    }
    expect(resources.ReconcileStoppedAlarm.Properties).toMatchObject({
      MetricName: 'Invocations',
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('guards the edge: every queue encrypted, the HTTP API throttled and access-logged, log retention a param', () => {
    const queues = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
    expect(queues.length).toBe(7);
    for (const [id, q] of queues) expect(q.Properties.SqsManagedSseEnabled, id).toBe(true);
    expect(doc.provider.logRetentionInDays).toBe(`\${param:logRetentionDays}`);
    expect(doc.params.default.logRetentionDays).toBe(365); // the audit trail lives in these log groups
    expect(doc.provider.logs.httpApi.format).toContain('$context.requestId');
    expect(JSON.parse(doc.provider.logs.httpApi.format)).toMatchObject({
      status: '$context.status',
      routeKey: '$context.routeKey',
    });
    expect(doc.resources.extensions.HttpApiStage.Properties.DefaultRouteSettings).toEqual({
      DetailedMetricsEnabled: false,
      ThrottlingRateLimit: `\${param:httpApiRateLimit}`,
      ThrottlingBurstLimit: `\${param:httpApiBurstLimit}`,
    });
    expect(Number(doc.params.default.httpApiRateLimit)).toBeGreaterThan(0);
    expect(Number(doc.params.default.httpApiBurstLimit)).toBeGreaterThanOrEqual(
      Number(doc.params.default.httpApiRateLimit),
    );
    expect(doc.provider.deploymentBucket).toEqual({ blockPublicAccess: true });
  });

  it('is read without a warning; a tag the reader does not know is an error naming it', () => {
    expect(() => parseServerlessYml('a: !Ref B\nb: !If [C, !GetAtt D.Arn, !Ref AWS::NoValue]\n')).not.toThrow();
    expect(parseServerlessYml('x: !And [!Condition A, !Not [!Equals [a, b]]]\n')).toEqual({
      x: { 'Fn::And': [{ Condition: 'A' }, { 'Fn::Not': [{ 'Fn::Equals': ['a', 'b'] }] }] },
    });
    expect(() => parseServerlessYml('x: !NoSuchFunction y\n')).toThrow(/NoSuchFunction/);
  });

  it('puts a dead-letter queue behind every queue and reports partial batch failures', () => {
    for (const q of ['WorkQueue', 'PolicyQueue'])
      expect(resources[q].Properties.RedrivePolicy).toMatchObject({ maxReceiveCount: MAX_RECEIVE_COUNT });
    expect(fns.worker!.events[0].sqs.functionResponseType).toBe('ReportBatchItemFailures');
    expect(Object.values(fns).every((f) => f.role && f.package.patterns.length === 1)).toBe(true); // one bundle per function
  });
});
