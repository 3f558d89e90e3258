/**
 * Writes whose answer is lost, over real HTTP against the simulator, through the real auth, transport, pacing and
 * the bypass port: ZPA did the work and the client saw a reset (`drop: 'after'`), a timeout (`delayMs` past the
 * client's 500 ms), or a 502/504 from a gateway in front of ZPA (zpaGateway.ts); and the opposite, a reset before
 * ZPA saw anything (`drop: 'before'`). Proven: a rule create is never doubled (read back by its unique name, sent
 * again only when absent); a delete whose answer was lost, or of a rule already gone, is a success; a segment or
 * rule update is read back and compared, never re-sent blind; ZDX's deep-trace start is not sent twice either.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { removeAdhocBypass } from '../../shared/bypass/adhoc.js';
import { ruleNameFor } from '../../shared/bypass/markers.js';
import { parseWindowsFile } from '../../shared/bypass/windows.js';
import { zpaBypassPort } from '../../shared/bypass/zpaPort.js';
import { parseCommand, type BypassRemove } from '../../shared/commands/contract.js';
import { createLogger } from '../../shared/logger.js';
import { findDevicesByEmail } from '../../shared/zdx/devices.js';
import { startTrace } from '../../shared/zdx/deepTraces.js';
import { OutcomeUnknownError } from '../../shared/zscaler/errors.js';
import { zpaPacer } from '../../shared/zscaler/pacer.js';
import { getPolicySet } from '../../shared/zpa/policySets.js';
import { createRule, deleteRule, getRule, updateRule } from '../../shared/zpa/rules.js';
import { findSegmentByName, getSegment, updateSegment } from '../../shared/zpa/segments.js';
import type { ZpaScope } from '../../shared/zpa/scope.js';
import type { FaultSpec } from '../../simulator/index.js';
import { zscalerTestEnv } from '../helpers/zscaler.js';
import { zpaBehindGateway } from './zpaGateway.js';

const CUSTOMER = '216196257331281920';
const FWD = 'CLIENT_FORWARDING_POLICY';
const LIMITS = { getPer10s: 20, writePer10s: 10, windowMs: 1000 };
const TIMEOUT_MS = 500;

const gateway = zpaBehindGateway();
let env: Awaited<ReturnType<typeof zscalerTestEnv>>;
let s: ZpaScope;
let port: ReturnType<typeof zpaBypassPort>;
let lines: string[] = [];
const logger = createLogger({ level: 'debug', sink: (l) => lines.push(l) });

beforeAll(async () => {
  env = await zscalerTestEnv({
    sim: { zpaRateLimits: LIMITS, products: gateway.products },
    pacers: { zpa: zpaPacer(LIMITS) },
    env: { HTTP_TIMEOUT_MS: String(TIMEOUT_MS) },
  });
  s = { api: env.clients.zpa, customerId: CUSTOMER };
  port = zpaBypassPort({ api: env.clients.zpa, customerId: CUSTOMER });
});
afterAll(() => env.close());
beforeEach(() => {
  env.sim.reset();
  gateway.clear();
  lines = [];
  env.logLines.length = 0;
});

type SimRule = { id: string; name: string; ruleOrder: string; description?: string };
const forwarding = () => (env.sim.state().products.zpa as { rules: Record<string, SimRule[]> }).rules[FWD]!;
const named = (name: string) => forwarding().filter((r) => r.name === name);
const sent = (method: string, path: RegExp) =>
  env.sim.calls.filter((c) => c.product === 'zpa' && c.method === method && path.test(c.path.split('?')[0]!)).length;
const RULE_POST = /\/policySet\/\d+\/rule$/;
const RULE_ID = /\/policySet\/\d+\/rule\/\d+$/;
const SEGMENT = /\/application\/\d+$/;

/** Each way an answer gets lost after ZPA did the work, for one method and path. */
const lostAfterWork = (method: string, path: string): Array<[string, () => void]> => [
  ['reset after the work (drop: after)', () => env.sim.injectFault({ path, method, drop: 'after' })],
  [
    `answered later than the ${TIMEOUT_MS} ms timeout (delayMs)`,
    () => env.sim.injectFault({ path, method, delayMs: TIMEOUT_MS + 400 }),
  ],
  ['502 from a gateway after the work', () => gateway.add({ method, path: new RegExp(path), status: 502 })],
  ['504 from a gateway after the work', () => gateway.add({ method, path: new RegExp(path), status: 504 })],
];

