/**
 * The planners planReconcile is composed of, one by one, for the cases plan.test.ts does not reach through
 * planReconcile (which covers the common paths of each).
 */
import { describe, expect, it } from 'vitest';
import { markSegmentDescription, ruleDescription, ruleNameFor } from '../../../shared/bypass/markers.js';
import {
  inForceKey,
  planAdhocRule,
  planReconcile,
  planSegment,
  planWindowRule,
  planWindowRuleRemoval,
  removalsLast,
  segmentHolder,
  type ActiveWindow,
  type Operation,
  type RuleView,
} from '../../../shared/bypass/plan.js';
import { parseWindowsFile } from '../../../shared/bypass/windows.js';

const now = new Date('2026-11-22T01:30:00Z');
const start = new Date('2026-11-22T01:00:00Z');
const end = new Date('2026-11-22T03:00:00Z');
const later = new Date('2026-11-22T06:00:00Z');
const schedule = { start: '2026-11-22T01:00:00Z', end: '2026-11-22T03:00:00Z' };
const [wRule, wRespect, wType, wType2, wTypeRespect] = parseWindowsFile({
  guardrails: { allowedSegments: ['*'], maxWindowMinutes: 480 },
  windows: [
    { id: 'w-rule', segments: ['a'], schedule, reason: 'patch' },
    { id: 'w-respect', segments: ['a'], schedule, reason: 'patch', onDrift: 'respect' },
    { id: 'w-type', segments: ['b'], schedule, reason: 'patch', mode: 'bypassType' },
    { id: 'w-type2', segments: ['b'], schedule, reason: 'patch', mode: 'bypassType' },
    { id: 'w-type-respect', segments: ['b'], schedule, reason: 'patch', mode: 'bypassType', onDrift: 'respect' },
  ],
}).windows as [
  ActiveWindow['window'],
  ActiveWindow['window'],
  ActiveWindow['window'],
  ActiveWindow['window'],
  ActiveWindow['window'],
];
const active = (window: ActiveWindow['window'], segmentIds = ['1001'], until = end): ActiveWindow => ({
  window,
  start,
  end: until,
  segmentIds,
});
const none = new Set<string>();
const ctx = { now, held: none, seen: none, firstForeign: 2 };
const ops = (x: Operation[]) => x.map((o) => o.op);
const windowRule = (over: Partial<RuleView> = {}): RuleView => ({
  id: 'r1',
  name: ruleNameFor('window', 'w-rule'),
  description: ruleDescription({ until: end, by: 'window:w-rule', reason: 'patch' }),
  action: 'BYPASS',
  ruleOrder: '1',
  appIds: ['1001'],
  ...over,
});
const adhocRule = (over: Partial<RuleView> = {}): RuleView => ({
  id: 'a1',
  name: ruleNameFor('adhoc', '1001'),
  description: ruleDescription({ until: end, by: 'slack:U1', reason: 'r', command: { id: 'c1', at: start } }),
  action: 'BYPASS',
  ruleOrder: '1',
  appIds: ['1001'],
  ...over,
});

describe('planWindowRuleRemoval', () => {
  it('deletes a window rule whose window switched to bypassType mode, and keeps one whose window is active in rule mode', () => {
    expect(planWindowRuleRemoval(windowRule(), active({ ...wRule, mode: 'bypassType' }), 'w-rule', ctx)).toEqual([
      expect.objectContaining({ op: 'delete-rule', ruleId: 'r1', why: 'window switched to bypassType mode' }),
    ]);
    expect(planWindowRuleRemoval(windowRule(), active(wRule), 'w-rule', ctx)).toEqual([]);
  });
  it('leaves the rule of a refused window even when the window looks inactive', () => {
    expect(planWindowRuleRemoval(windowRule(), undefined, 'w-rule', { held: new Set(['w-rule']) })).toEqual([]);
    expect(planWindowRuleRemoval(windowRule(), undefined, 'w-rule', ctx)).toEqual([
      expect.objectContaining({ op: 'delete-rule', why: 'window is not active' }),
    ]);
  });
});

