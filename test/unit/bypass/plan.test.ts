import { describe, expect, it } from 'vitest';
import { markSegmentDescription, ruleDescription, ruleNameFor } from '../../../shared/bypass/markers.js';
import { inForceKey, planReconcile, type ActiveWindow, type RuleView } from '../../../shared/bypass/plan.js';
import { parseWindowsFile } from '../../../shared/bypass/windows.js';

const now = new Date('2026-11-22T01:30:00Z');
const start = new Date('2026-11-22T01:00:00Z');
const end = new Date('2026-11-22T03:00:00Z');
const file = parseWindowsFile({
  guardrails: { allowedSegments: ['*'], maxWindowMinutes: 480 },
  windows: [
    {
      id: 'w-rule',
      segments: ['a'],
      schedule: { cron: '0 2 * * SUN', timezone: 'Europe/Berlin', durationMinutes: 120 },
      reason: 'patch',
    },
    {
      id: 'w-respect',
      segments: ['a'],
      schedule: { cron: '0 2 * * SUN', timezone: 'Europe/Berlin', durationMinutes: 120 },
      reason: 'patch',
      onDrift: 'respect',
    },
    {
      id: 'w-type',
      segments: ['b'],
      schedule: { cron: '0 2 * * SUN', timezone: 'Europe/Berlin', durationMinutes: 120 },
      reason: 'patch',
      mode: 'bypassType',
    },
  ],
});
const [wRule, wRespect, wType] = file.windows as [
  (typeof file.windows)[0],
  (typeof file.windows)[0],
  (typeof file.windows)[0],
];
const active = (w: typeof wRule, ids = ['1001'], s = start): ActiveWindow => ({
  window: w,
  start: s,
  end,
  segmentIds: ids,
});
const ourRule = (over: Partial<RuleView> = {}): RuleView => ({
  id: 'r1',
  name: ruleNameFor('window', 'w-rule'),
  description: ruleDescription({ until: end, by: 'window:w-rule', reason: 'patch' }),
  action: 'BYPASS',
  ruleOrder: '1',
  appIds: ['1001'],
  ...over,
});
const ops = (x: ReturnType<typeof planReconcile>) => x.map((o) => o.op);
const theirs: RuleView = { id: 'x', name: 'Existing intercept rule', action: 'INTERCEPT', ruleOrder: '1', appIds: [] };

