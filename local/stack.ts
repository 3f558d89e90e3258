/**
 * The whole system on one machine: the Zscaler simulator, local SQS (with the DLQ and redrive policy of
 * serverless.yml), a local Secrets Manager, the HTTP functions behind a local HTTP API, an SQS poller per
 * queue-triggered function, schedules, and a receiver for reports. Everything comes from serverless.yml;
 * only the values of `${param:…}`, `${sls:stage}` and `!Ref` are local.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { createQueues, localParams } from './wiring.js';
import type { SQSEvent } from 'aws-lambda';
import { createSqsServer } from 'local-aws-sqs';
import type { AddressInfo } from 'node:net';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../simulator/index.js';
import { LOCAL_CHAT_PERMISSIONS } from './fakeChat.js';
import { LOCAL_SECRET_IDS, LOCAL_WEBHOOK_SECRETS, LOCAL_ZSCALER_SECRET } from './fakeSecrets.js';
import { startGateway } from './gateway.js';
import { loadHandler, makeContext } from './lambda.js';
import { startPoller } from './poller.js';
import { startReceiver } from './receiver.js';
import { LOCAL_REPORTS_SECRET, LOCAL_REPORTS_SECRET_ID } from './vendors/credentials.js';
import { startVendorApis } from './vendors/server.js';
import { startLocalSecretsManager } from './secretsManager.js';
import { readServerlessYml, type FunctionDef } from './serverlessYml.js';
import { resolveEnvironment } from './env.js';
import { startQueueSchedules, startSchedules } from './schedules.js';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { startLocalDynamo } from './dynamodb.js';
import { dirname } from 'node:path';
import { initialLocalWindows, LOCAL_WINDOWS_FILE } from './window.js';

export interface LocalStackOptions {
  handlerSource?: 'dist' | 'src';
  ports?: {
    gateway?: number;
    simulator?: number;
    sqs?: number;
    secrets?: number;
    receiver?: number;
    dynamodb?: number;
    vendors?: number;
  };
  simulator?: SimulatorOptions;
  /** Environment values that win over serverless.yml (e.g. a short TRACE_CHECK_DELAY_SECONDS). */
  env?: Record<string, string>;
  /** The windows file the local reconciler reads (default .local-state/windows.json, created empty). */
  windowsFile?: string;
  /** Failed records come back after this many seconds (AWS: the queue's visibility timeout). */
  retryDelaySeconds?: number;
  /** Run schedules every N seconds instead of their rate (demos and tests). */
  scheduleEverySeconds?: number;
  /**
   * Drills: a queue delivery for which this says true is lost — its messages deleted as if handled, the function
   * never called (what a purge, a wrong redrive or an operator's delete does).
   */
  loseDelivery?: (functionName: string, event: SQSEvent) => boolean;
}

