/**
 * The trace reconciler against an in-memory ZDX (one active trace per device, 15 per tenant) and ledger.
 */
import { describe, expect, it } from 'vitest';
import { runWithDeadline } from '../../../shared/deadline.js';
import { GATHER_MS, reconcileTraces } from '../../../shared/traces/reconcile.js';
import { runTraceQueue } from '../../../shared/traces/run.js';
import { createLogger } from '../../../shared/logger.js';
import { sessionNameFor } from '../../../shared/traces/session.js';
import { zdxTracePort } from '../../../shared/traces/zdxPort.js';
import { fakeZdx, zdxError } from '../zdx/fakeZdx.js';
import { laptop, open, resolve, traceWorld } from './helpers.js';

const ALICE_SESSION = sessionNameFor({ source: 'pagerduty', incidentId: 'Q1' });

describe('trace reconciler: starts', () => {
  it("starts one trace on the incident's app and probes, and says so once", async () => {
    const w = traceWorld();
    const result = await w.run(open('Q1'));
    expect(result).toMatchObject({ applied: 1, started: 1 });
    expect(w.zdx.started).toHaveLength(1);
    expect(w.zdx.started[0]!.input).toMatchObject({
      sessionName: ALICE_SESSION,
      appId: 3,
      webProbeId: 31,
      cloudPathProbeId: 32,
      sessionLengthMinutes: 5,
    });
    expect(w.kinds()).toEqual(['trace.started']);
    expect(w.reports[0]!.text).toBe(`Deep trace for Q1 — alice-laptop: started (trace ${w.zdx.started[0]!.id})`);
    await w.run(open('Q1'));
    await w.run();
    expect(w.zdx.started).toHaveLength(1);
    expect(w.kinds()).toEqual(['trace.started']);
  });

  it('a device busy with another trace is reported busy once, and nothing starts', async () => {
    const w = traceWorld();
    const other = w.zdx.addTrace(7, 'started in the ZDX UI');
    await w.run(open('Q1'));
    await w.run();
    expect(w.zdx.started).toHaveLength(0);
    expect(w.kinds()).toEqual(['trace.busy']);
    expect(w.reports[0]!.text).toContain(`another deep trace ${other} is running on it`);
  });

  it('a refused start where our own trace won the race (a lost answer) adopts it: no second trace', async () => {
    const w = traceWorld();
    w.zdx.raceNextStart(7, ALICE_SESSION);
    await w.run(open('Q1'));
    expect(w.zdx.started).toHaveLength(0);
    const ours = (await w.deps.traces.listTraces(7)).find((t) => t.sessionName === ALICE_SESSION)!;
    expect(w.kinds()).toEqual(['trace.started']);
    expect(w.reports[0]!.text).toContain(`trace ${ours.id}`);
  });

  it("a refused start where someone else's trace won the race reports the device busy", async () => {
    const w = traceWorld();
    w.zdx.raceNextStart(7, 'someone else');
    await w.run(open('Q1'));
    expect(w.zdx.started).toHaveLength(0);
    expect(w.kinds()).toEqual(['trace.busy']);
  });

  it('a refused start where neither won (the tenant budget is used up elsewhere) waits, told once, and starts when a slot frees', async () => {
    const devices = Array.from({ length: 16 }, (_, i) =>
      laptop({ id: 100 + i, name: `dev-${i}`, email: `u${i}@corp.example` }),
    );
    const w = traceWorld(devices, { maxActiveTraces: 100 });
    // 15 traces started by someone else, on other devices: our budget thinks there is room, ZDX does not.
    const foreign = devices.slice(1).map((d) => w.zdx.addTrace(d.id, 'foreign'));
    await w.run(open('Q1', ['u0@corp.example']));
    expect(w.zdx.started).toHaveLength(0);
    expect(w.kinds()).toEqual(['trace.queued']);
    await w.run();
    expect(w.kinds()).toEqual(['trace.queued']);
    w.zdx.finish(foreign[0]!);
    await w.run();
    expect(w.zdx.started).toHaveLength(1);
    expect(w.kinds()).toEqual(['trace.queued', 'trace.started']);
  });

  it('a start whose answer was lost (the run died) is recognised by its session name on the next run', async () => {
    const w = traceWorld();
    const realStart = w.deps.traces.startTrace;
    w.deps.traces.startTrace = async (deviceId, input) => {
      await realStart(deviceId, input);
      throw Object.assign(new Error('socket hang up'), { retryable: true });
    };
    await w.run(open('Q1'));
    expect(w.zdx.started).toHaveLength(1);
    expect((await w.ledger.store.get('pagerduty#Q1'))!.devices[0]!.phase).toBe('starting');
    w.deps.traces.startTrace = realStart;
    await w.run();
    expect(w.zdx.started).toHaveLength(1);
    expect(w.kinds()).toEqual(['trace.started']);
    expect((await w.ledger.store.get('pagerduty#Q1'))!.devices[0]).toMatchObject({
      phase: 'running',
      traceId: w.zdx.started[0]!.id,
    });
  });

  it('no device for the user is reported once as a failure and never retried', async () => {
    const w = traceWorld();
    await w.run(open('Q9', ['nobody@corp.example']));
    await w.run();
    expect(w.kinds()).toEqual(['trace.start.failed']);
    expect(w.reports[0]!.text).toContain('nobody@corp.example');
    expect(await w.deps.ledger.listPending()).toEqual([]);
  });

  // Drill finding (fault soak): a token revoked twice within one call (the core refreshes once per call, and its
  // retries keep the refreshed token) left a 401, and the lookup took it for a fact about the incident: "Could not
  // start a deep trace … 401", never retried. Our credentials say nothing about the incident: it waits and is traced.
  it('ZDX refusing our credentials is not a failure of the incident: it stays pending and is traced once they work', async () => {
    const w = traceWorld();
    let refuse = true;
    const zdx = fakeZdx((req) =>
      refuse
        ? zdxError(401, 'Unauthorized: token revoked')
        : req.path === '/devices'
          ? { status: 200, body: { devices: [{ id: 7, name: 'alice-laptop' }], next_offset: null } }
          : { status: 200, body: [] },
    );
    const memory = w.deps.traces;
    w.deps.traces = { ...memory, findDevices: zdxTracePort(zdx.api).findDevices };
    try {
      await w.run(open('Q1'));
      await w.run();
      expect(w.reports).toEqual([]);
      expect((await w.ledger.store.get('pagerduty#Q1'))!).toMatchObject({ state: 'open', lookedUp: false });
      expect((await w.ledger.store.get('pagerduty#Q1'))!.failure).toBeUndefined();
      refuse = false;
      await w.run();
      expect(w.kinds()).toEqual(['trace.started']);
    } finally {
      await zdx.close();
    }
  });

  it('a dry run reports what would be traced and starts nothing', async () => {
    const w = traceWorld();
    await w.run(open('Q1', undefined, { dryRun: true }));
    expect(w.zdx.started).toHaveLength(0);
    expect(w.kinds()).toEqual(['trace.dry-run']);
    expect(w.reports[0]!.text).toContain('alice-laptop: would-start (app Payroll Portal)');
  });
});

