/**
 * Fault drill on ZPA writes: bypasses applied and removed again and again while about a fifth of every POST, PUT
 * and DELETE goes wrong, over real HTTP against the simulator through the real client, auth, pacing, bypass port,
 * ad-hoc commands and reconciler. The faults, each seeded: the answer lost after ZPA did the work (`drop: 'after'`;
 * answered later than the client's timeout; a 502 from a gateway after the work, zpaGateway.ts), a reset before ZPA
 * saw the request, and refusals (503, 429 with retry-after). Reads are not faulted: they are how lost answers are
 * resolved.
 *
 * Each round: an ad-hoc bypass (a rule, via `bypass.apply`, asked again while it fails, as a user would), a
 * rule-mode window over two segments and a bypassType-mode window over two more (reconciled until a run plans
 * nothing); checked in force; then `bypass.remove` and a reconcile after the windows' end, until nothing is
 * planned. Proven after every round: ZPA holds exactly what it held before the drill (every rule of every policy
 * set, every segment as listed and the touched ones as read one by one; only the server-kept `modifiedTime` /
 * `modifiedBy` may differ), and at no moment did a policy set hold two rules with one name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAdhocBypass, removeAdhocBypass } from '../../shared/bypass/adhoc.js';
import { ruleNameFor } from '../../shared/bypass/markers.js';
import { newReconcileMemory, reconcile } from '../../shared/bypass/reconcile.js';
import { parseWindowsFile } from '../../shared/bypass/windows.js';
import { zpaBypassPort } from '../../shared/bypass/zpaPort.js';
import { parseCommand, type BypassApply, type BypassRemove } from '../../shared/commands/contract.js';
import { createLogger } from '../../shared/logger.js';
import { zpaPacer } from '../../shared/zscaler/pacer.js';
import { findSegmentByName, getSegment, listSegments } from '../../shared/zpa/segments.js';
import type { ZpaScope } from '../../shared/zpa/scope.js';
import type { FaultSpec } from '../../simulator/index.js';
import { zscalerTestEnv } from '../helpers/zscaler.js';
import { zpaBehindGateway } from './zpaGateway.js';

const SEED = 20_262_058;
const ROUNDS = 8;
const TIMEOUT_MS = 400;
const CUSTOMER = '216196257331281920';
const LIMITS = { getPer10s: 20, writePer10s: 10, windowMs: 1000 };
const WRITES = ['POST', 'PUT', 'DELETE'] as const;
const TOUCHED = ['payroll-app', 'jira', 'hr-portal', 'app-007', 'erp-finance'];
const SERVER_KEPT = new Set(['modifiedTime', 'modifiedBy']);

const gateway = zpaBehindGateway();
let env: Awaited<ReturnType<typeof zscalerTestEnv>>;
let s: ZpaScope;
afterAll(() => env?.close());
beforeAll(async () => {
  env = await zscalerTestEnv({
    sim: { zpaRateLimits: LIMITS, products: gateway.products },
    pacers: { zpa: zpaPacer(LIMITS) },
    env: { HTTP_TIMEOUT_MS: String(TIMEOUT_MS) },
  });
  s = { api: env.clients.zpa, customerId: CUSTOMER };
});

/** Per write method, rates adding up to about 20 % of that method's requests. */
function faults(): FaultSpec[] {
  const zpaBody = (id: string, reason: string) => ({ id, reason });
  return WRITES.flatMap((method, i) => {
    const seed = SEED + i * 10;
    return [
      { path: '^/mgmtconfig/', method, drop: 'after', rate: 0.07, seed: seed + 1 },
      { path: '^/mgmtconfig/', method, delayMs: TIMEOUT_MS + 300, rate: 0.05, seed: seed + 2 },
      { path: '^/mgmtconfig/', method, drop: 'before', rate: 0.03, seed: seed + 3 },
      {
        path: '^/mgmtconfig/',
        method,
        status: 503,
        headers: { 'retry-after': '1s' },
        body: zpaBody('retryable.server.error', 'try again'),
        rate: 0.02,
        seed: seed + 4,
      },
      {
        path: '^/mgmtconfig/',
        method,
        status: 429,
        headers: { 'retry-after': '1s' },
        body: zpaBody('invalid.toomanyrequests', 'Exceeded the number of requests allowed.'),
        rate: 0.01,
        seed: seed + 5,
      },
    ] satisfies FaultSpec[];
  });
}

