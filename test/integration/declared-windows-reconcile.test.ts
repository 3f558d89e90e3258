/**
 * Declared maintenances through the reconciler's own handler, against the ZPA simulator over HTTP and the
 * declaration store in dynalite: bypassType mode (the segment's marker names the source and the segment ends
 * exactly as it began), and a store that cannot be read (the declarations read last stand in; with none read yet
 * the run fails and nothing is torn down). The webhook-to-ZPA flow is statuspage-maintenance.test.ts.
 */
import type { Context, ScheduledEvent, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/reconciler/app.js';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamodb.js';
import { readServerlessYml } from '../../local/serverlessYml.js';
import { parseWindowsFile } from '../../shared/bypass/windows.js';
import { zpaBypassPort } from '../../shared/bypass/zpaPort.js';
import { createLogger } from '../../shared/logger.js';
import type { Outcome } from '../../shared/reporting/reporter.js';
import { type DeclaredWindowStore, dynamoDeclaredWindows } from '../../shared/windows/declared.js';
import { dynamoWindowStops } from '../../shared/windows/stops.js';
import { zpaPacer } from '../../shared/zscaler/pacer.js';
import { listRules } from '../../shared/zpa/rules.js';
import type { ZpaScope } from '../../shared/zpa/scope.js';
import { findSegmentByName, getSegment } from '../../shared/zpa/segments.js';
import { zscalerTestEnv } from '../helpers/zscaler.js';

const CUSTOMER = '216196257331281920';
const LIMITS = { getPer10s: 20, writePer10s: 10, windowMs: 1000 };
const context = { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'test' } as Context;
const schedule = { id: 'tick', 'detail-type': 'Scheduled Event', source: 'aws.events' } as unknown as ScheduledEvent;

let env: Awaited<ReturnType<typeof zscalerTestEnv>>;
let dynamo: LocalDynamo;
let s: ZpaScope;
let lines: string[];
let outcomes: Outcome[];
const logger = createLogger({ sink: (l) => lines.push(l) });

const fileFor = (mode: 'rule' | 'bypassType') =>
  parseWindowsFile({
    guardrails: { allowedSegments: ['payroll-app', 'hr-portal'], maxWindowMinutes: 240 },
    windows: [],
    statuspage: { pageId: 'pg7corp0demo', components: { cmp0payroll1: ['payroll-app'] }, mode },
  });
/** One policy-queue record carrying `body`, as Lambda's SQS integration hands it over. */
const policyEvent = (messageId: string, body: Record<string, unknown>) => ({
  Records: [
    {
      messageId,
      receiptHandle: 'r',
      body: JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:1:policy',
      awsRegion: 'us-east-1',
    },
  ],
});
const declare = (id: string, status: string, updatedAt: string) =>
  policyEvent(`${id}-${status}`, {
    id: `declare-${id}-${status}`,
    type: 'maintenance.declare',
    maintenance: {
      source: 'statuspage',
      id,
      pageId: 'pg7corp0demo',
      name: 'Payroll database upgrade',
      status,
      scheduledFor: new Date(Date.now() - 60_000).toISOString(),
      scheduledUntil: new Date(Date.now() + 3_600_000).toISOString(),
      updatedAt,
      components: [{ id: 'cmp0payroll1', name: 'Payroll' }],
    },
    requestedBy: { kind: 'window', id: `statuspage:${id}` },
  });
/** The dynalite store, which can be made to fail its reads (DynamoDB throttling or down). */
function flakyStore(): DeclaredWindowStore & { down: boolean } {
  const real = dynamoDeclaredWindows({ tableName: dynamo.tableNames.IncidentLedger!, client: dynamo.client });
  const store = {
    down: false,
    read: async () => {
      if (store.down) throw new Error('ProvisionedThroughputExceededException: rate exceeded');
      return real.read();
    },
    save: real.save,
  };
  return store;
}
const handlerFor = (mode: 'rule' | 'bypassType', store: DeclaredWindowStore) =>
  makeHandler({
    port: zpaBypassPort({ api: env.clients.zpa, customerId: CUSTOMER }),
    windows: () => fileFor(mode),
    logger,
    reporter: { report: async (o) => void outcomes.push(o) },
    dryRun: false,
    declaredWindows: store,
  });
const ourRules = async () =>
  (await listRules(s, 'CLIENT_FORWARDING_POLICY')).filter((r) => r.name.startsWith('zea-bypass:'));
const payroll = async () => {
  const {
    modifiedTime: _m,
    modifiedBy: _b,
    ...rest
  } = await getSegment(s, (await findSegmentByName(s, 'payroll-app'))!.id);
  return rest as Record<string, unknown>;
};

beforeAll(async () => {
  env = await zscalerTestEnv({ sim: { zpaRateLimits: LIMITS }, pacers: { zpa: zpaPacer(LIMITS) } });
  dynamo = await startLocalDynamo(readServerlessYml().tables);
  s = { api: env.clients.zpa, customerId: CUSTOMER };
});
afterAll(async () => {
  await env.close();
  await dynamo.close();
});
beforeEach(() => {
  env.sim.reset();
  lines = [];
  outcomes = [];
});

const chat = (body: Record<string, unknown>) =>
  policyEvent(String(body.id), { requestedBy: { kind: 'slack', id: 'U1', name: 'alice' }, ...body });

describe('declared maintenances and the emergency stop', () => {
  it("window stop statuspage:<id> ends a running declared maintenance's bypass; resume brings it back", async () => {
    const handler = makeHandler({
      port: zpaBypassPort({ api: env.clients.zpa, customerId: CUSTOMER }),
      windows: () => fileFor('rule'),
      logger,
      reporter: { report: async (o) => void outcomes.push(o) },
      dryRun: false,
      declaredWindows: flakyStore(),
      windowStops: dynamoWindowStops({ tableName: dynamo.tableNames.IncidentLedger!, client: dynamo.client }),
    });
    await handler(declare('mtstopped', 'in_progress', new Date(Date.now() - 1000).toISOString()) as SQSEvent, context);
    expect((await ourRules()).map((r) => r.name)).toEqual(['zea-bypass:win:statuspage:mtstopped']);
    await handler(
      chat({
        id: 'chat_stop_declared',
        type: 'window.stop',
        windowId: 'statuspage:mtstopped',
        reason: 'db on fire',
      }) as SQSEvent,
      context,
    );
    expect(outcomes.find((o) => o.kind === 'window.stop')?.text).toMatch(
      /^Window statuspage:mtstopped is stopped for the rest of this occurrence/,
    );
    expect(await ourRules()).toEqual([]);
    await handler(
      chat({ id: 'chat_resume_declared', type: 'window.resume', windowId: 'statuspage:mtstopped' }) as SQSEvent,
      context,
    );
    expect((await ourRules()).map((r) => r.name)).toEqual(['zea-bypass:win:statuspage:mtstopped']);
    // Ended as Statuspage says: nothing of it stays.
    await handler(declare('mtstopped', 'completed', new Date().toISOString()) as SQSEvent, context);
    expect(await ourRules()).toEqual([]);
  });
});

describe('declared maintenances in the reconciler', () => {
  it('bypassType mode: the segment marker names statuspage, and completed restores the segment exactly', async () => {
    const handler = handlerFor('bypassType', flakyStore());
    const before = await payroll();
    await handler(
      declare('mtbypasstype', 'in_progress', new Date(Date.now() - 1000).toISOString()) as SQSEvent,
      context,
    );
    const during = await payroll();
    expect(during.bypassType).toBe('ALWAYS');
    expect(String(during.description)).toMatch(/\[zea-bypass window=statuspage:mtbypasstype until=\S+ prev=NEVER/);
    expect(outcomes.find((o) => o.kind === 'maintenance.declare')?.text).toMatch(
      /^Statuspage maintenance mtbypasstype is in progress .*: bypass of payroll-app\.$/,
    );

    await handler(declare('mtbypasstype', 'completed', new Date().toISOString()) as SQSEvent, context);
    expect(await payroll()).toEqual(before);
    expect(await ourRules()).toEqual([]);
  });

  it('a store that stops answering keeps the bypass of the declarations read last; a cold container fails the run and tears nothing down', async () => {
    const store = flakyStore();
    const warm = handlerFor('rule', store);
    await warm(declare('mtstoredown1', 'in_progress', new Date(Date.now() - 1000).toISOString()) as SQSEvent, context);
    expect((await ourRules()).map((r) => r.name)).toEqual(['zea-bypass:win:statuspage:mtstoredown1']);

    store.down = true;
    expect(await warm(schedule, context)).toMatchObject({ failed: 0, refused: 0 });
    expect((await ourRules()).map((r) => r.name)).toEqual(['zea-bypass:win:statuspage:mtstoredown1']);
    expect(lines.some((l) => l.includes('declared maintenances could not be read; using the ones read last'))).toBe(
      true,
    );

    const cold = handlerFor('rule', store);
    await expect(cold(schedule, context)).rejects.toThrow(/ProvisionedThroughputExceededException/);
    expect(outcomes.some((o) => o.kind === 'reconcile.failed')).toBe(true);
    expect((await ourRules()).map((r) => r.name)).toEqual(['zea-bypass:win:statuspage:mtstoredown1']);

    // Back up: the completed state ends it, in the cold container too.
    store.down = false;
    await cold(declare('mtstoredown1', 'completed', new Date().toISOString()) as SQSEvent, context);
    expect(await ourRules()).toEqual([]);
  });
});