describe('planReconcile, rule mode', () => {
  it('creates the bypass rule for a window that just started', () => {
    const plan = planReconcile({
      now: new Date(start.getTime() + 30_000),
      active: [active(wRule)],
      rules: [],
      segments: [],
    });
    expect(plan).toEqual([
      expect.objectContaining({ op: 'create-rule', name: 'zea-bypass:win:w-rule', appIds: ['1001'] }),
    ]);
  });
  it('does nothing when ZPA already matches (idempotent)', () => {
    expect(planReconcile({ now, active: [active(wRule)], rules: [ourRule()], segments: [] })).toEqual([]);
  });
  it('deletes the rule once the window is over, even if the end was never processed', () => {
    expect(
      planReconcile({ now: new Date('2026-11-22T09:00:00Z'), active: [], rules: [ourRule()], segments: [] }),
    ).toEqual([expect.objectContaining({ op: 'delete-rule', ruleId: 'r1' })]);
  });
  it('never touches rules that are not ours', () => {
    expect(planReconcile({ now, active: [], rules: [theirs], segments: [] })).toEqual([]);
  });
  it('deletes an expired ad-hoc rule and keeps a live one', () => {
    const adhoc = (id: string, until: Date): RuleView => ({
      id,
      name: ruleNameFor('adhoc', id),
      description: ruleDescription({ until, by: 'U1', reason: 'r' }),
      action: 'BYPASS',
      ruleOrder: '1',
      appIds: [id],
    });
    const plan = planReconcile({
      now,
      active: [],
      rules: [adhoc('1', new Date('2026-11-22T01:00:00Z')), adhoc('2', new Date('2026-11-22T05:00:00Z'))],
      segments: [],
    });
    expect(plan).toEqual([expect.objectContaining({ op: 'delete-rule', ruleId: '1' })]);
  });
  // Drift needs evidence: the rule was seen in force during this occurrence (by this container).
  const seen = new Set([
    inForceKey(ruleNameFor('window', 'w-rule'), start),
    inForceKey(ruleNameFor('window', 'w-respect'), start),
  ]);
  it('drift, restore policy: a rule seen in force, then deleted by hand, is logged and re-created', () => {
    expect(ops(planReconcile({ now, active: [active(wRule)], rules: [], segments: [], seen }))).toEqual([
      'drift',
      'create-rule',
    ]);
  });
  it('drift, respect policy: a rule seen in force, then deleted by hand, stays deleted and is logged', () => {
    const plan = planReconcile({ now, active: [active(wRespect)], rules: [], segments: [], seen });
    expect(plan).toEqual([expect.objectContaining({ op: 'drift', policy: 'respect' })]);
  });
  it('a rule never seen in force is created however late the run (a deploy mid-window, an outage), even under respect', () => {
    const late = new Date(start.getTime() + 50 * 60_000);
    expect(ops(planReconcile({ now: late, active: [active(wRespect)], rules: [], segments: [] }))).toEqual([
      'create-rule',
    ]);
  });
  it('drift: a changed action, a disabled rule or a changed position is logged, then put back (restore) or left (respect)', () => {
    const changed = ourRule({ action: 'INTERCEPT', ruleOrder: '3' });
    expect(ops(planReconcile({ now, active: [active(wRule)], rules: [theirs, changed], segments: [], seen }))).toEqual([
      'drift',
      'update-rule',
      'drift',
      'move-rule-first',
    ]);
    const respected = { ...changed, name: ruleNameFor('window', 'w-respect') };
    expect(
      ops(planReconcile({ now, active: [active(wRespect)], rules: [theirs, respected], segments: [], seen })),
    ).toEqual(['drift', 'drift']);
    const disabled = planReconcile({
      now,
      active: [active(wRule)],
      rules: [ourRule({ disabled: true }), { ...theirs, ruleOrder: '2' }],
      segments: [],
      seen,
    });
    expect(disabled).toEqual([
      expect.objectContaining({ op: 'drift', detail: 'rule disabled' }),
      expect.objectContaining({ op: 'update-rule' }),
    ]);
  });
  it('moves a rule that was created but not yet moved first (a run that died mid-way), without calling it drift', () => {
    const late = new Date(start.getTime() + 30 * 60_000);
    expect(
      ops(
        planReconcile({
          now: late,
          active: [active(wRule)],
          rules: [theirs, ourRule({ ruleOrder: '2' })],
          segments: [],
        }),
      ),
    ).toEqual(['move-rule-first']);
  });
  it('moves an ad-hoc rule left below a foreign rule', () => {
    const adhoc: RuleView = {
      id: 'a1',
      name: ruleNameFor('adhoc', '1001'),
      description: ruleDescription({ until: end, by: 'U1', reason: 'r' }),
      action: 'BYPASS',
      ruleOrder: '2',
      appIds: ['1001'],
    };
    expect(ops(planReconcile({ now, active: [], rules: [theirs, adhoc], segments: [] }))).toEqual(['move-rule-first']);
  });
  it('leaves what a refused window holds exactly as it is, and removes replaced bypasses only after their successors are in place', () => {
    expect(planReconcile({ now, active: [], rules: [ourRule()], segments: [], held: new Set(['w-rule']) })).toEqual([]);
    const marked = {
      id: '2002',
      name: 'b',
      bypassType: 'ALWAYS',
      description: markSegmentDescription('hr', { windowId: 'w-type', until: end, prevBypassType: 'NEVER' }),
    };
    expect(planReconcile({ now, active: [], rules: [], segments: [marked], held: new Set(['w-type']) })).toEqual([]);
    // w-type switched to rule mode: the new rule comes first, the segment is restored after it.
    const switched = { ...active(wType, ['2002']), window: { ...wType, mode: 'rule' as const } };
    expect(ops(planReconcile({ now, active: [switched], rules: [], segments: [marked] }))).toEqual([
      'create-rule',
      'restore-bypass',
    ]);
  });
  it('leaves several of our rules sharing the top positions alone: each is above every foreign rule', () => {
    const second = ourRule({
      id: 'r2',
      name: ruleNameFor('window', 'w-respect'),
      description: ruleDescription({ until: end, by: 'window:w-respect', reason: 'patch' }),
      ruleOrder: '2',
    });
    expect(
      planReconcile({
        now,
        active: [active(wRule), active(wRespect)],
        rules: [ourRule(), second, { ...theirs, ruleOrder: '3' }],
        segments: [],
      }),
    ).toEqual([]);
  });
  it('deletes a duplicate of our rule left by two racing writers, keeping the first', () => {
    const plan = planReconcile({
      now,
      active: [active(wRule)],
      rules: [ourRule(), ourRule({ id: 'r1-dup', ruleOrder: '2' }), { ...theirs, ruleOrder: '3' }],
      segments: [],
    });
    expect(plan).toEqual([expect.objectContaining({ op: 'delete-rule', ruleId: 'r1-dup' })]);
  });
});

