/**
 * The local endpoints the benchmarks run against — Zscaler simulator (ZDX + ZPA, real time, published rate
 * limits), local SQS with the queues of serverless.yml, the local Secrets Manager with the fake secrets (the
 * reports secret included), dynalite with the incident ledger, a report receiver, the incident tools' stand-ins
 * (local/vendors, so the trace reconciler posts its PagerDuty note as deployed: `incidentReports` defaults to
 * notes) — and the environment a function gets from serverless.yml when pointed at them. Child
 * processes (cold start, memory, warm) get this environment, so the bundles run exactly as `npm start` runs them.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import type { AddressInfo } from 'node:net';
import { LOCAL_SECRET_IDS, LOCAL_WEBHOOK_SECRETS, LOCAL_ZSCALER_SECRET } from '../local/fakeSecrets.js';
import { resolveEnvironment } from '../local/env.js';
import { startReceiver } from '../local/receiver.js';
import { startLocalSecretsManager } from '../local/secretsManager.js';
import { readServerlessYml, type FunctionDef } from '../local/serverlessYml.js';
import { createQueues, localParams } from '../local/wiring.js';
import { startLocalDynamo } from '../local/dynamodb.js';
import { LOCAL_REPORTS_SECRET, LOCAL_REPORTS_SECRET_ID } from '../local/vendors/credentials.js';
import { startVendorApis } from '../local/vendors/server.js';
import { startSimulator } from '../simulator/index.js';
import { BENCH_CHAT_PERMISSIONS } from './events.js';

export async function startBenchInfra(overrides: Record<string, string> = {}) {
  const yml = readServerlessYml();
  const sim = await startSimulator({ port: 0 });
  const receiver = await startReceiver(0);
  const vendors = await startVendorApis({ port: 0 });
  const secrets = await startLocalSecretsManager({
    [LOCAL_SECRET_IDS.zscaler]: LOCAL_ZSCALER_SECRET,
    [LOCAL_SECRET_IDS.webhooks]: LOCAL_WEBHOOK_SECRETS,
    [LOCAL_REPORTS_SECRET_ID]: LOCAL_REPORTS_SECRET,
  });
  const sqsServer = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const sqsUrl = `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`;
  const sqs = new SQSClient({
    endpoint: sqsUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  // No redrive policies: the benchmarks never fail a record on purpose.
  const { urls: queueUrls } = await createQueues(sqs, yml, 'bench', { redrive: false });
  const dynamo = await startLocalDynamo(yml.tables, { service: yml.service, stage: 'bench' });
  const params = {
    ...localParams(yml, { simulator: sim.url, receiver: receiver.url, vendors: vendors.urls }),
    logLevel: 'info',
  };
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    AWS_ENDPOINT_URL_SQS: sqsUrl,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ACCESS_KEY_ID: 'bench-fake-access-key',
    AWS_SECRET_ACCESS_KEY: 'bench-fake-secret-key',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...resolveEnvironment(yml.functions, {
      params,
      stage: 'bench',
      refs: { ...queueUrls, ...dynamo.tableNames },
      overrides: { CHATOPS_PERMISSIONS: BENCH_CHAT_PERMISSIONS, ...overrides },
    }),
  };
  return {
    yml,
    sim,
    receiver,
    vendors,
    secrets,
    sqs,
    sqsUrl,
    queueUrls,
    dynamo,
    env,
    fn: (name: string): FunctionDef | undefined => yml.functions.find((f) => f.name === name),
    async close() {
      sqs.destroy();
      await new Promise<void>((r) => sqsServer.close(() => r()));
      await Promise.all([sim.close(), receiver.close(), vendors.close(), secrets.close(), dynamo.close()]);
    },
  };
}

export type BenchInfra = Awaited<ReturnType<typeof startBenchInfra>>;