/** What ZPA holds: every policy set's rules, every segment as listed, the touched segments as read one by one, segment groups. */
async function holdings() {
  const { counters: _c, ...state } = env.sim.state().products.zpa as Record<string, unknown>;
  const listed = await listSegments(s);
  const read: Record<string, unknown> = {};
  for (const name of TOUCHED) read[name] = await getSegment(s, (await findSegmentByName(s, name))!.id);
  return { state, listed, read };
}

/** Every path where `b` differs from `a`, server-kept fields aside. */
function diff(a: unknown, b: unknown, path = '$'): string[] {
  if (a === b) return [];
  if (
    typeof a !== 'object' ||
    typeof b !== 'object' ||
    a === null ||
    b === null ||
    Array.isArray(a) !== Array.isArray(b)
  )
    return [`${path}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`];
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length)
    return [`${path}: ${a.length} items → ${b.length}`];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys]
    .filter((k) => !SERVER_KEPT.has(k))
    .flatMap((k) => diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`));
}

/** Runs `fn` until it succeeds, as a user asks again or the next tick comes; returns the attempts it took. */
async function untilDone(what: string, fn: () => Promise<unknown>, max = 6): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      return attempt;
    } catch (e) {
      if (attempt >= max) throw new Error(`${what} still failing after ${attempt} attempts: ${(e as Error).message}`);
    }
  }
}

describe('ZPA write fault drill', () => {
  it(`${ROUNDS} rounds of bypasses applied and removed under ~20 % faults on ZPA writes: ZPA ends exactly as it began, never two rules with one name`, async () => {
    const started = Date.now();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', sink: (l) => lines.push(l) });
    const port = zpaBypassPort({ api: env.clients.zpa, customerId: CUSTOMER });
    const erp = (await findSegmentByName(s, 'erp-finance'))!;
    const before = await holdings();
    env.sim.calls.length = 0;
    for (const f of faults()) env.sim.injectFault(f);
    for (const [i, method] of WRITES.entries())
      gateway.add({ method, path: /^\/mgmtconfig\//, status: 502, rate: 0.04, seed: SEED + i * 10 + 6 });

    const T0 = Date.now();
    const at = (min: number) => new Date(T0 + min * 60_000);
    const file = parseWindowsFile({
      guardrails: { allowedSegments: TOUCHED, maxWindowMinutes: 240 },
      windows: [
        {
          id: 'drill-rule',
          segments: ['payroll-app', 'jira'],
          schedule: { start: at(-1).toISOString(), end: at(60).toISOString() },
          reason: 'fault drill, rule mode',
        },
        {
          id: 'drill-type',
          mode: 'bypassType',
          segments: ['hr-portal', 'app-007'],
          schedule: { start: at(-1).toISOString(), end: at(60).toISOString() },
          reason: 'fault drill, bypassType mode',
        },
      ],
    });
    const adhoc = { port, guardrails: file.guardrails, logger };
    const figures = { rounds: 0, reconcileRuns: 0, applyAttempts: 0, removeAttempts: 0, failedOps: 0 };
    const differences: string[][] = [];

    for (let round = 1; round <= ROUNDS; round++) {
      const memory = newReconcileMemory();
      const settle = async (now: Date) => {
        for (let run = 1; ; run++) {
          figures.reconcileRuns++;
          const result = await reconcile({ port, memory, windows: file, logger, now }).catch((e: unknown) => ({
            error: e as Error,
          }));
          if ('error' in result) continue;
          figures.failedOps += result.failed.length;
          if (result.plan.length === 0) return;
          if (run >= 10)
            throw new Error(
              `round ${round}: reconcile still planning after ${run} runs: ${JSON.stringify(result.plan)}`,
            );
        }
      };
      const apply = parseCommand(
        JSON.stringify({
          id: `drill-apply-${round}`,
          type: 'bypass.apply',
          segment: 'erp-finance',
          durationMinutes: 30,
          reason: `drill round ${round}`,
          requestedBy: { kind: 'slack', id: 'UDRILL' },
          requestedAt: new Date().toISOString(),
        }),
      ) as BypassApply;
      figures.applyAttempts += await untilDone('bypass.apply', () => applyAdhocBypass(apply, adhoc));
      await settle(at(0));

      // In force: each rule once, above the foreign rule; the bypassType segments ALWAYS.
      const during = (
        env.sim.state().products.zpa as {
          rules: { CLIENT_FORWARDING_POLICY: Array<{ name: string; ruleOrder: string }> };
        }
      ).rules.CLIENT_FORWARDING_POLICY;
      const order = (name: string) => during.filter((r) => r.name === name).map((r) => Number(r.ruleOrder));
      expect(order('zea-bypass:win:drill-rule')).toHaveLength(1);
      expect(order(ruleNameFor('adhoc', erp.id))).toHaveLength(1);
      expect(Math.max(...order('zea-bypass:win:drill-rule'), ...order(ruleNameFor('adhoc', erp.id)))).toBeLessThan(
        order('Existing intercept rule')[0]!,
      );
      for (const name of ['hr-portal', 'app-007'])
        expect((await findSegmentByName(s, name))!.bypassType).toBe('ALWAYS');

      const remove = parseCommand(
        JSON.stringify({
          id: `drill-remove-${round}`,
          type: 'bypass.remove',
          segment: 'erp-finance',
          requestedBy: { kind: 'slack', id: 'UDRILL' },
          requestedAt: new Date().toISOString(),
        }),
      ) as BypassRemove;
      figures.removeAttempts += await untilDone('bypass.remove', () => removeAdhocBypass(remove, adhoc));
      await settle(at(61));
      differences.push(diff(before, await holdings()));
      figures.rounds++;
    }

    const writes = env.sim.calls.filter((c) => c.product === 'zpa' && c.method !== 'GET');
    const faulted = writes.filter((c) => c.fault || c.status === 502);
    const byKind: Record<string, number> = {};
    for (const c of faulted) {
      const kind = c.status === 502 ? '502-after-work' : c.fault === 'reply' ? String(c.status) : String(c.fault);
      byKind[`${c.method} ${kind}`] = (byKind[`${c.method} ${kind}`] ?? 0) + 1;
    }
    const lostAfterWork = faulted.filter((c) => c.status === 502 || c.fault === 'drop-after' || c.fault === 'delay');
    const report = {
      ...figures,
      zpaWrites: writes.length,
      writesFaulted: faulted.length,
      faultRate: Number((faulted.length / writes.length).toFixed(3)),
      lostAfterWork: lostAfterWork.length,
      rulePostsLostAfterWork: lostAfterWork.filter((c) => c.method === 'POST').length,
      faultsByKind: byKind,
      outcomeUnknown: env.logLines.filter((l) => l.includes('zscaler request outcome unknown')).length,
      rulePostsSent: writes.filter((c) => c.method === 'POST').length,
      rulesCreated: ROUNDS * 2,
      duplicateRuleMoments: gateway.duplicates.length,
      fieldsDiffering: differences.map((d) => d.length),
      wallSeconds: Math.round((Date.now() - started) / 1000),
    };
    console.log('zpa write fault drill', JSON.stringify(report));
    env.sim.clearFaults();
    gateway.clear();

    expect(differences).toEqual(Array.from({ length: ROUNDS }, () => []));
    expect(report.duplicateRuleMoments).toBe(0);
    // A create was sent again only where ZPA had not done it (reset before it saw the request, or refused it).
    const notDone = writes.filter(
      (c) =>
        c.method === 'POST' && (c.fault === 'drop-before' || (c.fault === 'reply' && [429, 503].includes(c.status))),
    ).length;
    expect(report.rulePostsSent - report.rulesCreated).toBe(notDone);
    // The drill did drill: faults near the rate asked for, and lost answers on the creates among them.
    expect(report.faultRate).toBeGreaterThan(0.12);
    expect(report.rulePostsLostAfterWork).toBeGreaterThan(0);
  }, 240_000);
});