describe('trace reconciler: tracking', () => {
  it("reports a finished trace's summary exactly once", async () => {
    const w = traceWorld();
    await w.run(open('Q1'));
    await w.run();
    expect(w.kinds()).toEqual(['trace.started']);
    w.zdx.finish(w.zdx.started[0]!.id);
    await w.run();
    await w.run();
    expect(w.kinds()).toEqual(['trace.started', 'trace.completed']);
    expect(w.reports[1]!.text).toContain('Deep trace on alice-laptop finished');
    expect(await w.deps.ledger.listPending()).toEqual([]);
  });

  // Drill finding (crash drill e): the pending index (a DynamoDB GSI) is eventually consistent; a run that acted on
  // its copy — the version before the last run's writes — checked and reported a finished trace again, and stopped
  // and reported a stopped one again, before its write failed on the version.
  it('acts on each record as it is now, not as the lagging pending index still shows it: nothing is said twice', async () => {
    const w = traceWorld([laptop(), laptop({ id: 8, name: 'bob-laptop', email: 'bob@corp.example' })]);
    await w.run(open('Q1'), open('Q2', ['bob@corp.example']));
    const stale = await w.deps.ledger.listPending();
    const index = w.deps.ledger.listPending;
    w.zdx.finish(w.zdx.started[0]!.id);
    await w.run(resolve('Q2'));
    const said = ['trace.started', 'trace.started', 'trace.stopped', 'trace.completed'];
    expect(w.kinds()).toEqual(said);
    // The index still answers with the copies from before that run (both traces running).
    w.deps.ledger.listPending = async () => structuredClone(stale);
    await w.run();
    await w.run();
    expect(w.kinds()).toEqual(said);
    expect(w.zdx.stopped).toHaveLength(1);
    // …and a record the index does not show yet is still worked on by the run that applied its command.
    w.deps.ledger.listPending = async () => [];
    await w.run(open('Q3', ['bob@corp.example']));
    expect(w.zdx.started.map((t) => t.input?.sessionName)).toContain('zea:pagerduty:Q3');
    w.deps.ledger.listPending = index;
  });

  it('gives up after maxChecks, says so once, and stops checking', async () => {
    const w = traceWorld(undefined, { maxChecks: 3 });
    await w.run(open('Q1'));
    for (let i = 0; i < 5; i++) await w.run();
    expect(w.kinds()).toEqual(['trace.started', 'trace.tracking-stopped']);
    expect(w.reports[1]!.text).toContain('after 3 checks');
    expect(await w.deps.ledger.listPending()).toEqual([]);
  });

  it('checks a running trace no more often than the check delay', async () => {
    let now = Date.parse('2026-12-03T10:00:00Z');
    const w = traceWorld(undefined, { checkDelaySeconds: 60 });
    w.deps.now = () => new Date(now);
    let gets = 0;
    const get = w.deps.traces.getTrace;
    w.deps.traces.getTrace = (d, t) => (gets++, get(d, t));
    await w.run(open('Q1'));
    now += 30_000;
    await w.run();
    expect(gets).toBe(0);
    now += 31_000;
    const r = await w.run();
    expect(gets).toBe(1);
    expect(r.wakeAfterSeconds).toBe(60);
  });
});