describe('planAdhocRule', () => {
  it('deletes an ad-hoc rule whose expiry cannot be read (it could otherwise bypass forever)', () => {
    expect(planAdhocRule(adhocRule({ description: 'edited by hand' }), ctx)).toEqual([
      expect.objectContaining({ op: 'delete-rule', why: 'has no readable expiry' }),
    ]);
    expect(planAdhocRule(adhocRule({ description: undefined }), ctx)).toEqual([
      expect.objectContaining({ op: 'delete-rule', why: 'has no readable expiry' }),
    ]);
  });
  it('deletes it at its expiry exactly', () => {
    expect(planAdhocRule(adhocRule(), { ...ctx, now: end })).toEqual([
      expect.objectContaining({ op: 'delete-rule', why: `expired at ${end.toISOString()}` }),
    ]);
  });
  it('an ad-hoc rule seen in force and then moved below a foreign rule is drift, always restored', () => {
    const seen = new Set([inForceKey(ruleNameFor('adhoc', '1001'), start)]);
    expect(planAdhocRule(adhocRule({ ruleOrder: '3' }), { ...ctx, seen })).toEqual([
      { op: 'drift', target: 'zea-bypass:adhoc:1001', detail: 'ad-hoc rule moved to position 3', policy: 'restore' },
      expect.objectContaining({ op: 'move-rule-first', ruleId: 'a1' }),
    ]);
    // Seen in force for an earlier request of the same segment: this one's reorder simply failed.
    const earlier = new Set([inForceKey(ruleNameFor('adhoc', '1001'), new Date('2026-11-21T00:00:00Z'))]);
    expect(ops(planAdhocRule(adhocRule({ ruleOrder: '3' }), { ...ctx, seen: earlier }))).toEqual(['move-rule-first']);
  });
});

describe('planWindowRule', () => {
  it('writes changed segments, expiry or reason from the windows file without calling it drift', () => {
    const seen = new Set([inForceKey(ruleNameFor('window', 'w-rule'), start)]);
    expect(planWindowRule(active(wRule, ['1001', '1002']), windowRule(), { ...ctx, seen })).toEqual([
      expect.objectContaining({
        op: 'update-rule',
        appIds: ['1001', '1002'],
        why: 'segments, expiry or reason changed',
      }),
    ]);
    expect(ops(planWindowRule(active(wRule, ['1001'], later), windowRule(), ctx))).toEqual(['update-rule']);
    expect(ops(planWindowRule(active({ ...wRule, reason: 'new reason' }), windowRule(), ctx))).toEqual(['update-rule']);
    // The same segments in another order are the same rule.
    expect(planWindowRule(active(wRule, ['1002', '1001']), windowRule({ appIds: ['1001', '1002'] }), ctx)).toEqual([]);
  });
  it('a rule switched off that was never seen in force is our unfinished work: brought back, no drift, even under respect', () => {
    expect(
      planWindowRule(
        active(wRespect),
        windowRule({ name: ruleNameFor('window', 'w-respect'), action: 'INTERCEPT' }),
        ctx,
      ),
    ).toEqual([expect.objectContaining({ op: 'update-rule', why: 'bring the rule back to an enabled BYPASS' })]);
  });
  it('a respected switch-off is not undone by a change to the windows file either', () => {
    const seen = new Set([inForceKey(ruleNameFor('window', 'w-respect'), start)]);
    const rule = windowRule({ name: ruleNameFor('window', 'w-respect'), disabled: true });
    expect(planWindowRule(active(wRespect, ['1001', '1002']), rule, { ...ctx, seen })).toEqual([
      expect.objectContaining({ op: 'drift', detail: 'rule disabled', policy: 'respect' }),
    ]);
  });
  it('creates a missing rule over the resolved segments with the window end as its expiry', () => {
    expect(planWindowRule(active(wRule, ['1001', '1002']), undefined, ctx)).toEqual([
      {
        op: 'create-rule',
        name: 'zea-bypass:win:w-rule',
        description: ruleDescription({ until: end, by: 'window:w-rule', reason: 'patch' }),
        appIds: ['1001', '1002'],
        why: `window active until ${end.toISOString()}`,
      },
    ]);
  });
});

describe('segmentHolder', () => {
  it('keeps the window its marker names while that one is active, else picks the one ending last', () => {
    const short = active(wType, ['2002']);
    const long = active(wType2, ['2002'], later);
    expect(segmentHolder('w-type', [long, short])).toBe(short);
    expect(segmentHolder(undefined, [short, long])).toBe(long);
    expect(segmentHolder('gone', [short, long])).toBe(long);
    expect(segmentHolder('w-type', [])).toBeUndefined();
  });
});

