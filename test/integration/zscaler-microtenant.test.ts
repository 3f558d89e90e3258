/**
 * `ZPA_MICROTENANT_ID` end to end: from the `zpaMicrotenantId` param in serverless.yml, through the
 * function's environment, its config and its wiring, to the query string of every ZPA request. The real
 * handlers are cold-started on the environment serverless.yml gives them (as `npm start` does), against the
 * simulator, whose Subsidiary-EU microtenant holds app-054 and app-055.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamodb.js';
import { resolveEnvironment } from '../../local/env.js';
import { LOCAL_SECRET_IDS, LOCAL_ZSCALER_SECRET } from '../../local/fakeSecrets.js';
import { loadHandler, makeContext } from '../../local/lambda.js';
import { startLocalSecretsManager } from '../../local/secretsManager.js';
import { readServerlessYml } from '../../local/serverlessYml.js';
import { localParams } from '../../local/wiring.js';
import { jsonSecret } from '../../shared/aws/secrets.js';
import { listRules } from '../../shared/zpa/rules.js';
import { createZscalerClients } from '../../shared/zscaler/clients.js';
import { zscalerSecretSchema } from '../../shared/zscaler/credentials.js';
import { SIM_CREDENTIALS, startSimulator, type RunningSimulator } from '../../simulator/index.js';

const EU = '216196257331300001';
const yml = readServerlessYml();
const fn = (name: string) => yml.functions.find((f) => f.name === name)!;
const refs = {
  ...Object.fromEntries(yml.queues.map((q) => [q.logicalId, `http://127.0.0.1:1/000000000000/${q.logicalId}`])),
  // The ledger table, as startLocalDynamo names it (stage test): the reconciler keeps its records of marked
  // segments and chat-command receipts there.
  ...Object.fromEntries(yml.tables.map((t) => [t.logicalId, `zea-test-${t.logicalId}`])),
};
const record = (body: unknown) => ({
  messageId: String(body && (body as { id: string }).id),
  receiptHandle: 'r',
  body: JSON.stringify(body),
  attributes: {},
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
  awsRegion: 'us-east-1',
});

let sim: RunningSimulator;
let secrets: Awaited<ReturnType<typeof startLocalSecretsManager>>;
let dynamo: LocalDynamo;
const windowsFile = join(mkdtempSync(join(tmpdir(), 'zea-mt-')), 'windows.json');

beforeAll(async () => {
  sim = await startSimulator({ port: 0, zpaRateLimits: false, zdxRateLimit: false });
  secrets = await startLocalSecretsManager({ [LOCAL_SECRET_IDS.zscaler]: LOCAL_ZSCALER_SECRET });
  dynamo = await startLocalDynamo(yml.tables, { stage: 'test' });
  writeFileSync(
    windowsFile,
    JSON.stringify({ guardrails: { allowedSegments: ['app-*', 'payroll-app'], maxWindowMinutes: 240 }, windows: [] }),
  );
});
afterAll(async () => {
  await Promise.all([sim?.close(), secrets?.close(), dynamo?.close()]);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** Cold-starts `name` on serverless.yml's environment with `--param zpaMicrotenantId=<EU>`. */
async function coldStart(name: string, overrides: Record<string, string> = {}) {
  const params = {
    ...localParams(yml, { simulator: sim.url, receiver: 'http://127.0.0.1:9' }),
    reportCallbackUrl: '',
    zpaMicrotenantId: EU,
  };
  const env = resolveEnvironment([fn(name)], { params, stage: 'test', refs, overrides });
  expect(env.ZPA_MICROTENANT_ID).toBe(EU);
  const aws = {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ACCESS_KEY_ID: 'local-fake-access-key',
    AWS_SECRET_ACCESS_KEY: 'local-fake-secret-key',
    AWS_REGION: 'us-east-1',
  };
  for (const [k, v] of Object.entries({ ...env, LOG_LEVEL: 'error', ...aws })) vi.stubEnv(k, v);
  vi.resetModules();
  const handler = await loadHandler(fn(name), 'src');
  return (event: unknown) => handler(event, makeContext(fn(name), yml.service));
}

