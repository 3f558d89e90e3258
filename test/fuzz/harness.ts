/**
 * The three HTTP functions as deployed, over real parts on loopback: their real middy chains (makeHandler),
 * the real SQS client sending to local SQS (queues from serverless.yml), the real Secrets Manager client
 * reading the local Secrets Manager, the local fake Slack API, and the local HTTP API (local/gateway.ts) in
 * front of them for requests that must cross real HTTP. Every SendMessage is counted and inspected before it
 * leaves the SDK client (SQS's character set, the queue contract); every log line is kept for the secret scan.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createSqsServer } from 'local-aws-sqs';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { makeHandler as makeIncidentWebhook } from '../../functions/incident-webhook/app.js';
import { makeHandler as makeSlackCommand } from '../../functions/slack-command/app.js';
import { makeHandler as makeTeamsWebhook } from '../../functions/teams-webhook/app.js';
import { LOCAL_CHAT_PERMISSIONS } from '../../local/fakeChat.js';
import { startGateway } from '../../local/gateway.js';
import { makeContext } from '../../local/lambda.js';
import { startReceiver } from '../../local/receiver.js';
import { startLocalSecretsManager } from '../../local/secretsManager.js';
import { readServerlessYml } from '../../local/serverlessYml.js';
import { createQueues } from '../../local/wiring.js';
import { routedCommandQueue, sqsCommandQueue, TRACE_MESSAGE_GROUP } from '../../shared/aws/queue.js';
import { parsePermissions } from '../../shared/chat/permissions.js';
import { parseCommand, type Command } from '../../shared/commands/contract.js';
import { DEFAULT_MAX_EVENT_AGE_SECONDS } from '../../shared/incidents/ingest.js';
import { createLogger } from '../../shared/logger.js';
import { sqsRefusedCharacter } from '../../shared/validation/sqsText.js';
import { webhookSecrets } from '../../shared/webhooks/secrets.js';
import type { Delivery } from './deliveries.js';
import { FUZZ_SECRETS } from './secrets.js';

/** serverless.yml's default MAX_BODY_BYTES (param maxBodyBytes). */
export const MAX_BODY_BYTES = 262_144;
/** serverless.yml's default PAGERDUTY_EMAIL_FIELDS. */
const EMAIL_FIELDS = ['custom_details.affected_user', 'custom_details.user_email', 'body.details.affected_user'];

/** One SendMessage as it left the SDK client. */
export interface Sent {
  queueUrl: string;
  body: string;
  /** What SQS would refuse in it (U+XXXX), if anything. */
  refused?: string;
  /** The consumer's reading of it, or why it cannot read it. */
  command?: Command;
  poison?: string;
}

export interface Answer {
  status: number;
  body: string;
  json: unknown;
  ms: number;
}

