/**
 * Crash drills: the trace reconciler's process dies at the worst moments, its messages are lost, and the system
 * must still end every incident with exactly one final report per device, never two traces with one session name
 * on a device, no trace created after a resolve, and every resolved incident's trace stopped (see verdict()).
 *
 * A "crash" kills the container at a chosen call: from then on nothing of it reaches ZDX, the ledger, the report
 * target or a queue; its batch fails as a crashed invocation does (SQS redelivers it after the visibility timeout),
 * or, for lost messages, is deleted as if it had been handled. The next delivery cold-starts a new container.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { IncidentRecord } from '../../shared/ledger/record.js';
import { eventually, startDrillStack, verdict, type DrillStack, type OutsideCall } from './harness.js';

const ALICE_LT = 132559212;

// Each drill has a stack of its own, and the drills run at the same time (they wait far more than they compute).
const stacks: Array<{ name: string; stack: DrillStack }> = [];
afterAll(async () => {
  await Promise.all(stacks.map(async ({ name, stack: s }) => (await s.dump(`crash-${name}`), await s.stop())));
});

async function stack(name: string, over: Partial<Parameters<typeof startDrillStack>[0]> = {}) {
  const s = await startDrillStack({
    timeScale: 30,
    httpTimeoutMs: 1_000,
    zdxPerSecond: 20,
    checkDelaySeconds: 1,
    tickSeconds: 3,
    retryDelaySeconds: 2,
    ...over,
  });
  stacks.push({ name, stack: s });
  return s;
}

const settle = (h: DrillStack, timeoutMs = 90_000) =>
  eventually(async () => ((await h.settled()) ? true : undefined), timeoutMs, 'every incident to settle', 300);
const isStart = (c: OutsideCall) => c.target === 'zdx' && c.method === 'startTrace';
const putOf = (c: OutsideCall) =>
  c.target === 'ledger' && c.method === 'put' ? (c.args[0] as IncidentRecord) : undefined;

async function expectClean(name: string, h: DrillStack, sent: Parameters<typeof verdict>[1] = {}) {
  const v = await verdict(h, sent);
  console.log(`crash drill ${name}`, JSON.stringify({ ...v.figures, ...h.stats }));
  expect(v.problems).toEqual([]);
  expect(v.figures.duplicateTraces).toBe(0);
  expect(v.figures.createdAfterResolve).toBe(0);
  expect(v.figures.resolvedLeftRunning).toBe(0);
  return v;
}

// vitest runs at most 5 concurrent tests at a time by default (maxConcurrency).
describe.concurrent('crash drills', () => {
  describe('crash drills (a): the process dies between ZDX accepting a start and the function seeing the answer', () => {
    it('the answers to the deep-trace POST are lost (reset after the work, on every attempt the HTTP core makes): the next run adopts the trace by its session name', async () => {
      const h = await stack('a1-lost-answers');
      // Alice: the first attempt creates the trace, the HTTP core's four retries meet "already in progress", and all
      // five answers are reset. Carol's two devices: one answer lost, the core's retry meets 409 and adopts.
      h.faults([
        { path: `/devices/${ALICE_LT}/deeptraces$`, method: 'POST', drop: 'after', count: 5 },
        { path: '/devices/13255\\d+/deeptraces$', method: 'POST', drop: 'after', count: 1 },
      ]);
      await h.pagerDuty('triggered', 'QA1', ['alice@corp.example']);
      await h.pagerDuty('triggered', 'QA2', ['carol@corp.example']);
      await settle(h);
      const v = await expectClean('a1-lost-answers', h, { spoken: new Set(['pagerduty#QA1', 'pagerduty#QA2']) });
      expect(v.figures.tracesCreated).toBe(3);
      expect(v.figures.phases).toEqual({ reported: 3 });
      // However often the HTTP core sends a POST again after a lost answer (once, or until its attempts run out).
      expect(h.sim.calls.filter((c) => c.fault === 'drop-after').length).toBeGreaterThanOrEqual(2);
      expect(h.logLines.some((l) => l.includes('adopted a trace whose start answer was lost'))).toBe(true);
    }, 120_000);

    it('the process is killed right after ZDX answered a start, twice in a row: each new container adopts the trace, then starts the next', async () => {
      const h = await stack('a2-killed-after-start');
      h.crash({ at: (c) => isStart(c) && c.when === 'after', times: 2 });
      await h.pagerDuty('triggered', 'QK1', ['alice@corp.example', 'carol@corp.example']);
      await h.pagerDuty('triggered', 'QK2', ['erin@corp.example']);
      await settle(h);
      const v = await expectClean('a2-killed-after-start', h, { spoken: new Set(['pagerduty#QK1', 'pagerduty#QK2']) });
      expect(h.stats.kills).toBe(2);
      expect(v.figures.tracesCreated).toBe(5);
      expect(v.figures.phases).toEqual({ reported: 5 });
    }, 120_000);

    it("the process is killed after writing the start's intent, before sending it: the next run finds no trace and starts it once", async () => {
      const h = await stack('a3-killed-after-intent');
      h.crash({ at: (c) => c.when === 'after' && !!putOf(c)?.devices.some((d) => d.phase === 'starting') });
      await h.pagerDuty('triggered', 'QI1', ['alice@corp.example']);
      await settle(h);
      const v = await expectClean('a3-killed-after-intent', h, { spoken: new Set(['pagerduty#QI1']) });
      expect(h.stats.kills).toBe(1);
      expect(v.figures.tracesCreated).toBe(1);
      expect(v.figures.phases).toEqual({ reported: 1 });
    }, 120_000);
  });

  describe('crash drills (b): killed after starting, with resolves arriving while it is down', () => {
    it('the resolves are applied on restart: every started trace (its answer seen or not) is stopped, the unstarted ones never start', async () => {
      const h = await stack('b-resolves-while-down', { timeScale: 10 });
      let starts = 0;
      // Dies right after ZDX accepted the 4th of 7 starts; when the batch comes back with the resolves behind it,
      // the new container dies once more, before it has applied anything.
      h.crash({ at: (c) => isStart(c) && c.when === 'after' && ++starts === 4 });
      const incidents = [
        ['QB1', 'alice@corp.example'],
        ['QB2', 'carol@corp.example'],
        ['QB3', 'erin@corp.example'],
        ['QB4', 'frank@corp.example'],
      ] as const;
      for (const [id, email] of incidents) await h.pagerDuty('triggered', id, [email]);
      await eventually(() => (h.stats.kills === 1 ? true : undefined), 60_000, 'the crash');
      h.crash({ at: (c) => c.target === 'ledger' && c.method === 'get' });
      for (const [id, email] of incidents) await h.pagerDuty('resolved', id, [email]);
      await settle(h);
      const v = await expectClean('b-resolves-while-down', h, {
        resolved: new Set(incidents.map(([id]) => `pagerduty#${id}`)),
      });
      expect(h.stats.kills).toBe(2);
      expect(v.figures.tracesCreated).toBe(4);
      expect(v.figures.tracesDeleted).toBe(4);
      expect(v.figures.phases.stopped).toBe(4);
      // The devices never started were dropped (how many depends on which opens the killed run had applied).
      expect((v.figures.phases.dropped ?? 0) + 4).toBe(v.figures.devices);
    }, 120_000);
  });

  describe('crash drills (c): lost messages: only the every-minute tick is left to repair', () => {
    it('wake-ups are deleted, and the deliveries of an open and of a resolve are lost right after they were applied: ticks alone bring the starts, the summaries and the stops', async () => {
      const h = await stack('c-lost-messages', { timeScale: 10, tickSeconds: 2 });
      h.setLoseWakeUps(true);
      // The run that applies QL3's open dies right after writing it (before looking its devices up), and its messages
      // are deleted: nothing but a tick ever runs for QL3 again.
      h.crash({
        at: (c) => c.when === 'after' && putOf(c)?.key === 'pagerduty#QL3' && putOf(c)?.version === 0,
        afterwards: 'lose',
      });
      await h.pagerDuty('triggered', 'QL1', ['alice@corp.example']);
      await h.pagerDuty('triggered', 'QL2', ['carol@corp.example']);
      await h.pagerDuty('triggered', 'QL3', ['erin@corp.example']);
      await eventually(() => (h.journal.created.length === 5 ? true : undefined), 60_000, 'five traces');
      // The run that applies QL2's resolve dies right after writing it, and its messages are deleted (never redelivered).
      h.crash({
        at: (c) => c.when === 'after' && putOf(c)?.key === 'pagerduty#QL2' && putOf(c)?.state === 'resolved',
        afterwards: 'lose',
      });
      await h.pagerDuty('resolved', 'QL2', ['carol@corp.example']);
      await settle(h, 120_000);
      const v = await expectClean('c-lost-messages', h, {
        spoken: new Set(['pagerduty#QL1', 'pagerduty#QL2', 'pagerduty#QL3']),
        resolved: new Set(['pagerduty#QL2']),
      });
      expect(h.stats.lostDeliveries).toBe(2);
      expect(h.stats.lostWakeUps).toBeGreaterThan(0);
      expect(v.figures.phases).toEqual({ reported: 3, stopped: 2 });
    }, 150_000);
  });

  describe("crash drills (e): the ledger's pending index lags behind the table", () => {
    it('runs read the eventually consistent index 2.5 s behind: nothing is said twice, nothing started twice, resolves still stop', async () => {
      const h = await stack('e-index-lag', { timeScale: 20, indexLagMs: 2_500, tickSeconds: 2 });
      const ids = ['QX1', 'QX2', 'QX3', 'QX4'];
      const emails = ['alice@corp.example', 'carol@corp.example', 'erin@corp.example', 'frank@corp.example'];
      for (const [i, id] of ids.entries()) await h.pagerDuty('triggered', id, [emails[i]!]);
      await eventually(
        () =>
          h.reports().some((r) => r.kind === 'trace.started' && r.data?.incident?.incidentId === 'QX2')
            ? true
            : undefined,
        60_000,
        'QX2 started',
      );
      await h.pagerDuty('resolved', 'QX2', [emails[1]!]);
      await settle(h);
      const v = await expectClean('e-index-lag', h, {
        spoken: new Set(ids.map((id) => `pagerduty#${id}`)),
        resolved: new Set(['pagerduty#QX2']),
        untraceable: new Set(),
      });
      expect(v.figures.phases).toEqual({ reported: 5, stopped: 2 });
    }, 120_000);
  });
});
