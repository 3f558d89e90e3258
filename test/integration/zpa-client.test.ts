/**
 * The ZPA client against the simulator over HTTP, through the real auth, transport and pacing: paging with
 * `totalPages` as a string, `name EQ` search, read-merge-write updates, v2 rule writes read back v1-shaped,
 * reorder, the policy write lock against 409s, and `microtenantId` on every call.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collect, zpaPages } from '../../shared/zscaler/paginate.js';
import { zpaPacer } from '../../shared/zscaler/pacer.js';
import { getPolicySet } from '../../shared/zpa/policySets.js';
import { bulkReorder, reorderRule } from '../../shared/zpa/reorder.js';
import { createRule, deleteRule, getRule, listRules, operandValues, updateRule } from '../../shared/zpa/rules.js';
import { findSegmentGroupByName, segmentIdsOf } from '../../shared/zpa/segmentGroups.js';
import { findSegmentByName, getSegment, listSegments, updateSegment } from '../../shared/zpa/segments.js';
import type { ZpaScope } from '../../shared/zpa/scope.js';
import { zscalerTestEnv } from '../helpers/zscaler.js';

const CUSTOMER = '216196257331281920';
const FWD = 'CLIENT_FORWARDING_POLICY';

describe('ZPA client over HTTP', () => {
  let env: Awaited<ReturnType<typeof zscalerTestEnv>>;
  let s: ZpaScope;
  const zpaState = () =>
    env.sim.state().products.zpa as {
      counters: { r409: number; r429: number };
      rules: Array<{ name: string; ruleOrder: string }>;
    };

  beforeAll(async () => {
    // Rate limits on but in 1 s windows, with the client pacing to the same: fast, and still proves no 429.
    env = await zscalerTestEnv({
      sim: { zpaRateLimits: { getPer10s: 20, writePer10s: 10, windowMs: 1000 } },
      pacers: { zpa: zpaPacer({ getPer10s: 20, writePer10s: 10, windowMs: 1000 }) },
    });
    s = { api: env.clients.zpa, customerId: CUSTOMER };
  });
  afterAll(() => env.close());
  beforeEach(() => env.sim.reset());

  it('reads every page when totalPages arrives as a string', async () => {
    const small = await collect(
      zpaPages<{ id: string }>(s.api, `/mgmtconfig/v1/admin/customers/${CUSTOMER}/application`, {}, 7),
    );
    const all = await listSegments(s);
    expect(all).toHaveLength(60);
    expect(small.map((x) => x.id)).toEqual(all.map((x) => x.id));
    expect(new Set(all.map((x) => x.id)).size).toBe(60);
    expect(all.every((x) => typeof x.id === 'string' && /^\d{18}$/.test(x.id))).toBe(true);
  });

  it('finds a segment and a segment group by exact name with name EQ search', async () => {
    const seg = await findSegmentByName(s, 'payroll-app');
    expect(seg?.name).toBe('payroll-app');
    expect(await findSegmentByName(s, 'no-such-app')).toBeUndefined();
    const searched = env.sim.calls.filter((c) => c.path.includes('search='));
    expect(decodeURIComponent(searched[0]!.path.replace(/\+/g, ' '))).toContain('search=name EQ payroll-app');
    const group = await findSegmentGroupByName(s, 'Finance Apps');
    expect(group && segmentIdsOf(group).length).toBeGreaterThan(0);
  });

  it('updates a segment by read-merge-write: every other field survives the full-replacement PUT', async () => {
    const before = await getSegment(s, (await findSegmentByName(s, 'hr-portal'))!.id); // GET is the full view
    await updateSegment(s, before.id, { bypassType: 'ALWAYS' });
    const during = await getSegment(s, before.id);
    expect(during.bypassType).toBe('ALWAYS');
    const { bypassType: _b, modifiedTime: _m, ...rest } = during;
    const { bypassType: _b0, modifiedTime: _m0, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
    await updateSegment(s, before.id, { bypassType: before.bypassType });
    const { modifiedTime: _m2, ...after } = await getSegment(s, before.id);
    const { modifiedTime: _m3, ...original } = before;
    expect(after).toEqual(original);
  });

  it('creates a v2 BYPASS rule, reads it back v1-shaped, updates it without losing conditions, reorders and deletes it', async () => {
    const ps = await getPolicySet(s, FWD);
    const [payroll, jira] = [(await findSegmentByName(s, 'payroll-app'))!, (await findSegmentByName(s, 'jira'))!];
    const created = await createRule(s, ps.id, {
      name: 'test-bypass',
      description: 'first',
      action: 'BYPASS',
      conditions: [
        { operator: 'OR', operands: [{ objectType: 'APP', values: [payroll.id, jira.id] }] },
        { operator: 'OR', operands: [{ objectType: 'CLIENT_TYPE', values: ['zpn_client_type_zapp'] }] },
      ],
    });
    expect(created.ruleOrder).toBe('2'); // after the existing user rule, before the default rule
    const read = await getRule(s, ps.id, created.id);
    expect(read.conditions?.[0]?.operands?.[0]).toMatchObject({ objectType: 'APP', lhs: 'id', rhs: payroll.id });
    expect(operandValues(read, 'APP')).toEqual([payroll.id, jira.id]);

    await updateRule(s, ps.id, created.id, { description: 'second' });
    const updated = await getRule(s, ps.id, created.id);
    expect(updated.description).toBe('second');
    expect(updated.action).toBe('BYPASS');
    expect(operandValues(updated, 'APP')).toEqual([payroll.id, jira.id]);
    expect(operandValues(updated, 'CLIENT_TYPE')).toEqual(['zpn_client_type_zapp']);

    await reorderRule(s, ps.id, created.id, 1);
    const rules = await listRules(s, FWD);
    expect(rules.map((r) => [r.name, r.ruleOrder])).toEqual([
      ['test-bypass', '1'],
      ['Existing intercept rule', '2'],
      ['Default_Rule', '3'],
    ]);
    await bulkReorder(s, ps.id, [rules[1]!.id, rules[0]!.id, rules[2]!.id]);
    expect((await listRules(s, FWD)).map((r) => r.name)).toEqual([
      'Existing intercept rule',
      'test-bypass',
      'Default_Rule',
    ]);

    await deleteRule(s, ps.id, created.id);
    expect((await listRules(s, FWD)).map((r) => r.name)).toEqual(['Existing intercept rule', 'Default_Rule']);
  });

  it('never sends two policy writes at once: 12 concurrent creates get no 409 and stay inside the write limit', async () => {
    const ps = await getPolicySet(s, FWD);
    const seg = (await findSegmentByName(s, 'jira'))!;
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        createRule(s, ps.id, {
          name: `burst-${i}`,
          action: 'BYPASS',
          conditions: [{ operator: 'OR', operands: [{ objectType: 'APP', values: [seg.id] }] }],
        }),
      ),
    );
    expect(new Set(ids.map((r) => r.id)).size).toBe(12);
    expect(zpaState().counters).toMatchObject({ r409: 0, r429: 0 });
  });

  it('sends microtenantId on every call when one is configured', async () => {
    const eu: ZpaScope = { ...s, microtenantId: '216196257331300001' };
    const segs = await listSegments(eu);
    expect(segs.map((x) => x.name).sort()).toEqual(['app-054', 'app-055']);
    await updateSegment(eu, segs[0]!.id, { description: 'in EU' });
    expect((await getSegment(eu, segs[0]!.id)).description).toBe('in EU');
    const zpaCalls = env.sim.calls.filter((c) => c.product === 'zpa');
    expect(zpaCalls.length).toBeGreaterThan(0);
    expect(zpaCalls.every((c) => c.path.includes('microtenantId=216196257331300001'))).toBe(true);
  });
});