export async function startEdge() {
  const yml = readServerlessYml();
  const sqsServer = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const sqs = new SQSClient({
    endpoint: `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local-fake-access-key', secretAccessKey: 'local-fake-secret-key' },
  });
  const { urls } = await createQueues(sqs, yml, 'fuzz', { redrive: false });
  const sent: Sent[] = [];
  // Before the request is built and sent: what the functions hand to SQS, whatever local SQS would accept.
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'SendMessageCommand') {
        const input = args.input as { QueueUrl: string; MessageBody: string };
        const s: Sent = { queueUrl: input.QueueUrl, body: input.MessageBody };
        const refused = sqsRefusedCharacter(input.MessageBody);
        if (refused) s.refused = refused;
        try {
          s.command = parseCommand(input.MessageBody);
        } catch (e) {
          s.poison = (e as Error).message;
        }
        sent.push(s);
      }
      return next(args);
    },
    { step: 'initialize', name: 'fuzzSendMessageInspector' },
  );

  const secretsServer = await startLocalSecretsManager({ 'fuzz/webhooks': FUZZ_SECRETS });
  const smClient = new SecretsManagerClient({
    endpoint: secretsServer.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local-fake-access-key', secretAccessKey: 'local-fake-secret-key' },
  });
  const secrets = webhookSecrets('fuzz/webhooks', 300, smClient);
  const receiver = await startReceiver();

  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', sink: (l) => lines.push(l) });
  const chatQueue = routedCommandQueue(
    { work: urls.WorkQueue!, policy: urls.PolicyQueue!, trace: urls.TraceQueue! },
    sqs,
  );
  const permissions = parsePermissions(LOCAL_CHAT_PERMISSIONS, 'fuzz');
  const handlers = {
    incident: makeIncidentWebhook({
      queue: sqsCommandQueue(urls.TraceQueue!, sqs, TRACE_MESSAGE_GROUP),
      secrets,
      logger: logger.child({ function: 'incident-webhook' }),
      emailFields: EMAIL_FIELDS,
      maxBodyBytes: MAX_BODY_BYTES,
      maxEventAgeSeconds: DEFAULT_MAX_EVENT_AGE_SECONDS,
    }),
    slack: makeSlackCommand({
      queue: chatQueue,
      secrets,
      logger: logger.child({ function: 'slack-command' }),
      permissions,
      maxBodyBytes: MAX_BODY_BYTES,
      slackApiBaseUrl: `${receiver.url}/slack-api`,
    }),
    teams: makeTeamsWebhook({
      queue: chatQueue,
      secrets,
      logger: logger.child({ function: 'teams-webhook' }),
      permissions,
      maxBodyBytes: MAX_BODY_BYTES,
    }),
  };
  const fnName = { incident: 'incident-webhook', slack: 'slack-command', teams: 'teams-webhook' } as const;
  const fnDef = (fn: Delivery['fn']) => yml.functions.find((f) => f.name === fnName[fn])!;
  const invoke = (fn: Delivery['fn'], event: APIGatewayProxyEventV2) =>
    handlers[fn](event, makeContext(fnDef(fn), yml.service)) as Promise<APIGatewayProxyStructuredResultV2>;

  // The local HTTP API with the routes serverless.yml declares for the three functions.
  const gateway = await startGateway(
    (['incident', 'slack', 'teams'] as const).flatMap((fn) =>
      fnDef(fn).httpApi.map((r) => ({ ...r, invoke: (e: APIGatewayProxyEventV2) => invoke(fn, e) })),
    ),
  );
  const paths = {
    incident: fnDef('incident').httpApi[0]!.path,
    slack: fnDef('slack').httpApi[0]!.path,
    teams: fnDef('teams').httpApi[0]!.path,
  };

  const answer = (status: number, body: string, started: number): Answer => {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    return { status, body, json, ms: performance.now() - started };
  };

  /** In-process, as API Gateway v2 would hand the request to Lambda (the path the function tests use). */
  async function call(d: Delivery): Promise<Answer> {
    const started = performance.now();
    const path = d.fn === 'incident' ? paths.incident.replace('{source}', d.source ?? '') : paths[d.fn];
    const query = d.query && Object.keys(d.query).length ? d.query : undefined;
    const res = await invoke(d.fn, {
      version: '2.0',
      routeKey: `POST ${paths[d.fn]}`,
      rawPath: path,
      rawQueryString: query ? new URLSearchParams(query).toString() : '',
      headers: d.headers,
      queryStringParameters: query,
      pathParameters: d.fn === 'incident' ? { source: d.source ?? '' } : undefined,
      body: d.body === '' ? undefined : d.body,
      isBase64Encoded: d.isBase64Encoded ?? false,
      requestContext: { requestId: randomUUID(), http: { method: 'POST', path } },
    } as unknown as APIGatewayProxyEventV2);
    return answer(res.statusCode ?? 200, res.body ?? '', started);
  }

  /** Over real HTTP through the local gateway: raw path (percent-encoding as given), raw header lines, raw bytes. */
  async function http(req: { path: string; headers: [string, string][]; body: Buffer }): Promise<Answer> {
    const started = performance.now();
    const { request } = await import('node:http');
    const url = new URL(gateway.url);
    return new Promise((resolve, reject) => {
      const r = request(
        // An array of [name, value] pairs sends duplicates as separate header lines.
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: req.path,
          // As raw lines, Node adds no Host header, and HTTP/1.1 servers refuse a request without one.
          headers: [['host', url.host] as [string, string], ...req.headers].flat(),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(answer(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), started)));
          res.on('error', reject);
        },
      );
      r.on('error', reject);
      r.end(req.body);
    });
  }

  return {
    call,
    http,
    sent,
    lines,
    paths,
    gatewayUrl: gateway.url,
    secretReads: () => secretsServer.reads['fuzz/webhooks'] ?? 0,
    async stop() {
      await gateway.close();
      sqs.destroy();
      smClient.destroy();
      await new Promise<void>((r) => sqsServer.close(() => r()));
      await Promise.all([secretsServer.close(), receiver.close()]);
    },
  };
}

export type Edge = Awaited<ReturnType<typeof startEdge>>;
