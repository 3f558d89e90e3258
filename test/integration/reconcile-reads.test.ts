/**
 * What a reconcile reads of ZPA (shared/bypass/view.ts): an idle tick costs one rule search whatever the tenant
 * holds; a running window reads its own segments; the record of marked segments (markedSegments.ts, in dynalite)
 * is written before a segment is marked and dropped when it is restored; once a day, and whenever the record is
 * missing, the whole tenant is read so a marker the record does not know of is still found. Against the ZPA
 * simulator over HTTP with the real client, and the ledger table as serverless.yml declares it.
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamodb.js';
import { readServerlessYml } from '../../local/serverlessYml.js';
import {
  dynamoMarkedSegments,
  FULL_SWEEP_MS,
  MARKED_SEGMENTS_KEY,
  type MarkedSegmentStore,
} from '../../shared/bypass/markedSegments.js';
import { parseSegmentMarker } from '../../shared/bypass/markers.js';
import { newReconcileMemory, reconcile } from '../../shared/bypass/reconcile.js';
import { parseWindowsFile, type WindowsFile } from '../../shared/bypass/windows.js';
import { firstForeignPosition, zpaBypassPort } from '../../shared/bypass/zpaPort.js';
import type { BypassPort } from '../../shared/bypass/port.js';
import { createLogger } from '../../shared/logger.js';
import { zpaPacer } from '../../shared/zscaler/pacer.js';
import { findSegmentByName, getSegment, updateSegment } from '../../shared/zpa/segments.js';
import { listRules } from '../../shared/zpa/rules.js';
import type { ZpaScope } from '../../shared/zpa/scope.js';
import { zscalerTestEnv } from '../helpers/zscaler.js';

const CUSTOMER = '216196257331281920';
const LIMITS = { getPer10s: 200, writePer10s: 100, windowMs: 1000 };
const T0 = new Date();
const at = (min: number) => new Date(T0.getTime() + min * 60_000);
const windows = (list: unknown[]): WindowsFile =>
  parseWindowsFile({
    guardrails: { allowedSegments: ['payroll-app', 'hr-portal', 'app-*'], maxWindowMinutes: 240 },
    windows: list,
  });
const window = (id: string, segments: string[], mode: 'rule' | 'bypassType', from = -1, to = 60) => ({
  id,
  segments,
  mode,
  schedule: { start: at(from).toISOString(), end: at(to).toISOString() },
  reason: 'test window',
});

let env: Awaited<ReturnType<typeof zscalerTestEnv>>;
let dynamo: LocalDynamo;
let s: ZpaScope;
let port: BypassPort;
let store: MarkedSegmentStore;
let lines: string[];
const logger = createLogger({ level: 'debug', sink: (l) => lines.push(l) });
const requests = () => (env.sim.state().products.zpa as { counters: { requests: number } }).counters.requests;
/** The ZPA requests one reconcile makes, and its result. */
const counted = async (run: () => Promise<unknown>) => {
  const before = requests();
  const result = await run();
  return { result, requests: requests() - before };
};
let memory = newReconcileMemory();
const run = (file: WindowsFile, minute: number) =>
  reconcile({ port, memory, windows: file, logger, now: at(minute), markedSegments: store });
const bypassTypeOf = async (name: string) => (await findSegmentByName(s, name))!.bypassType;

beforeAll(async () => {
  env = await zscalerTestEnv({ sim: { zpaRateLimits: LIMITS }, pacers: { zpa: zpaPacer(LIMITS) } });
  s = { api: env.clients.zpa, customerId: CUSTOMER };
  port = zpaBypassPort({ api: env.clients.zpa, customerId: CUSTOMER });
  dynamo = await startLocalDynamo(readServerlessYml().tables);
  store = dynamoMarkedSegments({ tableName: dynamo.tableNames.IncidentLedger!, client: dynamo.client });
});
afterAll(async () => {
  await env.close();
  await dynamo.close();
});
beforeEach(async () => {
  env.sim.reset();
  lines = [];
  memory = newReconcileMemory();
  await dynamo.client.send(
    new DeleteItemCommand({ TableName: dynamo.tableNames.IncidentLedger!, Key: { key: { S: MARKED_SEGMENTS_KEY } } }),
  );
});