export async function startLocalStack(opts: LocalStackOptions = {}) {
  const ports = opts.ports ?? {};
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const yml = readServerlessYml();
  const sim: RunningSimulator = await startSimulator({ timeScale: 60, ...opts.simulator, port: ports.simulator ?? 0 });
  const receiver = await startReceiver(ports.receiver ?? 0);
  // The incident tools the trace reconciler reports into (PagerDuty, ServiceNow, Opsgenie, Slack).
  const vendors = await startVendorApis({ port: ports.vendors ?? 0 });
  // Teams outcomes go to a Workflows URL kept with the security token; locally, the receiver.
  const webhookSecret = {
    ...LOCAL_WEBHOOK_SECRETS,
    teams: { ...LOCAL_WEBHOOK_SECRETS.teams, replyUrl: `${receiver.url}/teams-reply` },
  };
  const secrets = await startLocalSecretsManager(
    {
      [LOCAL_SECRET_IDS.zscaler]: LOCAL_ZSCALER_SECRET,
      [LOCAL_SECRET_IDS.webhooks]: webhookSecret,
      [LOCAL_REPORTS_SECRET_ID]: LOCAL_REPORTS_SECRET,
    },
    ports.secrets ?? 0,
  );

  const sqsServer = await createSqsServer({
    port: ports.sqs ?? 0,
    hostname: '127.0.0.1',
    emulateQueueCreationLifecycle: false,
  });
  const sqsUrl = `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`;
  const sqs = new SQSClient({
    endpoint: sqsUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { urls: queueUrls, arns: queueArns } = await createQueues(sqs, yml, 'local', {
    redrive: true,
    speedUpRetries: opts.retryDelaySeconds !== undefined,
  });
  const dynamo = await startLocalDynamo(yml.tables, { port: ports.dynamodb, service: yml.service });
  const params = {
    ...localParams(yml, { simulator: sim.url, receiver: receiver.url, vendors: vendors.urls }),
    logLevel: process.env.LOG_LEVEL ?? 'info',
  };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    AWS_ENDPOINT_URL_SQS: sqsUrl,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ACCESS_KEY_ID: 'local-fake-access-key',
    AWS_SECRET_ACCESS_KEY: 'local-fake-secret-key',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  // All functions share this process, so their environments must agree; resolveEnvironment checks that.
  const windowsFile = opts.windowsFile ?? LOCAL_WINDOWS_FILE;
  if (!existsSync(windowsFile)) {
    mkdirSync(dirname(windowsFile), { recursive: true });
    writeFileSync(windowsFile, initialLocalWindows());
  }
  const overrides = {
    TRACE_CHECK_DELAY_SECONDS: '2',
    WINDOWS_FILE: windowsFile,
    CHATOPS_PERMISSIONS: JSON.stringify(LOCAL_CHAT_PERMISSIONS),
    ...opts.env,
  };
  Object.assign(
    process.env,
    resolveEnvironment(yml.functions, {
      params,
      stage: 'local',
      refs: { ...queueUrls, ...dynamo.tableNames },
      overrides,
    }),
  );

  const handlers = new Map<string, Awaited<ReturnType<typeof loadHandler>>>();
  for (const fn of yml.functions) handlers.set(fn.name, await loadHandler(fn, opts.handlerSource ?? 'dist'));
  const invoke = (fn: FunctionDef, event: unknown) => handlers.get(fn.name)!(event, makeContext(fn, yml.service));

  const gateway = await startGateway(
    yml.functions.flatMap((fn) => fn.httpApi.map((r) => ({ ...r, invoke: (e: unknown) => invoke(fn, e) }))),
    ports.gateway ?? 0,
  );
  const pollers = yml.functions.flatMap((fn) =>
    fn.sqs.map((s) =>
      startPoller({
        sqs,
        queueUrl: queueUrls[s.queue]!,
        queueArn: queueArns[s.queue]!,
        batchSize: s.batchSize,
        invoke: async (e: SQSEvent) => (opts.loseDelivery?.(fn.name, e) ? { batchItemFailures: [] } : invoke(fn, e)),
        retryDelaySeconds: opts.retryDelaySeconds,
        onError: (e) => console.error(`poller ${fn.name}:`, e),
      }),
    ),
  );
  const schedules = startSchedules(yml.functions, (fn, e) => invoke(fn, e), opts.scheduleEverySeconds);
  const queueSchedules = startQueueSchedules(yml.queueSchedules, sqs, queueUrls, opts.scheduleEverySeconds);

  return {
    gatewayUrl: gateway.url,
    simulator: sim,
    receiver,
    vendors,
    secrets,
    sqs,
    sqsUrl,
    queueUrls,
    dynamo,
    functions: yml.functions.map((f) => f.name),
    invoke: (name: string, event: unknown) => invoke(yml.functions.find((f) => f.name === name)!, event),
    async stop() {
      schedules.stop();
      queueSchedules.stop();
      await Promise.all(pollers.map((p) => p.stop()));
      await gateway.close();
      await new Promise<void>((r) => sqsServer.close(() => r()));
      sqs.destroy();
      await Promise.all([sim.close(), receiver.close(), vendors.close(), secrets.close(), dynamo.close()]);
    },
  };
}

export type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;
