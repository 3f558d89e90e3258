/**
 * Maintenance windows against the ZPA simulator over HTTP, through the real client, auth, pacing and the
 * reconciler's own handler: ZPA is the state, so every scenario is "set up ZPA, run reconcile at some
 * time, look at ZPA". The simulator enforces the ZPA limits in 1 s windows (the client paces the same).
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/reconciler/app.js';
import type { Outcome } from '../../shared/reporting/reporter.js';
import { newReconcileMemory, reconcile } from '../../shared/bypass/reconcile.js';
import { createPolicyRunner } from '../../shared/bypass/run.js';
import { ALL_WINDOWS, type WindowStop } from '../../shared/windows/stops.js';
import { parseWindowsFile, type WindowsFile } from '../../shared/bypass/windows.js';
import { zpaBypassPort } from '../../shared/bypass/zpaPort.js';
import { zpaPacer } from '../../shared/zscaler/pacer.js';
import { getPolicySet } from '../../shared/zpa/policySets.js';
import { deleteRule, listRules, operandValues, updateRule } from '../../shared/zpa/rules.js';
import { findSegmentByName, getSegment } from '../../shared/zpa/segments.js';
import type { ZpaScope } from '../../shared/zpa/scope.js';
import { createLogger } from '../../shared/logger.js';
import { runWithDeadline } from '../../shared/deadline.js';
import { zscalerTestEnv } from '../helpers/zscaler.js';

const CUSTOMER = '216196257331281920';
const LIMITS = { getPer10s: 20, writePer10s: 10, windowMs: 1000 };
const T0 = new Date();
const at = (min: number) => new Date(T0.getTime() + min * 60_000);
const guardrails = {
  allowedSegments: ['payroll-app', 'hr-portal', 'erp-finance', 'app-*', 'Finance Apps'],
  maxWindowMinutes: 240,
};
const windows = (list: unknown[], extra: Record<string, unknown> = {}): WindowsFile =>
  parseWindowsFile({ guardrails: { ...guardrails, ...extra }, windows: list });
const oneOff = (id: string, segments: string[], over: Record<string, unknown> = {}) => ({
  id,
  segments,
  schedule: { start: at(-1).toISOString(), end: at(60).toISOString() },
  reason: 'test window',
  ...over,
});

let env: Awaited<ReturnType<typeof zscalerTestEnv>>;
let s: ZpaScope;
let port: ReturnType<typeof zpaBypassPort>;
let lines: string[];
const logger = createLogger({ level: 'debug', sink: (l) => lines.push(l) });
const audits = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.type === 'audit');
const zpa = () => env.sim.state().products.zpa as { counters: { writes: number; r409: number; r429: number } };
const ourRules = async () =>
  (await listRules(s, 'CLIENT_FORWARDING_POLICY')).filter((r) => r.name.startsWith('zea-bypass:'));
const full = async (name: string) => {
  const { modifiedTime: _m, modifiedBy: _b, ...rest } = await getSegment(s, (await findSegmentByName(s, name))!.id);
  return rest;
};

beforeAll(async () => {
  env = await zscalerTestEnv({ sim: { zpaRateLimits: LIMITS }, pacers: { zpa: zpaPacer(LIMITS) } });
  s = { api: env.clients.zpa, customerId: CUSTOMER };
  port = zpaBypassPort({ api: env.clients.zpa, customerId: CUSTOMER });
});
afterAll(() => env.close());
let memory = newReconcileMemory();
beforeEach(() => {
  env.sim.reset();
  lines = [];
  memory = newReconcileMemory(); // each scenario is a fresh container
});

describe('rule mode', () => {
  it('creates the BYPASS rule first in order during the window, changes nothing on the next run, removes it after', async () => {
    const file = windows([oneOff('payroll-patch', ['payroll-app'])]);
    const payroll = (await findSegmentByName(s, 'payroll-app'))!;
    const first = await reconcile({ port, memory, windows: file, logger, now: at(0) });
    expect(first.failed).toEqual([]);
    const [rule, ...others] = await listRules(s, 'CLIENT_FORWARDING_POLICY');
    expect(rule).toMatchObject({ name: 'zea-bypass:win:payroll-patch', action: 'BYPASS', ruleOrder: '1' });
    expect(rule!.description).toContain(`until=${at(60).toISOString()}`);
    expect(operandValues(rule!, 'APP')).toEqual([payroll.id]);
    expect(others.map((r) => r.name)).toEqual(['Existing intercept rule', 'Default_Rule']);
    expect(audits()).toContainEqual(
      expect.objectContaining({
        action: 'zpa.bypass.create-rule',
        result: 'success',
        trigger: { kind: 'schedule', id: 'reconcile' },
      }),
    );

    const writes = zpa().counters.writes;
    expect((await reconcile({ port, memory, windows: file, logger, now: at(1) })).plan).toEqual([]);
    expect(zpa().counters.writes).toBe(writes);

    // No end-of-window event exists to be lost: the first run after the end removes the rule.
    const after = await reconcile({ port, memory, windows: file, logger, now: at(61) });
    expect(after.done.map((o) => o.op)).toEqual(['delete-rule']);
    expect(await ourRules()).toEqual([]);
    expect(audits()).toContainEqual(
      expect.objectContaining({
        action: 'zpa.bypass.delete-rule',
        result: 'success',
        before: expect.objectContaining({
          name: 'zea-bypass:win:payroll-patch',
          appIds: [payroll.id],
          action: 'BYPASS',
        }),
      }),
    );
  });

  it('finishes a run that died between create and reorder', async () => {
    const file = windows([oneOff('crash', ['erp-finance'])]);
    env.sim.injectFault({ path: '/reorder/', method: 'PUT', status: 500, count: 5 });
    const broken = await reconcile({ port, memory, windows: file, logger, now: at(0) });
    expect(broken.failed.map((f) => f.op.op)).toEqual(['create-rule']);
    expect((await ourRules())[0]?.ruleOrder).toBe('2');
    const healed = await reconcile({ port, memory, windows: file, logger, now: at(30) }); // however late
    expect(healed.done.map((o) => o.op)).toEqual(['move-rule-first']);
    expect((await ourRules())[0]?.ruleOrder).toBe('1');
  });

  it('drift: a rule deleted by hand is logged and re-created (restore) or left deleted (respect)', async () => {
    const file = windows([oneOff('keep', ['payroll-app']), oneOff('let-go', ['hr-portal'], { onDrift: 'respect' })]);
    await reconcile({ port, memory, windows: file, logger, now: at(0) });
    await reconcile({ port, memory, windows: file, logger, now: at(1) }); // sees both in force
    const ps = await getPolicySet(s, 'CLIENT_FORWARDING_POLICY');
    for (const r of await ourRules()) await deleteRule(s, ps.id, r.id);
    const later = await reconcile({ port, memory, windows: file, logger, now: at(10) });
    expect(later.drift.map((d) => [d.op === 'drift' && d.target, d.op === 'drift' && d.policy])).toEqual([
      ['zea-bypass:win:keep', 'restore'],
      ['zea-bypass:win:let-go', 'respect'],
    ]);
    expect((await ourRules()).map((r) => r.name)).toEqual(['zea-bypass:win:keep']);
    expect(audits().filter((a) => a.action === 'zpa.bypass.drift')).toHaveLength(2);
    // The respected deletion stands for the rest of the window: not re-created, and not logged again every run.
    const again = await reconcile({ port, memory, windows: file, logger, now: at(11) });
    expect(again.plan.map((o) => o.op)).toEqual(['drift']);
    expect(audits().filter((a) => a.action === 'zpa.bypass.drift')).toHaveLength(2);
    // A fresh container has no evidence of the deletion: it creates the bypass, as it would after a deploy.
    await reconcile({ port, memory: newReconcileMemory(), windows: file, logger, now: at(12) });
    expect((await ourRules()).map((r) => r.name).sort()).toEqual(['zea-bypass:win:keep', 'zea-bypass:win:let-go']);
  });
});

describe('what a run must never tear down', () => {
  it('a transient ZPA failure while resolving a window ends the run and leaves its bypass in place', async () => {
    const file = windows([{ ...oneOff('fin', []), segmentGroups: ['Finance Apps'] }]);
    await reconcile({ port, memory, windows: file, logger, now: at(0) });
    expect((await ourRules()).map((r) => r.name)).toEqual(['zea-bypass:win:fin']);
    env.sim.injectFault({ path: '/segmentGroup', method: 'GET', status: 503, count: 5 });
    await expect(reconcile({ port, memory, windows: file, logger, now: at(10) })).rejects.toMatchObject({
      retryable: true,
    });
    expect((await ourRules()).map((r) => r.name)).toEqual(['zea-bypass:win:fin']);
    expect((await reconcile({ port, memory, windows: file, logger, now: at(11) })).plan).toEqual([]); // and no false drift
  }, 30_000);

  it('a window refused mid-way (a member outside the allowlist was added) keeps what it holds until it ends', async () => {
    const file = windows([{ ...oneOff('fin', []), segmentGroups: ['Finance Apps'] }]);
    await reconcile({ port, memory, windows: file, logger, now: at(0) });
    const narrowed = windows([{ ...oneOff('fin', []), segmentGroups: ['Finance Apps'] }], {
      allowedSegments: ['payroll-app', 'Finance Apps'],
    });
    const refused = await reconcile({ port, memory, windows: narrowed, logger, now: at(10) });
    expect(refused.refused.map((r) => r.windowId)).toEqual(['fin']);
    expect(refused.plan).toEqual([]);
    expect((await ourRules()).map((r) => r.name)).toEqual(['zea-bypass:win:fin']);
    await reconcile({ port, memory, windows: narrowed, logger, now: at(61) }); // ended: now it goes
    expect(await ourRules()).toEqual([]);
  });

  it('refuses a window whose segment group is empty rather than create a BYPASS rule without applications', async () => {
    await s.api.post(`/mgmtconfig/v1/admin/customers/${CUSTOMER}/segmentGroup`, { name: 'Empty Group', enabled: true });
    const file = windows([{ ...oneOff('empty', []), segmentGroups: ['Empty Group'] }], { allowedSegments: ['*'] });
    const result = await reconcile({ port, memory, windows: file, logger, now: at(0) });
    expect(result.refused).toEqual([{ windowId: 'empty', reason: expect.stringMatching(/names no segment/) }]);
    expect(zpa().counters.writes).toBe(1); // the group we created, nothing else
  });

  it('a bypass rule disabled by hand is drift: enabled again under restore', async () => {
    const file = windows([oneOff('on', ['payroll-app'])]);
    await reconcile({ port, memory, windows: file, logger, now: at(0) });
    await reconcile({ port, memory, windows: file, logger, now: at(1) });
    const ps = await getPolicySet(s, 'CLIENT_FORWARDING_POLICY');
    const [rule] = await ourRules();
    await updateRule(s, ps.id, rule!.id, { disabled: '1' });
    expect((await ourRules())[0]!.disabled).toBe('1');
    const fixed = await reconcile({ port, memory, windows: file, logger, now: at(5) });
    expect(fixed.drift).toEqual([expect.objectContaining({ detail: 'rule disabled' })]);
    expect((await ourRules())[0]).toMatchObject({ disabled: '0', action: 'BYPASS', ruleOrder: '1' });
  });
});

describe('bypassType mode', () => {
  it('sets ALWAYS for the window and leaves each segment exactly as it began, every field', async () => {
    const file = windows([oneOff('migrate', ['hr-portal', 'app-007'], { mode: 'bypassType' })]);
    const before = [await full('hr-portal'), await full('app-007')];
    expect(before[1]).not.toHaveProperty('description'); // one with a description, one without
    await reconcile({ port, memory, windows: file, logger, now: at(0) });
    expect((await full('hr-portal')).bypassType).toBe('ALWAYS');
    expect((await full('app-007')).bypassType).toBe('ALWAYS');
    expect(audits().filter((a) => a.action === 'zpa.bypass.set-bypass-always')).toHaveLength(2);
    await reconcile({ port, memory, windows: file, logger, now: at(61) });
    expect([await full('hr-portal'), await full('app-007')]).toEqual(before);
  });

  it('bypasses and restores a window over 50 segments with no 429', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `app-${String(i + 1).padStart(3, '0')}`);
    const file = windows([oneOff('fifty', names, { mode: 'bypassType' })]);
    const on = await reconcile({ port, memory, windows: file, logger, now: at(0) });
    expect(on.done).toHaveLength(50);
    expect(on.failed).toEqual([]);
    const state = env.sim.state().products.zpa as { segments: Array<{ name: string; bypassType: string }> };
    expect(state.segments.filter((x) => names.includes(x.name)).every((x) => x.bypassType === 'ALWAYS')).toBe(true);
    const off = await reconcile({ port, memory, windows: file, logger, now: at(61) });
    expect(off.done).toHaveLength(50);
    const restored = env.sim.state().products.zpa as { segments: Array<{ name: string; bypassType: string }> };
    expect(restored.segments.filter((x) => names.includes(x.name)).every((x) => x.bypassType === 'NEVER')).toBe(true);
    expect(zpa().counters.r429).toBe(0);
  }, 60_000);
});

describe('long windows', () => {
  it('a window too big for one invocation stops cleanly at the deadline and the next run finishes it', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `app-${String(i + 1).padStart(3, '0')}`);
    const file = windows([oneOff('big', names, { mode: 'bypassType' })]);
    // 4 s left, 1 s of it kept in reserve by the HTTP core and no attempt started with under 1.5 s to go: room for
    // the reads and a window or two of 10 writes, not three.
    const first = await runWithDeadline(Date.now() + 4000, () =>
      reconcile({ port, memory, windows: file, logger, now: at(0) }),
    );
    expect(first.failed).toEqual([]);
    expect(first.done.length).toBeGreaterThan(0);
    expect(first.deferred.length).toBe(30 - first.done.length);
    expect(audits().filter((a) => a.result === 'failed')).toEqual([]);
    const second = await reconcile({ port, memory, windows: file, logger, now: at(1) });
    expect(second.done).toHaveLength(first.deferred.length);
    const state = env.sim.state().products.zpa as { segments: Array<{ name: string; bypassType: string }> };
    expect(state.segments.filter((x) => names.includes(x.name)).every((x) => x.bypassType === 'ALWAYS')).toBe(true);
  }, 30_000);
});

describe('guardrails and dry run', () => {
  it('refuses a bad windows file with a message naming each problem', () => {
    expect(() => windows([oneOff('x', ['gitlab'])])).toThrow(/segment "gitlab" is not in guardrails.allowedSegments/);
    expect(() =>
      windows([
        { ...oneOff('long', ['payroll-app']), schedule: { start: at(0).toISOString(), end: at(300).toISOString() } },
      ]),
    ).toThrow(/lasts 300 min, longer than maxWindowMinutes 240/);
    expect(() =>
      windows([{ ...oneOff('cron', ['payroll-app']), schedule: { cron: 'every sunday', durationMinutes: 60 } }]),
    ).toThrow(/5-field cron expression/);
  });

  it('refuses a window whose segment group holds a segment outside the allowlist, and writes nothing', async () => {
    const file = windows([
      { id: 'group', segmentGroups: ['Engineering'], schedule: oneOff('g', []).schedule, reason: 'eng patching' },
    ]);
    const result = await reconcile({ port, memory, windows: file, logger, now: at(0) });
    expect(result.refused).toEqual([
      { windowId: 'group', reason: expect.stringMatching(/is not in guardrails.allowedSegments/) },
    ]);
    expect(zpa().counters.writes).toBe(0);
  });

  it('dry run prints the plan and changes nothing', async () => {
    const file = windows([oneOff('dry', ['payroll-app']), oneOff('dry2', ['app-003'], { mode: 'bypassType' })], {
      dryRun: true,
    });
    const result = await reconcile({ port, memory, windows: file, logger, now: at(0) });
    expect(result.dryRun).toBe(true);
    expect(result.plan.map((o) => o.op)).toEqual(['create-rule', 'set-bypass-always']);
    expect(zpa().counters.writes).toBe(0);
    expect(
      lines.some(
        (l) =>
          l.includes('reconcile plan (dry run: nothing is changed)') &&
          l.includes('create BYPASS rule zea-bypass:win:dry'),
      ),
    ).toBe(true);
    expect(audits().every((a) => a.result === 'dry-run')).toBe(true);
  });
});

describe('the reconciler function', () => {
  const context = { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'test' } as Context;
  const outcomes: Outcome[] = [];
  const handlerFor = (file: WindowsFile) =>
    makeHandler({
      port,
      windows: () => file,
      logger,
      reporter: { report: async (o) => void outcomes.push(o) },
      dryRun: false,
    });
  const record = (body: unknown, id: string) => ({
    messageId: id,
    receiptHandle: id,
    body: JSON.stringify(body),
    attributes: {},
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:1:policy',
    awsRegion: 'us-east-1',
  });
  const schedule = {
    id: 'tick',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '1',
    time: '',
    region: 'us-east-1',
    resources: [],
    detail: {},
    version: '0',
  };

  it('two runs at once (schedule and queue) produce no 409 and one rule', async () => {
    const handler = handlerFor(
      windows([
        {
          ...oneOff('race', ['payroll-app']),
          schedule: {
            start: new Date(Date.now() - 60_000).toISOString(),
            end: new Date(Date.now() + 3_600_000).toISOString(),
          },
        },
      ]),
    );
    const queued = {
      Records: [record({ id: 'c1', type: 'reconcile', requestedBy: { kind: 'schedule', id: 'manual' } }, 'm1')],
    };
    const [a, b] = await Promise.all([handler(schedule as never, context), handler(queued as never, context)]);
    expect(b).toEqual({ batchItemFailures: [] });
    expect(a).toMatchObject({ done: 1, failed: 0 });
    expect((await ourRules()).map((r) => r.name)).toEqual(['zea-bypass:win:race']);
    expect(zpa().counters.r409).toBe(0);
  });

  it('a scheduled run that fails says so and fails the invocation (Lambda error metric)', async () => {
    outcomes.length = 0;
    env.sim.injectFault({ path: '/application', method: 'GET', status: 503, count: 5 });
    await expect(handlerFor(windows([]))(schedule as never, context)).rejects.toMatchObject({ retryable: true });
    expect(outcomes).toEqual([
      expect.objectContaining({
        kind: 'reconcile.failed',
        ok: false,
        text: expect.stringMatching(/reconcile failed and will run again: GET .*application → 503/),
      }),
    ]);
  }, 30_000);

  it('on the policy queue: a failed reconcile is reported and not redelivered; a stale tick is skipped', async () => {
    outcomes.length = 0;
    const handler = handlerFor(windows([oneOff('queued', ['payroll-app'])]));
    const tick = (id: string, sentAgoMs: number) => ({
      ...record({ id, type: 'reconcile', requestedBy: { kind: 'schedule', id } }, id),
      attributes: { SentTimestamp: String(Date.now() - sentAgoMs), ApproximateReceiveCount: '1' },
    });
    env.sim.injectFault({ path: '/application', method: 'GET', status: 503, count: 5 });
    expect(await handler({ Records: [tick('t1', 0)] } as never, context)).toEqual({ batchItemFailures: [] }); // holds no FIFO group
    expect(outcomes.map((o) => o.kind)).toEqual(['reconcile.failed']);
    expect(await handler({ Records: [tick('t2', 120_000)] } as never, context)).toEqual({ batchItemFailures: [] });
    expect(await ourRules()).toEqual([]); // the stale tick did nothing
    await handler({ Records: [tick('t3', 1_000)] } as never, context);
    expect((await ourRules()).map((r) => r.name)).toEqual(['zea-bypass:win:queued']);
  }, 30_000);

  it('an ad-hoc bypass that ZPA keeps failing is reported to the requester at once, not redelivered', async () => {
    outcomes.length = 0;
    env.sim.injectFault({ path: '/application', method: 'GET', status: 503, count: 5 });
    const apply = {
      id: 'adhoc-down',
      type: 'bypass.apply',
      segment: 'erp-finance',
      durationMinutes: 30,
      reason: 'x',
      requestedBy: { kind: 'slack', id: 'U1' },
      requestedAt: new Date().toISOString(),
    };
    expect(await handlerFor(windows([]))({ Records: [record(apply, 'a')] } as never, context)).toEqual({
      batchItemFailures: [],
    });
    expect(outcomes).toEqual([
      expect.objectContaining({
        kind: 'bypass.apply.failed',
        ok: false,
        text: expect.stringMatching(/ZPA did not answer in time.*ask again in a minute/),
      }),
    ]);
  }, 30_000);

  it('reports a refused window once, not every minute', async () => {
    outcomes.length = 0;
    const handler = handlerFor(
      windows([
        {
          id: 'eng',
          segmentGroups: ['Engineering'],
          schedule: {
            start: new Date(Date.now() - 60_000).toISOString(),
            end: new Date(Date.now() + 3_600_000).toISOString(),
          },
          reason: 'eng patching',
        },
      ]),
    );
    const first = await handler(schedule as never, context);
    const second = await handler(schedule as never, context);
    expect([first, second]).toMatchObject([
      { refused: 1, done: 0 },
      { refused: 1, done: 0 },
    ]);
    expect(outcomes.filter((o) => o.kind === 'reconcile.problems').map((o) => o.text)).toEqual([
      expect.stringMatching(/^window eng refused: segment "(jira|gitlab)" is not in guardrails.allowedSegments/),
    ]);
    expect(zpa().counters.writes).toBe(0);
  });

  it('ad-hoc commands delivered again never redo or undo more than they asked, and a down reply target fails nothing', async () => {
    const failing = makeHandler({
      port,
      windows: () => windows([]),
      logger,
      reporter: {
        report: async () => {
          throw new Error('response_url is down');
        },
      },
      dryRun: false,
    });
    const askedAt = new Date(Date.now() - 60_000).toISOString();
    const apply = {
      id: 'adhoc-redeliver',
      type: 'bypass.apply',
      segment: 'erp-finance',
      durationMinutes: 30,
      reason: 'failover',
      requestedBy: { kind: 'slack', id: 'U1' },
      requestedAt: askedAt,
    };
    expect(await failing({ Records: [record(apply, 'a')] } as never, context)).toEqual({ batchItemFailures: [] });
    const [rule] = await ourRules();
    expect(rule!.description).toContain(`until=${new Date(Date.parse(askedAt) + 30 * 60_000).toISOString()}`); // from when it was asked
    const writes = zpa().counters.writes;
    await failing({ Records: [record(apply, 'a2')] } as never, context); // the same command again
    expect(zpa().counters.writes).toBe(writes);
    // A remove asked before this bypass (delivered late) leaves it; one asked after ends it.
    const remove = {
      id: 'adhoc-remove-old',
      type: 'bypass.remove',
      segment: 'erp-finance',
      requestedBy: { kind: 'slack', id: 'U2' },
      requestedAt: new Date(Date.parse(askedAt) - 60_000).toISOString(),
    };
    await failing({ Records: [record(remove, 'r')] } as never, context);
    expect(await ourRules()).toHaveLength(1);
    await failing(
      {
        Records: [record({ ...remove, id: 'adhoc-remove-new', requestedAt: new Date().toISOString() }, 'r2')],
      } as never,
      context,
    );
    expect(await ourRules()).toEqual([]);
    // An apply whose time has already run out changes nothing.
    await failing(
      {
        Records: [
          record({ ...apply, id: 'adhoc-stale', requestedAt: new Date(Date.now() - 3_600_000).toISOString() }, 's'),
        ],
      } as never,
      context,
    );
    expect(await ourRules()).toEqual([]);
  });

  it('an ad-hoc bypass whose reorder failed is moved first when it is asked again', async () => {
    const handler = handlerFor(windows([]));
    const apply = {
      id: 'adhoc-move',
      type: 'bypass.apply',
      segment: 'erp-finance',
      durationMinutes: 30,
      reason: 'failover',
      requestedBy: { kind: 'slack', id: 'U1' },
      requestedAt: new Date().toISOString(),
    };
    env.sim.injectFault({ path: '/reorder/', method: 'PUT', status: 500, count: 5 });
    expect(await handler({ Records: [record(apply, 'a')] } as never, context)).toEqual({ batchItemFailures: [] }); // reported, not redelivered
    expect((await ourRules())[0]?.ruleOrder).toBe('2');
    expect(await handler({ Records: [record(apply, 'a')] } as never, context)).toEqual({ batchItemFailures: [] });
    expect((await ourRules())[0]?.ruleOrder).toBe('1');
  }, 30_000);

  it('ad-hoc bypass by segment id, and a clear refusal for a segment that does not exist', async () => {
    outcomes.length = 0;
    const handler = handlerFor(windows([]));
    const payroll = (await findSegmentByName(s, 'payroll-app'))!;
    const byId = {
      id: 'adhoc-id',
      type: 'bypass.apply',
      segment: payroll.id,
      durationMinutes: 10,
      reason: 'by id',
      requestedBy: { kind: 'teams', id: 'aad-1' },
    };
    const unknown = { ...byId, id: 'adhoc-unknown', segment: 'no-such-app' };
    expect(await handler({ Records: [record(byId, 'a'), record(unknown, 'b')] } as never, context)).toEqual({
      batchItemFailures: [],
    });
    expect((await ourRules()).map((r) => r.name)).toEqual([`zea-bypass:adhoc:${payroll.id}`]);
    expect(outcomes.find((o) => o.kind === 'bypass.apply.failed')?.text).toMatch(
      /no application segment named "no-such-app"/,
    );
  });

  it('ad-hoc bypass from the queue: first in order with its expiry and requester, refused outside the guardrails', async () => {
    const handler = handlerFor(windows([]));
    const ok = {
      id: 'adhoc-1',
      type: 'bypass.apply',
      segment: 'erp-finance',
      durationMinutes: 30,
      reason: 'db failover',
      requestedBy: { kind: 'slack', id: 'U123', name: 'alice' },
    };
    const notAllowed = { ...ok, id: 'adhoc-2', segment: 'gitlab' };
    const tooLong = { ...ok, id: 'adhoc-3', durationMinutes: 600 };
    const res = await handler(
      { Records: [record(ok, 'a'), record(notAllowed, 'b'), record(tooLong, 'c')] } as never,
      context,
    );
    expect(res).toEqual({ batchItemFailures: [] }); // permanent refusals are reported, not retried
    const [rule] = await ourRules();
    expect(rule).toMatchObject({ ruleOrder: '1', action: 'BYPASS' });
    expect(rule!.name).toMatch(/^zea-bypass:adhoc:\d+$/);
    expect(rule!.description).toMatch(/by=slack:U123\(alice\) cmd=adhoc-1 at=\S+ reason=db failover/);
    expect(outcomes.map((o) => [o.kind, o.ok])).toEqual(
      expect.arrayContaining([
        ['bypass.apply', true],
        ['bypass.apply.failed', false],
        ['bypass.apply.failed', false],
      ]),
    );
    expect(outcomes.find((o) => o.text.includes('gitlab'))?.text).toMatch(/not in the guardrails allowlist/);
    expect(outcomes.find((o) => o.text.includes('600'))?.text).toMatch(/at most 240 minutes/);
    // It expires by itself: a reconcile after its expiry deletes it, whatever happened to the message.
    await reconcile({ port, memory, windows: windows([]), logger, now: new Date(Date.now() + 31 * 60_000) });
    expect(await ourRules()).toEqual([]);
  });
});

describe('metrics: what the bypass alarms and the dashboard watch', () => {
  /** The sum of each metric's dimensionless data points in the EMF lines written so far (the last, for a gauge). */
  const metrics = () => {
    const sums: Record<string, number> = {};
    const last: Record<string, number> = {};
    for (const l of lines) {
      const e = JSON.parse(l) as Record<string, unknown> & { _aws?: { CloudWatchMetrics: Array<Record<string, any>> } };
      for (const d of e._aws?.CloudWatchMetrics ?? [])
        for (const m of d.Metrics as Array<{ Name: string }>) {
          sums[m.Name] = (sums[m.Name] ?? 0) + Number(e[m.Name]);
          last[m.Name] = Number(e[m.Name]);
        }
    }
    return { sums, last };
  };

  it('a normal window: applied 1, reverted 1, and the overdue gauge 0 on every run', async () => {
    const file = windows([oneOff('normal', ['payroll-app'])]);
    await reconcile({ port, memory, windows: file, logger, now: at(0) });
    await reconcile({ port, memory, windows: file, logger, now: at(30) });
    await reconcile({ port, memory, windows: file, logger, now: at(61) });
    const { sums } = metrics();
    expect(sums).toMatchObject({ BypassesApplied: 1, BypassesReverted: 1, BypassesOverdue: 0 });
    const gauges = lines.filter((l) => l.includes('"BypassesOverdue"'));
    expect(gauges).toHaveLength(3); // one per run, 0 included: the alarm always has data
  });

  it('a bypassType window counts each segment applied and restored', async () => {
    const file = windows([oneOff('seg', ['hr-portal', 'app-007'], { mode: 'bypassType' })]);
    await reconcile({ port, memory, windows: file, logger, now: at(0) });
    await reconcile({ port, memory, windows: file, logger, now: at(61) });
    expect(metrics().sums).toMatchObject({ BypassesApplied: 2, BypassesReverted: 2, BypassesOverdue: 0 });
  });

  it('a bypass past its end that ZPA refuses to remove is overdue once the grace has passed, until it is removed', async () => {
    const file = windows([oneOff('stuck', ['payroll-app'])]);
    await reconcile({ port, memory, windows: file, logger, now: at(0) });
    env.sim.injectFault({ path: '/rule/', method: 'DELETE', status: 403, count: 2 });
    // Within the grace (3 minutes by default): a late revert is not yet overdue.
    const first = await reconcile({ port, memory, windows: file, logger, now: at(61) });
    expect(first.failed.map((f) => f.op.op)).toEqual(['delete-rule']);
    expect(metrics().last.BypassesOverdue).toBe(0);
    const second = await reconcile({ port, memory, windows: file, logger, now: at(64) });
    expect(second.failed.map((f) => f.op.op)).toEqual(['delete-rule']);
    expect(metrics().last.BypassesOverdue).toBe(1);
    expect(lines.some((l) => l.includes('bypass in force past its end') && l.includes('zea-bypass:win:stuck'))).toBe(
      true,
    );
    // ZPA accepts the delete again: removed in this run, so this run's gauge is back to 0.
    await reconcile({ port, memory, windows: file, logger, now: at(65) });
    expect(await ourRules()).toEqual([]);
    expect(metrics().last.BypassesOverdue).toBe(0);
  }, 30_000);

  it('a run that fails after reading ZPA still writes the gauge; an expired segment bypass counts too', async () => {
    const file = windows([oneOff('late', ['hr-portal'], { mode: 'bypassType' })]);
    await reconcile({ port, memory, windows: file, logger, now: at(0) });
    // The restore's GET-before-PUT keeps failing: the run ends with the segment still ALWAYS, 10 minutes late.
    env.sim.injectFault({ path: '/application/', method: 'PUT', status: 403, count: 1 });
    const result = await reconcile({ port, memory, windows: file, logger, now: at(70) });
    expect(result.failed.map((f) => f.op.op)).toEqual(['restore-bypass']);
    expect(metrics().last.BypassesOverdue).toBe(1);
    // ZPA failing after the reads (resolving another window's segment group): the run ends without a write, and
    // its gauge, from what it read, still says the segment is overdue.
    const gauges = lines.filter((l) => l.includes('"BypassesOverdue"')).length;
    env.sim.injectFault({ path: '/segmentGroup', method: 'GET', status: 503, count: 5 });
    const grouped = windows([
      {
        ...oneOff('grp', []),
        segmentGroups: ['Finance Apps'],
        schedule: { start: at(70).toISOString(), end: at(90).toISOString() },
      },
    ]);
    await expect(reconcile({ port, memory, windows: grouped, logger, now: at(71) })).rejects.toMatchObject({
      retryable: true,
    });
    expect(lines.filter((l) => l.includes('"BypassesOverdue"'))).toHaveLength(gauges + 1);
    expect(metrics().last.BypassesOverdue).toBe(1);
  }, 30_000);

  it('drift restored: BypassDrift 1 (by policy), and the re-created rule counts as applied again', async () => {
    const file = windows([oneOff('drifty', ['payroll-app'])]);
    await reconcile({ port, memory, windows: file, logger, now: at(0) });
    await reconcile({ port, memory, windows: file, logger, now: at(1) });
    const ps = await getPolicySet(s, 'CLIENT_FORWARDING_POLICY');
    for (const r of await ourRules()) await deleteRule(s, ps.id, r.id);
    await reconcile({ port, memory, windows: file, logger, now: at(2) });
    expect((await ourRules()).map((r) => r.name)).toEqual(['zea-bypass:win:drifty']);
    expect(metrics().sums).toMatchObject({ BypassDrift: 1, BypassesApplied: 2, BypassesOverdue: 0 });
    expect(lines.some((l) => l.includes('"BypassDrift"') && l.includes('"policy":"restore"'))).toBe(true);
  });
});