describe('an idle tick', () => {
  it('with no record reads everything once (the sweep), then one rule search per tick', async () => {
    const file = windows([]);
    const first = await counted(() => run(file, 0));
    // Rules and segments listed: the seed's 55+ segments fit one page of 500 each.
    expect(first.requests).toBeGreaterThanOrEqual(2);
    expect((await store.read()).sweptAt).toBe(at(0).toISOString());
    for (const minute of [1, 2, 3]) {
      const idle = await counted(() => run(file, minute));
      expect(idle.requests).toBe(1);
    }
    // A day after the sweep, the next tick reads everything again.
    const swept = await counted(() => run(file, FULL_SWEEP_MS / 60_000 + 1));
    expect(swept.requests).toBeGreaterThanOrEqual(2);
  });

  it('costs one search whether the tenant holds 60 or 2,000 segments', async () => {
    const big = await zscalerTestEnv({
      sim: { zpaRateLimits: LIMITS, zpaBulkSegments: 2_000 },
      pacers: { zpa: zpaPacer(LIMITS) },
    });
    try {
      const bigPort = zpaBypassPort({ api: big.clients.zpa, customerId: CUSTOMER });
      const bigRequests = () => (big.sim.state().products.zpa as { counters: { requests: number } }).counters.requests;
      const file = windows([]);
      await reconcile({ port: bigPort, memory, windows: file, logger, now: at(0), markedSegments: store });
      const before = bigRequests();
      await reconcile({ port: bigPort, memory, windows: file, logger, now: at(1), markedSegments: store });
      expect(bigRequests() - before).toBe(1);
    } finally {
      await big.close();
    }
  });
});

describe('a bypassType window', () => {
  it('records the segment before marking it, reads it by id while running, drops it once restored', async () => {
    const file = windows([window('hr-night', ['hr-portal'], 'bypassType', -1, 30)]);
    await run(windows([]), -2); // the first run sweeps: the record exists from here on
    const hr = (await findSegmentByName(s, 'hr-portal'))!;
    const before = hr.bypassType;

    const apply = await run(file, 0);
    expect(apply.failed).toEqual([]);
    expect(await bypassTypeOf('hr-portal')).toBe('ALWAYS');
    expect((await store.read()).ids).toEqual([hr.id]);

    // While it runs: the rule search and the marked segment by id, which is also the window's (no listing).
    const steady = await counted(() => run(file, 5));
    expect(steady.requests).toBe(2);
    expect((steady.result as { plan: unknown[] }).plan).toEqual([]);

    const restore = await run(file, 31);
    expect(restore.failed).toEqual([]);
    expect(await bypassTypeOf('hr-portal')).toBe(before);
    expect((await store.read()).ids).toEqual([]);
    const idle = await counted(() => run(file, 32));
    expect(idle.requests).toBe(1);
  });

  it('a mark whose write failed after the intent leaves an id that the next run reads and drops', async () => {
    await run(windows([]), -2);
    const hr = (await findSegmentByName(s, 'hr-portal'))!;
    // The write is refused after the intent is recorded: ZPA holds no marker, the record names the segment.
    const refusing: BypassPort = { ...port, writeSegment: async () => Promise.reject(new Error('connection reset')) };
    const failed = await reconcile({
      port: refusing,
      memory,
      windows: windows([window('hr-night', ['hr-portal'], 'bypassType', -1, 30)]),
      logger,
      now: at(0),
      markedSegments: store,
    });
    expect(failed.failed).toHaveLength(1);
    expect((await store.read()).ids).toEqual([hr.id]);
    expect(parseSegmentMarker((await getSegment(s, hr.id)).description)).toBeUndefined();
    // The window was cancelled meanwhile: the next run reads the segment, finds no marker and forgets it.
    const next = await counted(() => run(windows([]), 1));
    expect(next.requests).toBe(2);
    expect((await store.read()).ids).toEqual([]);
  });

  it('a marker the record does not know of is restored by the daily sweep', async () => {
    await run(windows([]), -2);
    const hr = (await findSegmentByName(s, 'hr-portal'))!;
    // Marked (by a run whose record was lost, say), long expired, and unknown to the record.
    await updateSegment(s, hr.id, {
      bypassType: 'ALWAYS',
      description:
        `${hr.description ?? ''} [zea-bypass window=old until=${at(-120).toISOString()} prev=${hr.bypassType} had-desc=${hr.description === undefined ? 0 : 1}]`.trim(),
    });
    await run(windows([]), 10);
    expect(await bypassTypeOf('hr-portal')).toBe('ALWAYS'); // not read: not known
    await run(windows([]), FULL_SWEEP_MS / 60_000);
    expect(await bypassTypeOf('hr-portal')).toBe(hr.bypassType);
    expect(parseSegmentMarker((await getSegment(s, hr.id)).description)).toBeUndefined();
  });
});

