/**
 * The overdue gauge's arithmetic (shared/bypass/overdue.ts): which of our bypasses in ZPA count as in force
 * past their end plus the grace, and what a run's own reverts take off. The same over the simulator, through
 * the reconciler, is in test/integration/maintenance-reconcile.test.ts ("metrics").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markSegmentDescription, ruleDescription, ruleNameFor } from '../../../shared/bypass/markers.js';
import { overdueBypasses, stillOverdue, type WindowEnd } from '../../../shared/bypass/overdue.js';
import type { RuleView, SegmentView } from '../../../shared/bypass/plan.js';

const NOW = new Date('2026-12-03T12:00:00Z');
const GRACE = 180_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const foreign: RuleView = { id: 'f', name: 'Existing intercept rule', action: 'INTERCEPT', ruleOrder: '9', appIds: [] };
const rule = (kind: 'window' | 'adhoc', key: string, until: Date, over: Partial<RuleView> = {}): RuleView => ({
  id: `r-${key}`,
  name: ruleNameFor(kind, key),
  description: ruleDescription({ until, by: 'test', reason: 'test' }),
  action: 'BYPASS',
  ruleOrder: '1',
  appIds: ['1'],
  ...over,
});
const segment = (id: string, until: Date, bypassType = 'ALWAYS'): SegmentView => ({
  id,
  name: `seg-${id}`,
  bypassType,
  description: markSegmentDescription('d', { windowId: 'w', until, prevBypassType: 'NEVER' }),
});
/** No window of the file runs now: every bypass ends when its marker says. */
const ended: WindowEnd = (_id, until) => until;
const run = (rules: RuleView[], segments: SegmentView[] = [], windowEnd = ended) =>
  overdueBypasses({ rules: [...rules, foreign], segments, now: NOW, graceMs: GRACE, windowEnd });

describe('overdueBypasses', () => {
  it('counts window rules, ad-hoc rules and ALWAYS segments past their end plus the grace', () => {
    const found = run(
      [
        rule('window', 'old', ago(GRACE)),
        rule('adhoc', '1001', ago(GRACE + 1)),
        rule('window', 'fresh', ago(GRACE - 1)),
      ],
      [segment('s1', ago(10 * GRACE)), segment('s2', ago(1000))],
    );
    expect(found.map((o) => [o.kind, o.id])).toEqual([
      ['window-rule', 'r-old'],
      ['adhoc-rule', 'r-1001'],
      ['segment', 's1'],
    ]);
  });

  it('counts nothing that bypasses nothing: disabled, another action, below a foreign rule, a segment not ALWAYS', () => {
    const late = ago(GRACE * 2);
    expect(
      run(
        [
          rule('window', 'a', late, { disabled: true }),
          rule('window', 'b', late, { action: 'INTERCEPT' }),
          rule('window', 'c', late, { ruleOrder: '10' }),
        ],
        [segment('s', late, 'NEVER')],
      ),
    ).toEqual([]);
  });

  it('a running window is not overdue whatever its marker says; an unreadable expiry is', () => {
    const running: WindowEnd = (id, until) => (id === 'now' ? undefined : until);
    expect(run([rule('window', 'now', ago(GRACE * 3))], [], running)).toEqual([]);
    const unreadable = { ...rule('adhoc', '7', NOW), description: 'edited in the portal' };
    expect(run([unreadable]).map((o) => o.id)).toEqual(['r-7']);
  });

  it('what the run reverted or handed over is no longer overdue', () => {
    const found = run(
      [rule('window', 'x', ago(GRACE * 2))],
      [segment('s1', ago(GRACE * 2)), segment('s2', ago(GRACE * 2))],
    );
    const left = stillOverdue(found, [
      { op: 'delete-rule', ruleId: 'r-x', name: 'n', why: 'w', before: found[0] as never },
      { op: 'restore-bypass', segmentId: 's1', name: 'seg-s1', prev: 'NEVER', description: 'd', why: 'w' },
    ]);
    expect(left.map((o) => o.id)).toEqual(['s2']);
  });

  it('any end, any now: overdue exactly when end + grace <= now (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10 * GRACE, max: 10 * GRACE }), fc.nat(GRACE * 2), (offset, grace) => {
        const until = new Date(NOW.getTime() - offset);
        const found = overdueBypasses({
          rules: [rule('adhoc', '1', until), foreign],
          segments: [segment('s', until)],
          now: NOW,
          graceMs: grace,
          windowEnd: ended,
        });
        expect(found).toHaveLength(offset >= grace ? 2 : 0);
      }),
    );
  });
});