describe('planSegment', () => {
  const marked = (windowId: string, prevBypassType = 'ON_NET', until = end) =>
    markSegmentDescription('hr', { windowId, until, prevBypassType });
  it('a bypassType put back by hand during the window is drift: set again under restore, left under respect', () => {
    const seg = { id: '2002', name: 'b', bypassType: 'NEVER', description: marked('w-type') };
    expect(planSegment(seg, [active(wType, ['2002'])], ctx)).toEqual([
      { op: 'drift', target: 'b', detail: 'bypassType changed to NEVER during the window', policy: 'restore' },
      expect.objectContaining({
        op: 'set-bypass-always',
        windowId: 'w-type',
        prev: 'ON_NET',
        description: seg.description,
        why: 'restore the bypass',
      }),
    ]);
    const respected = { ...seg, description: marked('w-type-respect') };
    expect(planSegment(respected, [active(wTypeRespect, ['2002'])], ctx)).toEqual([
      expect.objectContaining({ op: 'drift', policy: 'respect' }),
    ]);
  });
  it('remembers NEVER for a segment that had no bypassType', () => {
    const plan = planSegment({ id: '2002', name: 'b' }, [active(wType, ['2002'])], ctx);
    expect(plan).toEqual([
      expect.objectContaining({
        op: 'set-bypass-always',
        prev: 'NEVER',
        description: markSegmentDescription(undefined, { windowId: 'w-type', until: end, prevBypassType: 'NEVER' }),
      }),
    ]);
  });
  it('restores a segment whose window left the file before its end, and says so', () => {
    const plan = planSegment({ id: '2002', name: 'b', bypassType: 'ALWAYS', description: marked('w-type') }, [], ctx);
    expect(plan).toEqual([
      {
        op: 'restore-bypass',
        segmentId: '2002',
        name: 'b',
        prev: 'ON_NET',
        description: 'hr',
        why: 'window is not active',
      },
    ]);
  });
  it('leaves a segment no window wants and nobody marked alone, and one a refused window holds', () => {
    expect(planSegment({ id: '2002', name: 'b', bypassType: 'NEVER', description: 'hr' }, [], ctx)).toEqual([]);
    expect(
      planSegment({ id: '2002', name: 'b', bypassType: 'ALWAYS', description: marked('w-type') }, [], {
        ...ctx,
        held: new Set(['w-type']),
      }),
    ).toEqual([]);
  });
});

describe('removalsLast and the order of a whole plan', () => {
  it('puts deletions and restores after everything else, each group in planning order', () => {
    const del = (ruleId: string): Operation => ({
      op: 'delete-rule',
      ruleId,
      name: ruleId,
      why: 'x',
      before: windowRule({ id: ruleId }),
    });
    const move: Operation = {
      op: 'move-rule-first',
      ruleId: 'm',
      name: 'm',
      why: 'x',
      before: windowRule({ id: 'm' }),
    };
    const restore: Operation = {
      op: 'restore-bypass',
      segmentId: 's',
      name: 's',
      prev: 'NEVER',
      description: undefined,
      why: 'x',
    };
    const drift: Operation = { op: 'drift', target: 't', detail: 'd', policy: 'restore' };
    expect(removalsLast([del('d1'), move, restore, del('d2'), drift])).toEqual([
      move,
      drift,
      del('d1'),
      restore,
      del('d2'),
    ]);
  });
  it('plans duplicates first among removals, then our stale rules in ZPA order, then segment restores', () => {
    const expiredAdhoc = adhocRule({
      id: 'a-old',
      ruleOrder: '1',
      description: ruleDescription({ until: start, by: 'U1', reason: 'r' }),
    });
    const staleWindow = windowRule({ id: 'w-old', name: ruleNameFor('window', 'gone'), ruleOrder: '2' });
    const duplicate = { ...expiredAdhoc, id: 'a-dup', ruleOrder: '3' };
    const seg = {
      id: '2002',
      name: 'b',
      bypassType: 'ALWAYS',
      description: markSegmentDescription('hr', { windowId: 'gone', until: start, prevBypassType: 'NEVER' }),
    };
    const plan = planReconcile({
      now,
      active: [active(wRule)],
      rules: [expiredAdhoc, staleWindow, duplicate],
      segments: [seg],
    });
    expect(plan.map((o) => [o.op, 'ruleId' in o ? o.ruleId : 'segmentId' in o ? o.segmentId : undefined])).toEqual([
      ['create-rule', undefined],
      ['delete-rule', 'a-dup'],
      ['delete-rule', 'a-old'],
      ['delete-rule', 'w-old'],
      ['restore-bypass', '2002'],
    ]);
  });
});