describe('trace reconciler: slots reused as ZDX frees them', () => {
  it('checks a trace at its expected end, not a check period later, and asks to be woken then', async () => {
    let now = Date.parse('2026-12-03T10:00:00Z');
    // A 5-minute session ends 330 s after its start (30 s start-up); checks every 120 s otherwise.
    const w = traceWorld(undefined, { checkDelaySeconds: 120 });
    w.deps.now = () => new Date(now);
    let gets = 0;
    const get = w.deps.traces.getTrace;
    w.deps.traces.getTrace = (d, t) => (gets++, get(d, t));
    const first = await w.run(open('Q1'));
    expect(first.wakeAfterSeconds).toBe(120);
    now += 120_000;
    const second = await w.run();
    expect(gets).toBe(1);
    // Periodic checks at 120 s and 240 s; then the expected end (330 s after the start) comes before the period
    // (360 s): the check is due 90 s later, not 120 s.
    expect(second.wakeAfterSeconds).toBe(120);
    now += 120_000;
    const third = await w.run();
    expect(gets).toBe(2);
    expect(third.wakeAfterSeconds).toBe(90);
    now += 90_000;
    w.zdx.finish(w.zdx.started[0]!.id);
    await w.run();
    expect(gets).toBe(3);
    expect(w.kinds()).toEqual(['trace.started', 'trace.completed']);
  });

  it('checks again 2 s after the expected end when ZDX has not ended the trace yet, then backs off', async () => {
    let now = Date.parse('2026-12-03T10:00:00Z');
    const w = traceWorld(undefined, { checkDelaySeconds: 120, expectedTraceSeconds: () => 60, maxChecks: 20 });
    w.deps.now = () => new Date(now);
    await w.run(open('Q1'));
    now += 60_000;
    // At the expected end ZDX still runs it (its start-up took longer): the next check is 2 s away, not 120 s.
    expect((await w.run()).wakeAfterSeconds).toBe(2);
    now += 2_000;
    expect((await w.run()).wakeAfterSeconds).toBe(2);
    now += 2_000;
    // 4 s overdue now: the next check 4 s later, and so on up to the check delay.
    expect((await w.run()).wakeAfterSeconds).toBe(4);
    now += 4_000;
    w.zdx.finish(w.zdx.started[0]!.id);
    await w.run();
    expect(w.kinds()).toEqual(['trace.started', 'trace.completed']);
  });

  it("gives a freed slot to the waiting start before reading the ended trace's results", async () => {
    const devices = [laptop(), laptop({ id: 8, name: 'bob-laptop', email: 'bob@corp.example' })];
    const w = traceWorld(devices, { maxActiveTraces: 1 });
    const calls: string[] = [];
    const port = w.deps.traces;
    for (const name of ['startTrace', 'traceResults', 'deviceApps', 'webProbes', 'cloudPathProbes'] as const) {
      const fn = port[name] as (...a: unknown[]) => Promise<unknown>;
      (port as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => (
        calls.push(`${name}:${a[0]}`), fn(...a)
      );
    }
    await w.run(open('Q1'), open('Q2', ['bob@corp.example']));
    // Q1 starts; Q2 waits, and its start's app and probes are read while it waits.
    expect(calls).toEqual([
      'deviceApps:7',
      'webProbes:7',
      'cloudPathProbes:7',
      'startTrace:7',
      'deviceApps:8',
      'webProbes:8',
      'cloudPathProbes:8',
    ]);
    expect((await w.ledger.store.get('pagerduty#Q2'))!.devices[0]!.prepared).toMatchObject({
      appId: expect.any(Number),
    });
    calls.length = 0;
    w.zdx.finish(w.zdx.started[0]!.id);
    await w.run();
    // The slot goes to Q2 first, with what was prepared (no reads), then Q1's results are read and reported.
    expect(calls).toEqual(['startTrace:8', 'traceResults:7']);
    expect(w.zdx.started[1]!.input).toMatchObject({ sessionName: 'zea:pagerduty:Q2', appId: expect.any(Number) });
    expect(w.kinds()).toEqual(['trace.started', 'trace.queued', 'trace.started', 'trace.completed']);
  });

  it('looks up only as many incidents as the free slots need, most urgent first, and the rest while they wait', async () => {
    const devices = Array.from({ length: 4 }, (_, i) =>
      laptop({ id: 400 + i, name: `dev-${i}`, email: `u${i}@corp.example` }),
    );
    const w = traceWorld(devices, { maxActiveTraces: 1 });
    const lookups: string[] = [];
    const startsAt: number[] = [];
    const find = w.deps.traces.findDevices;
    w.deps.traces.findDevices = (emails, hours) => (lookups.push(emails[0]!), find(emails, hours));
    const start = w.deps.traces.startTrace;
    w.deps.traces.startTrace = (id, input) => (startsAt.push(lookups.length), start(id, input));
    const priorities = ['P4', 'P3', 'P1', 'P2'];
    await w.run(
      ...priorities.map((p, i) =>
        open(`L${i}`, [`u${i}@corp.example`], { incident: { source: 'pagerduty', incidentId: `L${i}`, priority: p } }),
      ),
    );
    // The P1 was looked up and started before anything else was read; the others were looked up afterwards.
    expect(startsAt).toEqual([1]);
    expect(lookups).toEqual(['u2@corp.example', 'u3@corp.example', 'u1@corp.example', 'u0@corp.example']);
    expect(w.reports.filter((r) => r.kind === 'trace.queued').map((r) => r.data?.ahead)).toEqual([0, 1, 2]);
  });

  it('counts what a run did as metrics: runs, starts, waiting, completed', async () => {
    const lines: string[] = [];
    const w = traceWorld(undefined, { maxActiveTraces: 1 });
    w.deps.logger = createLogger({ level: 'error', sink: (l) => lines.push(l) });
    const queue = { send: async () => undefined };
    await runTraceQueue([{ body: JSON.stringify(open('Q1')), receiveCount: 1 }], { ...w.deps, wakeQueue: queue });
    w.zdx.finish(w.zdx.started[0]!.id);
    await runTraceQueue([], { ...w.deps, wakeQueue: queue });
    const sum = (name: string) =>
      lines
        .map((l) => JSON.parse(l))
        .filter((m) => m._aws && m[name] !== undefined)
        .reduce((a, m) => a + m[name], 0);
    expect(sum('TraceReconcileRuns')).toBe(2);
    expect(sum('TracesStarted')).toBe(1);
    expect(sum('TracesCompleted')).toBe(1);
    expect(sum('TraceReconcileFailures')).toBe(0);
  });

  it('holds starts while a full batch says more opens are queued, so the most urgent gets the first slot', async () => {
    const devices = Array.from({ length: 3 }, (_, i) =>
      laptop({ id: 100 + i, name: `dev-${i}`, email: `u${i}@corp.example` }),
    );
    let now = Date.parse('2026-12-03T10:00:00Z');
    const w = traceWorld(devices, { maxActiveTraces: 1 });
    w.deps.now = () => new Date(now);
    const p5 = open('LOW', ['u0@corp.example'], {
      incident: { source: 'pagerduty', incidentId: 'LOW', priority: 'P5' },
    });
    const p1 = open('URGENT', ['u1@corp.example'], {
      incident: { source: 'pagerduty', incidentId: 'URGENT', priority: 'P1' },
    });
    const held = await reconcileTraces([p5], w.deps, { moreQueued: true });
    expect(held).toMatchObject({ applied: 1, started: 0, wakeAfterSeconds: 1 });
    now += 500;
    await reconcileTraces([p1], w.deps);
    expect(w.zdx.started.map((t) => t.input?.sessionName)).toEqual([
      sessionNameFor({ source: 'pagerduty', incidentId: 'URGENT' }),
    ]);
    // The hold is bounded: opens that keep coming in full batches do not keep starts back past GATHER_MS.
    const w2 = traceWorld(devices, { maxActiveTraces: 1 });
    w2.deps.now = () => new Date(now);
    await reconcileTraces([p5], w2.deps, { moreQueued: true });
    now += GATHER_MS;
    const late = await reconcileTraces([], w2.deps, { moreQueued: true });
    expect(late.started).toBe(1);
  });
});

describe('trace reconciler: resolves', () => {
  it('a resolve stops the running trace and says so once; a redelivered open never traces it again', async () => {
    const w = traceWorld();
    await w.run(open('Q1'));
    await w.run(resolve('Q1'));
    expect(w.zdx.stopped).toEqual([w.zdx.started[0]!.id]);
    await w.run(open('Q1', undefined, { id: 'open-Q1-redelivered' }));
    await w.run(open('Q1'));
    await w.run();
    expect(w.zdx.started).toHaveLength(1);
    expect(w.kinds()).toEqual(['trace.started', 'trace.stopped']);
  });

  // Drill finding: event times were compared as text, so a resolve written in UTC after an open written in a zone
  // east of it (the generic source accepts any offset) looked older than the open and was ignored as stale.
  it('a resolve written in another time zone than its open is ordered by instant, and stops the trace', async () => {
    const w = traceWorld();
    const at = (iso: string) => ({
      incident: { source: 'pagerduty', incidentId: 'Q1', service: 'Payroll Portal', occurredAt: iso },
    });
    await w.run(open('Q1', undefined, at('2026-12-03T18:19:22.970+05:30')));
    await w.run({ ...resolve('Q1'), ...at('2026-12-03T12:50:00Z') });
    expect(w.zdx.stopped).toEqual([w.zdx.started[0]!.id]);
    expect(w.kinds()).toEqual(['trace.started', 'trace.stopped']);
    // …and an open written in UTC a second before that resolve, delivered late, does not reopen it.
    await w.run(open('Q1', undefined, { id: 'open-Q1-late', ...at('2026-12-03T12:49:59Z') }));
    expect((await w.ledger.store.get('pagerduty#Q1'))!).toMatchObject({ state: 'resolved', round: 1 });
  });

  // Drill finding (crash drill b): the run died after ZDX started the trace and the ledger said `running`, before the
  // "started" went out; the resolve then stopped it, and the requester heard "stopped" about a trace never announced.
  it('a trace whose "started" never went out, then resolved: "started" is said before "stopped", as for an adopted one', async () => {
    const w = traceWorld();
    const real = w.deps.reporter.report;
    w.deps.reporter.report = async (outcome, target) => {
      if (outcome.kind === 'trace.started') throw Object.assign(new Error('the run died here'), { retryable: true });
      return real(outcome, target);
    };
    await w.run(open('Q1'));
    const [device] = (await w.ledger.store.get('pagerduty#Q1'))!.devices;
    expect(device).toMatchObject({ phase: 'running' });
    expect(device!.startReported).toBeFalsy();
    w.deps.reporter.report = real;
    await w.run(resolve('Q1'));
    expect(w.kinds()).toEqual(['trace.started', 'trace.stopped']);
    expect(w.zdx.stopped).toEqual([w.zdx.started[0]!.id]);
  });

  // Drill finding (crash drill b): a device found but not started yet when the resolve came (its start failed, or the
  // run was cut short) was dropped without a word unless the incident had been told it waits for a slot.
  it('a device the resolve drops before its start is named once, even when the incident was never told it waits', async () => {
    const devices = [laptop(), laptop({ id: 8, name: 'alice-desktop' })];
    const w = traceWorld(devices);
    const apps = w.deps.traces.deviceApps;
    w.deps.traces.deviceApps = async (deviceId, hours) => {
      if (deviceId === 8) throw Object.assign(new Error('ZDX answered 503'), { retryable: true });
      return apps(deviceId, hours);
    };
    await w.run(open('Q1'));
    expect(w.kinds()).toEqual(['trace.started']);
    await w.run(resolve('Q1'));
    await w.run();
    expect(w.kinds()).toEqual(['trace.started', 'trace.stopped', 'trace.dropped']);
    expect(w.reports[2]!.text).toBe(
      'The incident Q1 was resolved before the deep trace on alice-desktop could start; it was not traced.',
    );
    expect(w.reports[2]!.data).toMatchObject({ deviceIds: [8] });
    expect(await w.deps.ledger.listPending()).toEqual([]);
    // Nothing looked up and started at all: said the same way as to an incident told it waits.
    const w2 = traceWorld([laptop()]);
    w2.deps.traces.deviceApps = async () => {
      throw Object.assign(new Error('ZDX answered 503'), { retryable: true });
    };
    await w2.run(open('Q2'));
    await w2.run(resolve('Q2'));
    expect(w2.kinds()).toEqual(['trace.dropped']);
    expect(w2.reports[0]!.text).toBe(
      'The incident Q2 was resolved before its deep trace could start; nothing was traced.',
    );
    expect(w2.zdx.started).toHaveLength(0);
  });

  it('an open naming nobody asks the incident tool for its users: traced when found, said once when not', async () => {
    const nobody = (id: string) => ({ ...open(id, []), findUsers: true });
    const w = traceWorld();
    const asked: string[] = [];
    w.deps.findUsers = async (incident) => (
      asked.push(incident.incidentId), incident.incidentId === 'F1' ? ['alice@corp.example'] : []
    );
    await w.run(nobody('F1'), nobody('F2'));
    expect(asked.sort()).toEqual(['F1', 'F2']);
    expect((await w.ledger.store.get('pagerduty#F1'))!.users).toEqual(['alice@corp.example']);
    expect(w.kinds().sort()).toEqual(['trace.start.failed', 'trace.started']);
    expect(w.reports.find((r) => r.kind === 'trace.start.failed')!.text).toBe(
      'Could not start a deep trace for the incident F2: no affected user found in pagerduty for the incident (its alerts and custom fields)',
    );
    await w.run();
    expect(asked).toHaveLength(2); // asked once per incident, not on every run
  });

  it('the incident tool down leaves the incident pending and asks again; no lookup configured is said once', async () => {
    const w = traceWorld();
    let down = true;
    w.deps.findUsers = async () => {
      if (down) throw Object.assign(new Error('PagerDuty answered 503'), { retryable: true });
      return ['alice@corp.example'];
    };
    await w.run({ ...open('F3', []), findUsers: true });
    expect(w.reports).toEqual([]);
    down = false;
    await w.run();
    expect(w.kinds()).toEqual(['trace.started']);
    const w2 = traceWorld();
    await w2.run({ ...open('F4', []), findUsers: true });
    expect(w2.reports.map((r) => r.text)).toEqual([
      'Could not start a deep trace for the incident F4: the pagerduty event named no affected user, and no pagerduty lookup is configured',
    ]);
  });

  it('a resolve that names no user (tools send none on close) stops the trace its incident started', async () => {
    const w = traceWorld();
    await w.run(open('Q1'));
    await w.run({ ...resolve('Q1'), userEmails: [] });
    expect(w.kinds()).toEqual(['trace.started', 'trace.stopped']);
  });

  it('a resolve that arrives before its open means nothing is ever traced, and says so once', async () => {
    const w = traceWorld();
    await w.run(resolve('Q1'), open('Q1'));
    await w.run(open('Q1'), resolve('Q1'));
    expect(w.zdx.started).toHaveLength(0);
    expect(w.kinds()).toEqual(['trace.stop.unknown']);
    expect(w.reports[0]!.text).toBe(
      'Nothing to stop for Q1: no deep trace was started for it. If its open arrives later, nothing is traced.',
    );
  });

  it('stops before it starts, and a waiting incident that resolves is dropped (and told, as it was told it waits)', async () => {
    const devices = [
      laptop(),
      laptop({ id: 8, name: 'bob-laptop', email: 'bob@corp.example' }),
      laptop({ id: 9, name: 'carol-laptop', email: 'carol@corp.example' }),
    ];
    const w = traceWorld(devices, { maxActiveTraces: 1 });
    await w.run(open('Q1'));
    await w.run(open('Q2', ['bob@corp.example']));
    expect(w.kinds()).toEqual(['trace.started', 'trace.queued']);
    await w.run(resolve('Q2'));
    await w.run(resolve('Q1'), open('Q3', ['carol@corp.example']));
    // Q1's stop freed the slot in the same run, and Q3 got it; Q2 never started.
    expect(w.zdx.started.map((t) => t.input?.sessionName)).toEqual(['zea:pagerduty:Q1', 'zea:pagerduty:Q3']);
    expect(w.kinds()).toEqual(['trace.started', 'trace.queued', 'trace.dropped', 'trace.stopped', 'trace.started']);
  });
});

describe('trace reconciler: budget and order', () => {
  it('never holds more traces than the budget, serves the most urgent first, tells each waiting incident once', async () => {
    const devices = Array.from({ length: 6 }, (_, i) =>
      laptop({ id: 200 + i, name: `dev-${i}`, email: `u${i}@corp.example` }),
    );
    const w = traceWorld(devices, { maxActiveTraces: 2 });
    const priorities = ['low', 'P1', 'low', 'high', 'P3', 'P2'];
    await w.run(
      ...priorities.map((p, i) =>
        open(`I${i}`, [`u${i}@corp.example`], { incident: { source: 'pagerduty', incidentId: `I${i}`, priority: p } }),
      ),
    );
    expect(w.zdx.started.map((t) => t.input?.sessionName)).toEqual(['zea:pagerduty:I1', 'zea:pagerduty:I3']);
    expect(w.reports.filter((r) => r.kind === 'trace.queued').map((r) => r.data?.ahead)).toEqual([0, 1, 2, 3]);
    for (let round = 0; round < 4; round++) {
      for (const t of w.zdx.started) w.zdx.finish(t.id);
      await w.run();
      const active = (await Promise.all(devices.map((d) => w.deps.traces.listTraces(d.id))))
        .flat()
        .filter((t) => t.active);
      expect(active.length).toBeLessThanOrEqual(2);
    }
    expect(w.zdx.started.map((t) => t.input?.sessionName)).toEqual(
      ['I1', 'I3', 'I5', 'I4', 'I0', 'I2'].map((i) => `zea:pagerduty:${i}`),
    );
    expect(w.kinds().filter((k) => k === 'trace.queued')).toHaveLength(4);
  });

  it('leaves what does not fit in the time left to the next run, and nothing done is lost', async () => {
    const devices = Array.from({ length: 3 }, (_, i) =>
      laptop({ id: 300 + i, name: `dev-${i}`, email: `u${i}@corp.example` }),
    );
    const w = traceWorld(devices, { reserveMs: 5_000 });
    // 1 s left in the invocation, 5 s kept in reserve: no ZDX step fits, but the open is in the ledger.
    const r = await runWithDeadline(Date.now() + 1_000, () =>
      w.run(open('T1', ['u0@corp.example', 'u1@corp.example', 'u2@corp.example'])),
    );
    expect(r).toMatchObject({ applied: 1, deferred: true, wakeAfterSeconds: 0 });
    expect(w.zdx.started).toHaveLength(0);
    w.deps.settings.reserveMs = 0;
    await w.run();
    expect(w.zdx.started).toHaveLength(3);
  });
});