describe('emergency stops (shared/windows/stops.ts) honoured by the reconcile', () => {
  // Every day 00:00 UTC for 2 hours; T0-relative times are found from the cron below.
  const daily = (id: string, over: Record<string, unknown> = {}) => ({
    id,
    segments: ['payroll-app'],
    schedule: { cron: '0 0 * * *', timezone: 'UTC', durationMinutes: 120 },
    reason: 'nightly patching',
    ...over,
  });
  const midnight = new Date(Date.UTC(T0.getUTCFullYear(), T0.getUTCMonth(), T0.getUTCDate() + 1));
  const day = (d: number, minutes: number) => new Date(midnight.getTime() + d * 86_400_000 + minutes * 60_000);
  const stopOf = (windowId: string, occurrence: number, untilResumed = false) => ({
    windowId,
    occurrenceStart: day(occurrence, 0).toISOString(),
    occurrenceEnd: day(occurrence, 120).toISOString(),
    untilResumed,
    stoppedAt: day(occurrence, 30).toISOString(),
    by: 'slack:U1(alice)',
    reason: 'db on fire',
    commandId: 'chat_1',
  });
  const ruleNames = async () => (await ourRules()).map((r) => r.name);

  it('a stopped occurrence is reverted and stays so; the next occurrence of a recurring window runs normally', async () => {
    const file = windows([daily('nightly')]);
    await reconcile({ port, memory, windows: file, logger, now: day(0, 10), stops: [] });
    expect(await ruleNames()).toEqual(['zea-bypass:win:nightly']);
    const stops = [stopOf('nightly', 0)];
    const stopped = await reconcile({ port, memory, windows: file, logger, now: day(0, 31), stops });
    expect(stopped.done.map((o) => o.op)).toEqual(['delete-rule']);
    for (const minute of [32, 60, 119]) {
      expect((await reconcile({ port, memory, windows: file, logger, now: day(0, minute), stops })).plan).toEqual([]);
      expect(await ruleNames()).toEqual([]);
    }
    // The stop names its occurrence: the next night's runs as declared, stop or no stop.
    await reconcile({ port, memory, windows: file, logger, now: day(1, 5), stops });
    expect(await ruleNames()).toEqual(['zea-bypass:win:nightly']);
  });

  it('until resumed: every occurrence stays stopped; resumed within an occurrence, its bypass comes back and is not drift', async () => {
    const file = windows([daily('held', { onDrift: 'respect' })]);
    await reconcile({ port, memory, windows: file, logger, now: day(0, 10), stops: [] });
    await reconcile({ port, memory, windows: file, logger, now: day(0, 11), stops: [] }); // seen in force
    const stops = [stopOf('held', 0, true)];
    await reconcile({ port, memory, windows: file, logger, now: day(0, 31), stops });
    expect(await ruleNames()).toEqual([]);
    await reconcile({ port, memory, windows: file, logger, now: day(1, 5), stops });
    expect(await ruleNames()).toEqual([]);
    await reconcile({ port, memory, windows: file, logger, now: day(1, 6), stops: [] }); // resumed
    expect(await ruleNames()).toEqual(['zea-bypass:win:held']);
    await reconcile({ port, memory, windows: file, logger, now: day(1, 7), stops: [] }); // seen in force again
    // Stopped and resumed within one occurrence: our own removal is not someone else's change, so even
    // `respect` puts the bypass back, and no drift is logged.
    const again = [{ ...stopOf('held', 1), stoppedAt: day(1, 8).toISOString() }];
    await reconcile({ port, memory, windows: file, logger, now: day(1, 8), stops: again });
    expect(await ruleNames()).toEqual([]);
    const resumed = await reconcile({ port, memory, windows: file, logger, now: day(1, 9), stops: [] });
    expect(resumed.drift).toEqual([]);
    expect(await ruleNames()).toEqual(['zea-bypass:win:held']);
  });

  it('stop all: every window and every ad-hoc bypass is removed and stays so; new ad-hoc bypasses are refused; resume all brings the windows back', async () => {
    const file = windows([daily('nightly'), daily('seg-night', { segments: ['hr-portal'], mode: 'bypassType' })]);
    const hrBefore = await full('hr-portal');
    const policy = createPolicyRunner({
      port,
      windows: () => file,
      logger,
      reporter: { report: async () => undefined },
      dryRun: false,
      windowStops: { read: async () => ({ stops: everything, version: 1 }), save: async () => undefined },
    });
    let everything: WindowStop[] = [];
    await reconcile({ port, memory, windows: file, logger, now: day(0, 10), stops: [] });
    const adhoc = await policy.runCommand({
      id: 'chat_adhoc_1',
      type: 'bypass.apply',
      segment: 'erp-finance',
      durationMinutes: 60,
      reason: 'vendor call',
      requestedBy: { kind: 'slack', id: 'U1', name: 'alice' },
    });
    expect(adhoc).not.toHaveProperty('failed');
    expect((await ruleNames()).sort()).toEqual(
      ['zea-bypass:win:nightly', expect.stringMatching(/^zea-bypass:adhoc:/)].sort(),
    );
    everything = [
      {
        windowId: ALL_WINDOWS,
        untilResumed: true,
        stoppedAt: day(0, 30).toISOString(),
        by: 'slack:U1(alice)',
        reason: 'incident',
        commandId: 'chat_all',
      },
    ];
    const stopped = await reconcile({ port, memory, windows: file, logger, now: day(0, 31), stops: everything });
    expect(stopped.failed).toEqual([]);
    expect(await ruleNames()).toEqual([]);
    expect(await full('hr-portal')).toEqual(hrBefore);
    // Refused while everything is stopped, with who stopped it; ZPA unchanged.
    const refused = await policy.runCommand({
      id: 'chat_adhoc_2',
      type: 'bypass.apply',
      segment: 'erp-finance',
      durationMinutes: 60,
      reason: 'vendor call again',
      requestedBy: { kind: 'slack', id: 'U2', name: 'bob' },
    });
    expect(refused).toEqual({
      failed: expect.stringMatching(
        /^every bypass is stopped \(every window and ad-hoc bypass: stopped until resumed by slack:U1\(alice\)/,
      ),
    });
    // The next night too: stopped until resumed.
    await reconcile({ port, memory, windows: file, logger, now: day(1, 5), stops: everything });
    expect(await ruleNames()).toEqual([]);
    // Resumed: the running windows come back; the ad-hoc bypass, ended by the stop, does not.
    everything = [];
    await reconcile({ port, memory, windows: file, logger, now: day(1, 6), stops: [] });
    expect(await ruleNames()).toEqual(['zea-bypass:win:nightly']);
    expect((await full('hr-portal')).bypassType).toBe('ALWAYS');
  });

  it('a stopped bypassType window restores its segments exactly', async () => {
    const file = windows([daily('seg', { segments: ['hr-portal'], mode: 'bypassType' })]);
    const before = await full('hr-portal');
    await reconcile({ port, memory, windows: file, logger, now: day(0, 10), stops: [] });
    expect((await full('hr-portal')).bypassType).toBe('ALWAYS');
    await reconcile({ port, memory, windows: file, logger, now: day(0, 31), stops: [stopOf('seg', 0)] });
    expect(await full('hr-portal')).toEqual(before);
  });

  it('stops that cannot be read hold every running window as it is, while an ended one is still removed', async () => {
    const file = windows([
      daily('running'),
      oneOff('over', ['hr-portal'], { schedule: { start: day(0, 0).toISOString(), end: day(0, 20).toISOString() } }),
    ]);
    await reconcile({ port, memory, windows: file, logger, now: day(0, 10), stops: [] });
    expect((await ruleNames()).sort()).toEqual(['zea-bypass:win:over', 'zea-bypass:win:running']);
    const blind = await reconcile({
      port,
      memory,
      windows: file,
      logger,
      now: day(0, 30),
      stops: { unreadable: 'DynamoDB timed out' },
    });
    expect(blind.refused).toEqual([
      { windowId: 'running', reason: 'its emergency stops could not be read (DynamoDB timed out)' },
    ]);
    expect(await ruleNames()).toEqual(['zea-bypass:win:running']);
  });

  it('a stopped window whose bypass ZPA keeps is overdue once the grace after the stop has passed', async () => {
    const file = windows([daily('stuck')]);
    await reconcile({ port, memory, windows: file, logger, now: day(0, 10), stops: [] });
    env.sim.injectFault({ path: '/rule/', method: 'DELETE', status: 403, count: 2 });
    const stops = [stopOf('stuck', 0)]; // stopped at minute 30
    await reconcile({ port, memory, windows: file, logger, now: day(0, 31), stops });
    await reconcile({ port, memory, windows: file, logger, now: day(0, 34), stops });
    const gauges = lines.filter((l) => l.includes('"BypassesOverdue"')).map((l) => JSON.parse(l).BypassesOverdue);
    expect(gauges).toEqual([0, 0, 1]);
  }, 30_000);
});