describe('when the record cannot be read', () => {
  it('the run reads all of ZPA, restores what ended, and marks nothing new (reported as failed, retried next run)', async () => {
    const down: MarkedSegmentStore = {
      read: async () => Promise.reject(new Error('DynamoDB unreachable')),
      save: async () => Promise.reject(new Error('DynamoDB unreachable')),
    };
    const hr = (await findSegmentByName(s, 'hr-portal'))!;
    const file = windows([window('hr-night', ['hr-portal'], 'bypassType', -1, 30)]);
    const blind = await counted(() =>
      reconcile({ port, memory, windows: file, logger, now: at(0), markedSegments: down }),
    );
    const result = blind.result as Awaited<ReturnType<typeof reconcile>>;
    expect(blind.requests).toBeGreaterThanOrEqual(2); // every rule and segment
    expect(result.failed.map((f) => [f.op.op, f.error])).toEqual([
      ['set-bypass-always', expect.stringMatching(/record of marked segments cannot be read/)],
    ]);
    expect(await bypassTypeOf('hr-portal')).toBe(hr.bypassType);
    // Marked while the record worked, ended while it is down: restored all the same.
    await run(file, 0);
    expect(await bypassTypeOf('hr-portal')).toBe('ALWAYS');
    await reconcile({ port, memory, windows: file, logger, now: at(31), markedSegments: down });
    expect(await bypassTypeOf('hr-portal')).toBe(hr.bypassType);
  });
});

describe('a rule-mode window and ad-hoc rules', () => {
  it('reads its segment by name, its rule by the search, and ends it the same way', async () => {
    await run(windows([]), -2);
    const file = windows([window('payroll-patch', ['payroll-app'], 'rule', -1, 30)]);
    const apply = await run(file, 0);
    expect(apply.failed).toEqual([]);
    const [first] = await listRules(s, 'CLIENT_FORWARDING_POLICY');
    expect(first).toMatchObject({ name: 'zea-bypass:win:payroll-patch', ruleOrder: '1', action: 'BYPASS' });
    const steady = await counted(() => run(file, 5));
    expect(steady.requests).toBe(2);
    expect((steady.result as { plan: unknown[] }).plan).toEqual([]);
    await run(file, 31);
    expect((await listRules(s, 'CLIENT_FORWARDING_POLICY')).map((r) => r.name)).not.toContain(
      'zea-bypass:win:payroll-patch',
    );
  });

  it('a rule of ours below a foreign rule is moved back first (the search shows the gap)', async () => {
    await run(windows([]), -2);
    const file = windows([window('payroll-patch', ['payroll-app'], 'rule', -1, 30)]);
    await run(file, 0);
    const rules = await listRules(s, 'CLIENT_FORWARDING_POLICY');
    const ours = rules.find((r) => r.name === 'zea-bypass:win:payroll-patch')!;
    // Someone moves the foreign rule above ours (ZPA's reorder, as the portal does).
    const foreign = rules.find((r) => !r.name.startsWith('zea-bypass:') && !r.defaultRule)!;
    await port.moveRuleFirst(foreign.id);
    const after = await listRules(s, 'CLIENT_FORWARDING_POLICY');
    expect(after.find((r) => r.id === ours.id)!.ruleOrder).toBe('2');
    const fix = await run(file, 1);
    expect(fix.plan.map((op) => op.op)).toContain('move-rule-first');
    expect((await listRules(s, 'CLIENT_FORWARDING_POLICY'))[0]!.id).toBe(ours.id);
  });
});

describe('firstForeignPosition', () => {
  const r = (name: string, ruleOrder: string) => ({ id: ruleOrder, name, action: 'BYPASS', ruleOrder, appIds: [] });
  it('is the first position none of our rules holds, or a foreign rule the search matched', () => {
    expect(firstForeignPosition([])).toBe(1);
    expect(firstForeignPosition([r('zea-bypass:win:a', '1'), r('zea-bypass:adhoc:2', '2')])).toBe(3);
    expect(firstForeignPosition([r('zea-bypass:win:a', '1'), r('zea-bypass:win:b', '3')])).toBe(2);
    expect(firstForeignPosition([r('ZEA-BYPASS:someone else', '1'), r('zea-bypass:win:b', '2')])).toBe(1);
  });
});
