/**
 * Crash drill (d): the answers of every kind of ZDX call the trace side makes — the device lookup, the traces list,
 * apps, probes, start, get, results, stop — are reset after the work, or come later than the client's timeout, on
 * every attempt the HTTP core makes (five), so the step fails and a later run has to repair it. One user and device
 * per kind, all at once on one stack (a fault matches only its own device's or user's calls); the stop kind's
 * incident is resolved while its trace runs, so its stop is the call that fails.
 *
 * After each: every incident ends with exactly one final report per device (a summary, or "stopped" for the resolved
 * one), ZDX never held two traces with one session name on a device, and nothing was created after a resolve.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { buildSeed } from '../../simulator/zdx/seed.js';
import type { FaultSpec } from '../../simulator/index.js';
import { eventually, startDrillStack, verdict, type DrillStack } from './harness.js';

const HTTP_TIMEOUT_MS = 800;
const seed = buildSeed();
/** The seeded users with exactly one device active within 24 h, and that device. */
const singles = seed.users
  .map((u) => ({ email: u.email, devices: seed.devices.filter((d) => d.userId === u.id) }))
  .filter((u) => u.devices.length === 1 && u.devices[0]!.idleSec < 24 * 3600)
  .map((u) => ({ email: u.email, deviceId: u.devices[0]!.id }));

const KINDS: ReadonlyArray<{
  kind: string;
  match: (u: { email: string; deviceId: number }) => Pick<FaultSpec, 'path' | 'method'>;
}> = [
  { kind: 'devices', match: (u) => ({ path: `[?&]emails=${u.email.split('@')[0]}%40`, method: 'GET' }) },
  { kind: 'traces list', match: (u) => ({ path: `/devices/${u.deviceId}/deeptraces$`, method: 'GET' }) },
  { kind: 'apps', match: (u) => ({ path: `/devices/${u.deviceId}/apps\\?`, method: 'GET' }) },
  {
    kind: 'probes',
    match: (u) => ({ path: `/devices/${u.deviceId}/apps/\\d+/(web|cloudpath)-probes\\?`, method: 'GET' }),
  },
  { kind: 'start', match: (u) => ({ path: `/devices/${u.deviceId}/deeptraces$`, method: 'POST' }) },
  { kind: 'get', match: (u) => ({ path: `/devices/${u.deviceId}/deeptraces/\\d+$`, method: 'GET' }) },
  {
    kind: 'results',
    match: (u) => ({
      path: `/devices/${u.deviceId}/deeptraces/\\d+/(health|webprobe|cloudpath)-metrics$`,
      method: 'GET',
    }),
  },
  { kind: 'stop', match: (u) => ({ path: `/devices/${u.deviceId}/deeptraces/\\d+$`, method: 'DELETE' }) },
];

const stacks: DrillStack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map(async (s, i) => (await s.dump(`answers-${i}`), await s.stop())));
});

describe.concurrent('crash drills (d): answers reset or late on every ZDX call kind', () => {
  for (const mode of ['reset', 'late'] as const) {
    it(`answers ${mode === 'reset' ? 'reset after the work' : `later than the ${HTTP_TIMEOUT_MS} ms timeout`} on devices, traces list, apps, probes, start, get, results and stop`, async () => {
      expect(singles.length).toBeGreaterThanOrEqual(KINDS.length);
      const h = await startDrillStack({
        timeScale: 30,
        httpTimeoutMs: HTTP_TIMEOUT_MS,
        zdxPerSecond: 20,
        checkDelaySeconds: 1,
        tickSeconds: 3,
        retryDelaySeconds: 2,
      });
      stacks.push(h);
      const act: Pick<FaultSpec, 'drop' | 'delayMs'> =
        mode === 'reset' ? { drop: 'after' } : { delayMs: HTTP_TIMEOUT_MS + 500 };
      const cases = KINDS.map((k, i) => ({ ...k, user: singles[i]!, id: `QD-${mode}-${k.kind.replace(' ', '-')}` }));
      h.faults(cases.map((c) => ({ ...c.match(c.user), ...act, count: 5 })));
      for (const c of cases) await h.pagerDuty('triggered', c.id, [c.user.email]);
      const stop = cases.find((c) => c.kind === 'stop')!;
      await eventually(
        () =>
          h.reports().some((r) => r.kind === 'trace.started' && r.data?.incident?.incidentId === stop.id)
            ? true
            : undefined,
        90_000,
        'the stop case to start',
      );
      await h.pagerDuty('resolved', stop.id, [stop.user.email]);
      await eventually(async () => ((await h.settled()) ? true : undefined), 150_000, 'every incident to settle', 300);

      const v = await verdict(h, {
        spoken: new Set(cases.map((c) => `pagerduty#${c.id}`)),
        resolved: new Set([`pagerduty#${stop.id}`]),
        untraceable: new Set(),
      });
      const hits = cases.map((c) => {
        const m = c.match(c.user);
        return h.sim.calls.filter((x) => x.fault && x.method === m.method && new RegExp(m.path).test(x.path)).length;
      });
      console.log(
        `answers ${mode}`,
        JSON.stringify({
          ...v.figures,
          faultsByKind: Object.fromEntries(cases.map((c, i) => [c.kind, hits[i]])),
          ...h.stats,
        }),
      );
      expect(v.problems).toEqual([]);
      expect(v.figures.duplicateTraces).toBe(0);
      expect(v.figures.createdAfterResolve).toBe(0);
      expect(v.figures.phases).toEqual({ reported: KINDS.length - 1, stopped: 1 });
      // Every kind was hit (the POST at least once: the HTTP core does not send it again blind).
      for (const [i, c] of cases.entries()) expect(hits[i], `${c.kind} was never hit`).toBeGreaterThanOrEqual(1);
    }, 240_000);
  }
});