const zpaCalls = () => sim.calls.filter((c) => c.product === 'zpa');
const outsideMicrotenant = () =>
  zpaCalls()
    .filter((c) => !new URL(c.path, 'http://x').searchParams.getAll('microtenantId').includes(EU))
    .map((c) => `${c.method} ${c.path}`);
type Rule = { name: string; ruleOrder: string };
const forwardingRules = () =>
  (sim.state().products.zpa as { rules: { CLIENT_FORWARDING_POLICY: Rule[] } }).rules.CLIENT_FORWARDING_POLICY;

/** Our bypass rules as ZPA lists them in one microtenant (`0`: the Default one). */
async function bypassRulesIn(microtenantId: string): Promise<string[]> {
  const client = new SecretsManagerClient({
    endpoint: secrets.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  try {
    const secret = jsonSecret({
      secretId: LOCAL_SECRET_IDS.zscaler,
      schema: zscalerSecretSchema,
      ttlMs: 60_000,
      client,
    });
    const { zpa } = createZscalerClients(
      { auth: { mode: 'legacy', zdxBaseUrl: sim.url, zpaBaseUrl: sim.url }, timeouts: { requestMs: 3_000 } },
      { secret },
    );
    const rules = await listRules(
      { api: zpa, customerId: SIM_CREDENTIALS.zpaCustomerId, microtenantId },
      'CLIENT_FORWARDING_POLICY',
    );
    return rules.map((r) => r.name).filter((n) => n.startsWith('zea-bypass:'));
  } finally {
    client.destroy();
  }
}

describe('ZPA_MICROTENANT_ID from serverless.yml to the ZPA query string', () => {
  it('reconciler: an ad-hoc bypass reads inside the microtenant and writes its rule into it', async () => {
    sim.reset();
    const handler = await coldStart('reconciler', { WINDOWS_FILE: windowsFile });
    const before = sim.calls.length;
    const apply = {
      id: 'mt-apply-1',
      type: 'bypass.apply',
      segment: 'app-054',
      durationMinutes: 30,
      reason: 'microtenant wiring',
      requestedBy: { kind: 'slack', id: 'U0MT' },
    };
    expect(
      await handler({
        Records: [
          record(apply),
          record({ id: 'mt-reconcile', type: 'reconcile', requestedBy: { kind: 'schedule', id: 'mt' } }),
        ],
      }),
    ).toEqual({ batchItemFailures: [] });

    expect(sim.calls.length).toBeGreaterThan(before);
    const methods = new Set(zpaCalls().map((c) => c.method));
    expect(methods).toEqual(new Set(['GET', 'POST', 'PUT'])); // reads, the rule's create and its move first
    expect(outsideMicrotenant()).toEqual([]);
    const ours = forwardingRules().filter((r) => r.name.startsWith('zea-bypass:adhoc:'));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.ruleOrder).toBe('1');
    // The rule lives in the microtenant, not in the Default one.
    expect(await bypassRulesIn(EU)).toEqual([ours[0]!.name]);
    expect(await bypassRulesIn('0')).toEqual([]);
  });

  it('reconciler: a segment of the Default microtenant is invisible, so nothing is written', async () => {
    sim.reset();
    const handler = await coldStart('reconciler', { WINDOWS_FILE: windowsFile });
    const apply = {
      id: 'mt-apply-2',
      type: 'bypass.apply',
      segment: 'payroll-app',
      durationMinutes: 30,
      reason: 'not in this microtenant',
      requestedBy: { kind: 'slack', id: 'U0MT' },
    };
    await handler({ Records: [record(apply)] });
    expect(zpaCalls().length).toBeGreaterThan(0);
    expect(zpaCalls().filter((c) => c.method !== 'GET')).toEqual([]);
    expect(outsideMicrotenant()).toEqual([]);
    expect(forwardingRules().filter((r) => r.name.startsWith('zea-bypass:'))).toEqual([]);
  });

  it('worker: status reads ZPA inside the microtenant', async () => {
    sim.reset();
    const handler = await coldStart('worker');
    await handler({
      Records: [record({ id: 'mt-status', type: 'status', requestedBy: { kind: 'slack', id: 'U0MT' } })],
    });
    expect(zpaCalls().map((c) => c.method)).toContain('GET');
    expect(zpaCalls().every((c) => c.method === 'GET')).toBe(true);
    expect(outsideMicrotenant()).toEqual([]);
  });
});
