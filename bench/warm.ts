/**
 * Warm overhead of the webhook handler: p50/p99 per invocation over N invocations through the real middy
 * chain (signature check, normalisation, SendMessage to local SQS), next to a bare SendMessage of the same
 * command to the same queue. The difference is what our code adds per request.
 */
import { SQSClient, SendMessageCommand, CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { createSqsServer } from 'local-aws-sqs';
import type { AddressInfo } from 'node:net';
import { makeHandler } from '../functions/incident-webhook/app.js';
import { sqsCommandQueue } from '../shared/aws/queue.js';
import { createLogger } from '../shared/logger.js';
import { pagerDutyDelivery } from '../test/helpers/webhooks.js';
import { LOCAL_WEBHOOK_SECRETS } from '../local/fakeSecrets.js';
import { percentile, round } from './stats.js';

export interface WarmRow { name: string; p50: number; p99: number; n: number }

export async function measureWarm(n = Number(process.env.BENCH_WARM_N ?? 3000)): Promise<WarmRow[]> {
  const server = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-work' }));
  const handler = makeHandler({
    queue: sqsCommandQueue(QueueUrl!, sqs),
    secrets: { get: async () => LOCAL_WEBHOOK_SECRETS, refresh: async () => LOCAL_WEBHOOK_SECRETS },
    logger: createLogger({ level: 'error', sink: () => undefined }),
    emailFields: ['custom_details.affected_user'],
    maxBodyBytes: 262_144,
  });
  const d = pagerDutyDelivery({ kind: 'triggered', incidentId: 'QBENCH', email: 'alice@corp.example' });
  const event = { rawPath: '/webhooks/pagerduty', pathParameters: { source: 'pagerduty' }, headers: d.headers, body: d.body, isBase64Encoded: false, requestContext: {} } as unknown as APIGatewayProxyEventV2;
  const context = { getRemainingTimeInMillis: () => 10_000 } as Context;
  const command = JSON.stringify({ id: 'cmd_x', type: 'trace.start', incident: { source: 'pagerduty', incidentId: 'QBENCH' }, userEmails: ['alice@corp.example'], requestedBy: { kind: 'incident', id: 'x' } });

  const time = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  const bare: number[] = [];
  const full: number[] = [];
  for (let i = 0; i < 200; i++) await handler(event, context); // warm up both paths and the JIT
  for (let i = 0; i < n; i++) {
    // Alternate so drift in the local queue's size and GC pressure affect both alike.
    bare.push(await time(() => sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: command }))));
    full.push(await time(() => handler(event, context)));
  }
  sqs.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  const row = (name: string, xs: number[]): WarmRow => ({ name, p50: round(percentile(xs, 50), 3), p99: round(percentile(xs, 99), 3), n: xs.length });
  return [row('bare SendMessage', bare), row('incident-webhook (middy chain)', full)];
}