const bypass = (name: string, appIds: string[]) => ({
  name,
  description: '[zea] until=2099-01-01T00:00:00.000Z by=test reason=idempotency',
  appIds,
});

describe('rule create (POST) whose answer is lost', () => {
  for (const [how, inject] of lostAfterWork('POST', '/rule$')) {
    it(`${how}: read back by name, exactly one rule, the POST sent once`, async () => {
      const seg = (await findSegmentByName(s, 'payroll-app'))!;
      const name = ruleNameFor('adhoc', seg.id);
      inject();
      const id = await port.createBypassRule(bypass(name, [seg.id]));
      expect(named(name).map((r) => r.id)).toEqual([id]);
      expect(sent('POST', RULE_POST)).toBe(1);
      expect(gateway.duplicates).toEqual([]);
      expect(env.logLines.some((l) => l.includes('zscaler request outcome unknown; not sent again'))).toBe(true);
    });
  }

  it('a reset before ZPA saw it (drop: before): the read-back finds nothing, so it is sent once more: one rule', async () => {
    const seg = (await findSegmentByName(s, 'jira'))!;
    const name = ruleNameFor('adhoc', seg.id);
    env.sim.injectFault({ path: '/rule$', method: 'POST', drop: 'before' });
    const id = await port.createBypassRule(bypass(name, [seg.id]));
    expect(named(name).map((r) => r.id)).toEqual([id]);
    expect(sent('POST', RULE_POST)).toBe(2);
  });

  it('lost twice, once before and once after the work: two sends, one rule', async () => {
    const seg = (await findSegmentByName(s, 'jira'))!;
    const name = ruleNameFor('adhoc', seg.id);
    env.sim.injectFault({ path: '/rule$', method: 'POST', drop: 'before' });
    env.sim.injectFault({ path: '/rule$', method: 'POST', drop: 'after' });
    const id = await port.createBypassRule(bypass(name, [seg.id]));
    expect(named(name).map((r) => r.id)).toEqual([id]);
    expect(sent('POST', RULE_POST)).toBe(2);
    expect(gateway.duplicates).toEqual([]);
  });

  it('without a policy type to read back from, the core still never re-sends: the caller gets a retryable OutcomeUnknownError', async () => {
    const ps = await getPolicySet(s, FWD);
    env.sim.injectFault({ path: '/rule$', method: 'POST', drop: 'after' });
    const err = await createRule(s, ps.id, { name: 'plain-create', action: 'BYPASS', conditions: [] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err).toMatchObject({ retryable: true, request: { method: 'POST', path: expect.stringMatching(RULE_POST) } });
    expect((err as Error).message).not.toContain('plain-create'); // method + path, never the body
    expect(named('plain-create')).toHaveLength(1);
    expect(sent('POST', RULE_POST)).toBe(1);
  });
});

describe('rule delete (DELETE) whose answer is lost, or of a rule already gone', () => {
  for (const [how, inject] of lostAfterWork('DELETE', '/rule/\\d+$')) {
    it(`${how}: re-sent, ZPA says not found, and that is success`, async () => {
      const seg = (await findSegmentByName(s, 'payroll-app'))!;
      const name = ruleNameFor('adhoc', seg.id);
      const id = await port.createBypassRule(bypass(name, [seg.id]));
      inject();
      await expect(port.deleteRule(id)).resolves.toBeUndefined();
      expect(named(name)).toEqual([]);
      expect(sent('DELETE', RULE_ID)).toBe(2);
      expect(
        env.sim.calls
          .filter((c) => c.method === 'DELETE')
          .map((c) => c.status)
          .at(-1),
      ).toBe(400); // resource.not.found
    });
  }

  it('a rule someone already deleted: "already-gone", and the port reports success', async () => {
    const ps = await getPolicySet(s, FWD);
    const rule = await createRule(s, ps.id, { name: 'short-lived', action: 'BYPASS', conditions: [] });
    expect(await deleteRule(s, ps.id, rule.id)).toBe('deleted');
    expect(await deleteRule(s, ps.id, rule.id)).toBe('already-gone');
    await expect(port.deleteRule(rule.id)).resolves.toBeUndefined();
  });

  it('bypass.remove deletes every copy of the rule name, so no leftover is moved back first by the next reconcile', async () => {
    const seg = (await findSegmentByName(s, 'erp-finance'))!;
    const name = ruleNameFor('adhoc', seg.id);
    const ps = await getPolicySet(s, FWD);
    // Two copies, as an older version's blind retry left them.
    const at = new Date(Date.now() - 60_000).toISOString();
    const body = {
      name,
      description: `[zea] until=2099-01-01T00:00:00.000Z by=slack:U1 cmd=old at=${at} reason=x`,
      action: 'BYPASS',
      conditions: [{ operator: 'OR' as const, operands: [{ objectType: 'APP', values: [seg.id] }] }],
    };
    await createRule(s, ps.id, body);
    await createRule(s, ps.id, body);
    expect(named(name)).toHaveLength(2);
    env.sim.injectFault({ path: '/rule/\\d+$', method: 'DELETE', drop: 'after' }); // and one answer lost on the way
    const cmd = parseCommand(
      JSON.stringify({
        id: 'rm-1',
        type: 'bypass.remove',
        segment: 'erp-finance',
        requestedBy: { kind: 'slack', id: 'U1' },
        requestedAt: new Date().toISOString(),
      }),
    ) as BypassRemove;
    const { guardrails } = parseWindowsFile({
      guardrails: { allowedSegments: ['erp-finance'], maxWindowMinutes: 240 },
      windows: [],
    });
    const out = await removeAdhocBypass(cmd, { port, guardrails, logger });
    expect(out.text).toMatch(/has ended/);
    expect(out.data).toMatchObject({ rulesDeleted: 2 });
    expect(named(name)).toEqual([]);
  });
});

describe('segment update (PUT, full replacement) whose answer is lost', () => {
  const bypassed = async (name: string) => {
    const seg = (await findSegmentByName(s, name))!;
    const before = await getSegment(s, seg.id);
    return { seg, before };
  };

  for (const [how, inject] of lostAfterWork('PUT', '/application/\\d+$')) {
    it(`${how}: read back, the change is there, not sent again`, async () => {
      const { seg, before } = await bypassed('hr-portal');
      inject();
      await updateSegment(s, seg.id, { bypassType: 'ALWAYS', description: 'marked' });
      const after = await getSegment(s, seg.id);
      expect(after).toMatchObject({ bypassType: 'ALWAYS', description: 'marked' });
      expect(sent('PUT', SEGMENT)).toBe(1);
      // Everything else as it was.
      const strip = ({ bypassType: _b, description: _d, modifiedTime: _m, ...rest }: Record<string, unknown>) => rest;
      expect(strip(after)).toEqual(strip(before));
    });
  }

  it('a reset before ZPA saw it: read back, the change is missing, merged and sent again', async () => {
    const { seg } = await bypassed('hr-portal');
    env.sim.injectFault({ path: '/application/\\d+$', method: 'PUT', drop: 'before' });
    await updateSegment(s, seg.id, { bypassType: 'ALWAYS' });
    expect((await getSegment(s, seg.id)).bypassType).toBe('ALWAYS');
    expect(sent('PUT', SEGMENT)).toBe(2);
  });

  it('a change someone made while our answer was lost survives: the re-send merges onto the segment as read back, not the stale body', async () => {
    const { seg, before } = await bypassed('app-007');
    // Our PUT hangs 300 ms and then is reset without ZPA seeing it; meanwhile an admin edits the domains.
    env.sim.injectFault({ path: '/application/\\d+$', method: 'PUT', drop: 'before', delayMs: 300 });
    const ours = updateSegment(s, seg.id, { bypassType: 'ALWAYS' });
    await new Promise((r) => setTimeout(r, 60));
    const domains = [...((before.domainNames as string[] | undefined) ?? []), 'added-by-admin.corp.example'];
    await updateSegment(s, seg.id, { domainNames: domains });
    await ours;
    expect(await getSegment(s, seg.id)).toMatchObject({ bypassType: 'ALWAYS', domainNames: domains });
    expect(sent('PUT', SEGMENT)).toBe(3); // ours (lost), the admin's, ours again onto the admin's version
  });

  it('the bypass port writes a segment the same way (read back once, no second PUT)', async () => {
    const { seg, before } = await bypassed('payroll-app');
    env.sim.injectFault({ path: '/application/\\d+$', method: 'PUT', drop: 'after' });
    await port.writeSegment(before as never, { bypassType: 'ALWAYS' });
    expect((await getSegment(s, seg.id)).bypassType).toBe('ALWAYS');
    expect(sent('PUT', SEGMENT)).toBe(1);
  });
});

describe('rule update (PUT, full replacement) whose answer is lost', () => {
  it('drop after: read back and compared (conditions v1-shaped against our v2), not sent again', async () => {
    const seg = (await findSegmentByName(s, 'payroll-app'))!;
    const other = (await findSegmentByName(s, 'jira'))!;
    const name = ruleNameFor('adhoc', seg.id);
    const id = await port.createBypassRule(bypass(name, [seg.id]));
    env.sim.injectFault({ path: '/rule/\\d+$', method: 'PUT', drop: 'after' });
    await port.updateBypassRule(id, { ...bypass(name, [seg.id, other.id]), description: 'changed' });
    const ps = await getPolicySet(s, FWD);
    const rule = await getRule(s, ps.id, id);
    expect(rule.description).toBe('changed');
    expect(sent('PUT', RULE_ID)).toBe(1);
    // A 502 after the work, on a change of one field only.
    gateway.add({ method: 'PUT', path: /\/rule\/\d+$/, status: 502 });
    await updateRule(s, ps.id, id, { disabled: '1' });
    expect((await getRule(s, ps.id, id)).disabled).toBe('1');
    expect(sent('PUT', RULE_ID)).toBe(2);
  });
});

describe('ZDX deep-trace start (POST, one trace per device) whose answer is lost', () => {
  it('is not sent again: one trace, and a retryable OutcomeUnknownError for the trace reconciler to resolve by session name', async () => {
    const nowSec = Math.floor(env.sim.clock.nowMs() / 1000);
    const [device] = await findDevicesByEmail(env.clients.zdx, ['alice@corp.example'], { lookbackHours: 24, nowSec });
    const fault: FaultSpec = { path: '/deeptraces$', method: 'POST', drop: 'after' };
    env.sim.injectFault(fault);
    const err = await startTrace(env.clients.zdx, device!.id, {
      sessionName: 'zea:test:LOST1',
      sessionLengthMinutes: 5,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect((err as OutcomeUnknownError).retryable).toBe(true);
    const traces = (env.sim.state().products.zdx as { traces: Array<{ trace_details: { session_name: string } }> })
      .traces;
    expect(traces.filter((t) => t.trace_details.session_name === 'zea:test:LOST1')).toHaveLength(1);
    expect(env.sim.calls.filter((c) => c.method === 'POST' && c.path.includes('/deeptraces'))).toHaveLength(1);
  });
});