describe('planReconcile, bypassType mode (several windows)', () => {
  const wType2 = parseWindowsFile({
    guardrails: { allowedSegments: ['*'], maxWindowMinutes: 480 },
    windows: [
      {
        id: 'w-type2',
        segments: ['b'],
        schedule: { start: '2026-11-22T01:00:00Z', end: '2026-11-22T06:00:00Z' },
        reason: 'patch',
        mode: 'bypassType',
      },
    ],
  }).windows[0]!;
  const marked = (windowId: string, description: string | undefined) =>
    markSegmentDescription(description, { windowId, until: end, prevBypassType: 'ON_NET' });
  it('leaves a segment with the window that holds it while that window is active', () => {
    const seg = { id: '2002', name: 'b', bypassType: 'ALWAYS', description: marked('w-type', 'hr') };
    expect(
      planReconcile({
        now,
        active: [active(wType, ['2002']), { ...active(wType2, ['2002']), end: new Date('2026-11-22T06:00:00Z') }],
        rules: [],
        segments: [seg],
      }),
    ).toEqual([]);
  });
  it('hands the segment over to the window still active when its own ends, keeping the first previous value, with no gap', () => {
    const seg = { id: '2002', name: 'b', bypassType: 'ALWAYS', description: marked('w-type', 'hr') };
    const plan = planReconcile({
      now: new Date('2026-11-22T04:00:00Z'),
      active: [{ ...active(wType2, ['2002']), end: new Date('2026-11-22T06:00:00Z') }],
      rules: [],
      segments: [seg],
    });
    expect(plan).toEqual([
      expect.objectContaining({
        op: 'set-bypass-always',
        windowId: 'w-type2',
        prev: 'ON_NET',
        description: expect.stringMatching(
          /^hr \[zea-bypass window=w-type2 until=2026-11-22T06:00:00.000Z prev=ON_NET had-desc=1\]$/,
        ),
      }),
    ]);
  });
  it('finds the marker even when someone appended text after it, and restores their text with the previous value', () => {
    const seg = {
      id: '2002',
      name: 'b',
      bypassType: 'ALWAYS',
      description: `${marked('w-type', 'hr')} (checked by ops)`,
    };
    const plan = planReconcile({ now: new Date('2026-11-22T04:00:00Z'), active: [], rules: [], segments: [seg] });
    expect(plan).toEqual([
      expect.objectContaining({ op: 'restore-bypass', prev: 'ON_NET', description: 'hr (checked by ops)' }),
    ]);
  });
});

describe('planReconcile, bypassType mode', () => {
  it('sets ALWAYS and remembers the previous value', () => {
    const plan = planReconcile({
      now,
      active: [active(wType, ['2002'])],
      rules: [],
      segments: [{ id: '2002', name: 'b', bypassType: 'ON_NET', description: 'hr' }],
    });
    expect(plan).toEqual([expect.objectContaining({ op: 'set-bypass-always', segmentId: '2002', prev: 'ON_NET' })]);
  });
  it('restores the exact previous value and description after the window', () => {
    const description = markSegmentDescription(undefined, { windowId: 'w-type', until: end, prevBypassType: 'ON_NET' });
    const plan = planReconcile({
      now: new Date('2026-11-22T04:00:00Z'),
      active: [],
      rules: [],
      segments: [{ id: '2002', name: 'b', bypassType: 'ALWAYS', description }],
    });
    expect(plan).toEqual([
      expect.objectContaining({ op: 'restore-bypass', segmentId: '2002', prev: 'ON_NET', description: undefined }),
    ]);
  });
});
