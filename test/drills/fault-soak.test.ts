/**
 * Fault soak: 200 incidents through the real ingress, trace reconciler and worker, while a fifth of the ZDX API
 * calls go wrong (429 with Retry-After, 500/503, connections reset before and after the work, answers later than
 * the client's timeout) and the ZDX token is revoked every second. A third of the incidents are resolved, each after
 * its first report arrived (so while its trace runs, waits, or just after it ended); some opens are delivered twice;
 * a fifth come from the generic source with their event times written in other time zones.
 *
 * Evidence: the ledger, the simulator's journal of every trace created and deleted, its state and call log, and the
 * receiver's reports. Proven: every device ends with exactly one final report; ZDX never held two traces with one
 * session name on a device; no trace was created after its incident's resolve was applied; no resolved incident's
 * trace is left running, and every "stopped" trace was deleted in ZDX; nothing was dead-lettered.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  eventually,
  startDrillStack,
  TRACEABLE_USERS,
  UNTRACEABLE_USERS,
  verdict,
  type DrillStack,
} from './harness.js';
import { seededRandom } from '../../simulator/index.js';

const SEED = 20_261_203;
const INCIDENTS = Number(process.env.DRILL_INCIDENTS ?? 200);
const HTTP_TIMEOUT_MS = 400;

let h: DrillStack | undefined;
afterAll(async () => {
  await h?.dump('fault-soak');
  await h?.stop();
});

/** `at` written in a zone `offsetMin` minutes east of UTC, e.g. 2026-12-03T14:00:00.000+02:00. */
function isoWithOffset(at: number, offsetMin: number): string {
  const local = new Date(at + offsetMin * 60_000).toISOString().slice(0, -1);
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

describe('fault soak', () => {
  it(`${INCIDENTS} incidents through 20 % ZDX faults and token revocations: one final report per device, no duplicate trace, no trace after a resolve`, async () => {
    const started = Date.now();
    h = await startDrillStack({
      timeScale: 20,
      httpTimeoutMs: HTTP_TIMEOUT_MS,
      zdxPerSecond: 40,
      checkDelaySeconds: 1,
      tickSeconds: 3,
      retryDelaySeconds: 2,
      faultSeed: SEED,
    });
    const stack = h;
    // Six kinds, each with its own seeded draw: 1 − 0.99 · 0.98² · 0.965² · 0.975 ≈ 14 % of the calls, plus the 401s
    // of the token revocations (one each, about 7 % of the calls): a fifth of the calls go wrong.
    stack.faults([
      { path: '.', status: 429, headers: { 'retry-after': '1' }, rate: 0.01, seed: SEED + 1 },
      { path: '.', status: 500, rate: 0.02, seed: SEED + 2 },
      { path: '.', status: 503, rate: 0.02, seed: SEED + 3 },
      { path: '.', drop: 'before', rate: 0.035, seed: SEED + 4 },
      { path: '.', drop: 'after', rate: 0.035, seed: SEED + 5 },
      { path: '.', delayMs: HTTP_TIMEOUT_MS + 300, rate: 0.025, seed: SEED + 6 },
    ]);
    let revocations = 0;
    const revoker = setInterval(() => {
      stack.sim.revokeTokens('zdx');
      revocations++;
    }, 1_000);

    const rnd = seededRandom(SEED);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const resolved = new Set<string>();
    const spoken = new Set<string>();
    const untraceable = new Set<string>();
    const resolving: Promise<void>[] = [];
    let duplicates = 0;
    for (let i = 0; i < INCIDENTS; i++) {
      const generic = rnd() < 0.2;
      const source = generic ? 'generic' : 'pagerduty';
      const id = `SOAK${String(i).padStart(3, '0')}`;
      const key = `${source}#${id}`;
      const u = rnd();
      const emails =
        u < 0.02
          ? [pick(UNTRACEABLE_USERS)]
          : u < 0.1
            ? [pick(TRACEABLE_USERS).email, pick(TRACEABLE_USERS).email]
            : [pick(TRACEABLE_USERS).email];
      if (emails.every((e) => UNTRACEABLE_USERS.includes(e))) untraceable.add(key);
      const openAt = Date.now();
      // The generic source says when in its own zone (+02:00, −05:00, …); PagerDuty in UTC.
      const openZone = generic ? pick([120, -300, 330, 0]) : 0;
      const eventId = `${id}-open`;
      const open = () =>
        generic
          ? stack.generic('opened', id, emails, { eventId, occurredAt: isoWithOffset(openAt, openZone) })
          : stack.pagerDuty('triggered', id, emails, { eventId, occurredAt: new Date(openAt).toISOString() });
      await open();
      spoken.add(key);
      if (rnd() < 0.1) {
        duplicates++;
        await open();
      }
      if (rnd() < 0.35) {
        resolved.add(key);
        const lag = Math.floor(rnd() * 3_000);
        const resolveZone = generic ? pick([0, 60, -480]) : 0;
        resolving.push(
          (async () => {
            // After its first report: while its trace starts, runs or waits for a slot, or just after it ended.
            await eventually(
              () => (stack.reports().some((r) => r.data?.incident?.incidentId === id) ? true : undefined),
              240_000,
              `a first report for ${id}`,
              100,
            );
            await new Promise((r) => setTimeout(r, lag));
            const at = Date.now();
            if (generic)
              await stack.generic('resolved', id, emails, {
                eventId: `${id}-resolve`,
                occurredAt: isoWithOffset(at, resolveZone),
              });
            else
              await stack.pagerDuty('resolved', id, emails, {
                eventId: `${id}-resolve`,
                occurredAt: new Date(at).toISOString(),
              });
          })(),
        );
      }
      await new Promise((r) => setTimeout(r, 300 + Math.floor(rnd() * 200)));
    }
    await Promise.all(resolving);
    await eventually(
      async () => ((await stack.settled()) ? true : undefined),
      240_000,
      'every incident to settle',
      500,
    );
    clearInterval(revoker);

    const v = await verdict(stack, { spoken, resolved, untraceable });
    const calls = stack.sim.calls.filter((c) => c.product === 'zdx');
    const faulted = calls.filter((c) => c.fault);
    const byFault: Record<string, number> = {};
    for (const c of faulted)
      byFault[c.status === 429 ? '429' : c.status >= 500 ? '5xx' : String(c.fault)] =
        (byFault[c.status === 429 ? '429' : c.status >= 500 ? '5xx' : String(c.fault)] ?? 0) + 1;
    const unauthorized = calls.filter((c) => c.status === 401).length;
    const figures = {
      ...v.figures,
      opensDeliveredTwice: duplicates,
      resolvesSent: resolved.size,
      zdxCalls: calls.length,
      faultsInjected: faulted.length,
      faultRate: Number(((faulted.length + unauthorized) / calls.length).toFixed(3)),
      faultsByKind: byFault,
      tokenRevocations: revocations,
      refused401: unauthorized,
      containers: stack.stats.containers,
      deliveries: stack.stats.deliveries,
      wallSeconds: Math.round((Date.now() - started) / 1000),
    };
    console.log('fault soak', JSON.stringify(figures));
    expect(v.problems).toEqual([]);
    expect(v.figures.incidents).toBe(INCIDENTS);
    expect(v.figures.duplicateTraces).toBe(0);
    expect(v.figures.createdAfterResolve).toBe(0);
    expect(v.figures.resolvedLeftRunning).toBe(0);
    // The soak did soak: faults at about the rate asked for, and every kind of ending happened.
    expect(figures.faultRate).toBeGreaterThan(0.17);
    expect(v.figures.phases.reported ?? 0).toBeGreaterThan(20);
    expect(v.figures.phases.stopped ?? 0).toBeGreaterThan(5);
  }, 600_000);
});
