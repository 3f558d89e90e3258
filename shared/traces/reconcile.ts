/**
 * The trace reconciler: the single ZDX caller of the deep-trace side. Its queue (FIFO, one message group) lets
 * one run at a time happen across all instances, so one pacer holds ZDX's per-IP limit whatever Lambda does.
 * Each run applies the queued opens and resolves to the incident ledger, then compares the ledger with ZDX and
 * converges, in this order:
 *
 *   1. resolved incidents: stop their traces (a waiting device is dropped, never started);
 *   2. running traces: check the ones due (at their expected end, and periodically); one that ZDX ended frees
 *      its slot at once (`ended`);
 *   3. open incidents not yet looked up, most urgent first, as many as the free slots need: find their users'
 *      devices (or report that there are none);
 *   4. starts, most urgent first, then oldest, while the tenant's active-trace budget allows; whoever waits
 *      for a slot is told once ("queued: N ahead") and started when one frees;
 *   5. the results of the traces that ended, one report each (after the starts that waited for their slots);
 *   6. while devices wait for slots: the next starts' apps and probes are read, and the remaining incidents
 *      looked up, a bounded amount per run, so a freed slot costs ZDX only the start;
 *   7. whoever waits for a slot is told once how many are ahead.
 *
 * A start is written to the ledger as intent (`starting`) before it is sent, so a crash or a lost answer is
 * recognised on the next run by the trace's session name and tracked like any other. Every step checks the
 * time left first: what does not fit is left to the next run, and everything already done is in the ledger.
 */
import { MAX_COMMAND_USERS, type IncidentRef, type TraceStart, type TraceStop } from '../commands/contract.js';
import { remainingMs } from '../deadline.js';
import { AppError, DeadlineExceededError, isRetryable } from '../errors.js';
import { listText } from '../incidents/emails.js';
import type { Logger } from '../logger.js';
import type { Outcome, Reporter } from '../reporting/reporter.js';
import {
  ACTIVE_PHASES,
  DROPPED_WAITING,
  PREPARED_MAX_AGE_MS,
  applyTraceCommand,
  ledgerKey,
  needsWork,
  type DeviceEntry,
  type IncidentRecord,
  type PreparedStart,
} from '../ledger/record.js';
import { LedgerConflictError, type LedgerStore } from '../ledger/store.js';
import type { ScoreAnalysis } from '../zdx/analysis.js';
import type { SessionMinutes } from '../zdx/sessionLengths.js';
import { TraceConflictError, type TracePort } from './port.js';
import { pickApp, sessionNameFor } from './session.js';
import { diagnose } from './diagnosis.js';
import { portalDeviceUrl, summariseSeries, summaryText } from './summary.js';

export interface TraceReconcilerDeps {
  traces: TracePort;
  /**
   * The affected users of an incident whose event named none (`findUsers`), read from the incident tool's API
   * (PagerDuty). Absent: such an incident is reported as having no user to trace.
   */
  findUsers?: (incident: IncidentRef) => Promise<string[]>;
  ledger: LedgerStore;
  reporter: Reporter;
  logger: Logger;
  settings: TraceSettings;
  now?: () => Date;
}

export interface TraceSettings {
  lookbackHours: number;
  sessionMinutes: SessionMinutes;
  /** Seconds between two checks of a running trace. */
  checkDelaySeconds: number;
  /** Checks of one trace before tracking gives up (a trace ZDX never ends). */
  maxChecks: number;
  /** The tenant's active deep-trace budget (ZDX: 15 by default). */
  maxActiveTraces: number;
  /** Time kept free at the end of an invocation: no step starts with less left. */
  reserveMs: number;
  /**
   * How long ZDX takes to end a trace of `minutes` (its start-up plus the session): the first check after a start
   * is due then, so a slot is reused as soon as ZDX frees it. Default: 30 s + the session.
   */
  expectedTraceSeconds?: (minutes: SessionMinutes) => number;
  /** The device's page in the ZDX portal: a URL with `{deviceId}`, or a base the id is appended to. */
  portalDeviceUrl?: string;
  /** The longest one run waits, in all its reports, for ZDX's score analyses to finish (default 2 s). */
  analysisWaitMs?: number;
}

/** Options of one run. */
export interface ReconcileRunOptions {
  /**
   * The queue handed over a full batch: more opens are probably queued behind it. Starts are then held (for at
   * most {@link GATHER_MS} after the oldest waiting open) so that the most urgent of them all gets the first slot,
   * not the first ten in queue order.
   */
  moreQueued?: boolean;
}

/** The longest a start waits for the opens queued behind it to reach the ledger. */
export const GATHER_MS = 10_000;
/** ZDX's start-up before a trace runs, as observed (the portal shows it "not started" first). */
const TRACE_STARTUP_SECONDS = 30;
/** The first re-check of a trace still running at its expected end. */
const OVERDUE_RECHECK_MS = 2_000;
/** SQS's longest message delay: a wake-up cannot be asked for later than this. */
const MAX_WAKE_SECONDS = 900;

export interface ReconcileTracesResult {
  applied: number;
  stopped: number;
  reported: number;
  started: number;
  waiting: number;
  /** Work left for the next run because time ran out. */
  deferred: boolean;
  /** Incidents whose step failed this run (logged; they stay pending and are retried on the next run). */
  failed: number;
  /** Something is due later (running traces, waiting starts): the caller schedules a wake-up. */
  wakeAfterSeconds?: number;
}

type Ctx = TraceReconcilerDeps & {
  now: () => Date;
  result: ReconcileTracesResult;
  runStartedAt: number;
  /** What is left of this run's wait for ZDX's score analyses: shared by every report of the run. */
  analysisWaitLeftMs: number;
};

class OutOfTime extends Error {}

/** Applies `commands` to the ledger, then runs one reconcile pass. */
export async function reconcileTraces(
  commands: readonly (TraceStart | TraceStop)[],
  deps: TraceReconcilerDeps,
  opts: ReconcileRunOptions = {},
): Promise<ReconcileTracesResult> {
  const now = deps.now ?? (() => new Date());
  const ctx: Ctx = {
    ...deps,
    now,
    runStartedAt: now().getTime(),
    analysisWaitLeftMs: deps.settings.analysisWaitMs ?? ANALYSIS_WAIT_MS,
    result: { applied: 0, stopped: 0, reported: 0, started: 0, waiting: 0, deferred: false, failed: 0 },
  };
  const applied = new Set<string>();
  for (const cmd of commands) applied.add(await applyCommand(cmd, ctx));
  try {
    const records = await pendingRecords(applied, ctx);
    const ordered = [...records.values()];
    for (const r of ordered.filter((x) => x.state === 'resolved'))
      await guarded(r.key, ctx, () => track(r, ctx, records));
    for (const r of ordered.filter((x) => x.state === 'open')) await guarded(r.key, ctx, () => track(r, ctx, records));
    if (opts.moreQueued && gathering(records, ctx)) {
      // Stops and checks are done; lookups and starts wait for the opens still queued (the next batch comes as
      // soon as this run ends; a wake-up covers a queue that held exactly one batch).
      ctx.logger.info('trace reconcile: starts held while queued opens reach the ledger', { held: true });
      await reportEnded(ctx, records);
      ctx.result.wakeAfterSeconds = 1;
      return ctx.result;
    }
    // Only as many lookups as the free slots need, most urgent first: a storm's hundred lookups would otherwise
    // come before its first start. The rest are read after the starts, while the devices wait for slots.
    await lookUpForSlots(ctx, records);
    const slotsFull = await startInOrder(ctx, records);
    // Results of the traces that ended: after the starts, which were waiting for those slots.
    await reportEnded(ctx, records);
    let moreToPrepare = false;
    if (slotsFull) {
      moreToPrepare = await prepareWaiting(ctx, records);
      await tellWaiting(ctx, records);
    }
    ctx.result.wakeAfterSeconds = moreToPrepare ? 1 : nextWakeSeconds(records, ctx);
  } catch (e) {
    if (!(e instanceof OutOfTime)) throw e;
    ctx.result.deferred = true;
    ctx.result.wakeAfterSeconds = 0;
    ctx.logger.info('trace reconcile out of time; the next run continues', { ...ctx.result });
  }
  return ctx.result;
}

/** An open incident not started yet arrived less than {@link GATHER_MS} ago. */
function gathering(records: Map<string, IncidentRecord>, ctx: Ctx): boolean {
  const now = ctx.now().getTime();
  return [...records.values()].some(
    (r) =>
      r.state === 'open' &&
      !r.dryRun &&
      (!r.lookedUp || r.devices.some((d) => d.phase === 'found')) &&
      now - Date.parse(r.openedAt) < GATHER_MS,
  );
}

const expectedSeconds = (ctx: Ctx, minutes: SessionMinutes) =>
  ctx.settings.expectedTraceSeconds?.(minutes) ?? TRACE_STARTUP_SECONDS + minutes * 60;

/**
 * When a running trace is next checked (epoch ms): every `checkDelaySeconds` (a trace stopped outside this tool
 * is seen), and at its expected end, so its slot goes to the next start as soon as ZDX frees it.
 */
function checkDueAt(d: DeviceEntry, ctx: Ctx): number {
  const last = d.lastCheckAt ? Date.parse(d.lastCheckAt) : 0;
  const periodic = last + ctx.settings.checkDelaySeconds * 1000;
  const end = d.expectedEndAt ? Date.parse(d.expectedEndAt) : Number.NaN;
  if (end > last) return Math.min(periodic, end);
  // Checked at or after its expected end and still running (ZDX's start-up varies): look again soon, backing off
  // (2 s, then as long again as it is overdue), so a slot freed late is not held for a whole check period.
  if (end <= last) return Math.min(periodic, last + Math.max(OVERDUE_RECHECK_MS, last - end));
  return periodic;
}

/** Seconds until something is due: the next check of a running trace; waiting starts wait for one. */
function nextWakeSeconds(records: Map<string, IncidentRecord>, ctx: Ctx): number | undefined {
  const devices = [...records.values()].flatMap((r) => r.devices);
  if (devices.some((d) => d.phase === 'ended')) return 1;
  const running = devices.filter((d) => ACTIVE_PHASES.has(d.phase));
  if (!running.length) return devices.some((d) => d.phase === 'found') ? ctx.settings.checkDelaySeconds : undefined;
  const next = Math.min(...running.map((d) => (d.phase === 'starting' ? 0 : checkDueAt(d, ctx))));
  const seconds = Math.ceil((next - ctx.now().getTime()) / 1000);
  return Math.min(MAX_WAKE_SECONDS, Math.max(1, seconds));
}

/** Applies one command to its incident's record; returns the record's key. */
async function applyCommand(cmd: TraceStart | TraceStop, ctx: Ctx): Promise<string> {
  const key = ledgerKey(cmd.incident);
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await ctx.ledger.get(key);
    const { record, changed, note } = applyTraceCommand(existing, cmd, ctx.now().toISOString());
    if (!changed) return key;
    try {
      const saved = await ctx.ledger.put(record);
      ctx.result.applied++;
      if (note) ctx.logger.info('ledger', { key: record.key, commandId: cmd.id, note });
      // A resolve for an incident this tool never saw open is recorded (a late open then traces nothing) and said
      // once, so whoever resolved it is not left wondering whether a trace was stopped.
      if (note === 'resolved-before-open')
        await report(
          saved,
          {
            kind: 'trace.stop.unknown',
            ok: true,
            text: `Nothing to stop for ${saved.incident.incidentId}: no deep trace was started for it. If its open arrives later, nothing is traced.`,
            data: { incident: saved.incident },
          },
          ctx,
        ).catch((e: unknown) => ctx.logger.warn('could not report the unknown resolve', { key, error: e }));
      return key;
    } catch (e) {
      if (!(e instanceof LedgerConflictError)) throw e;
    }
  }
  throw new LedgerConflictError(key);
}

/** Records read at once: a run with many pending incidents is not a long queue of single reads. */
const READ_CONCURRENCY = 10;

/**
 * The records this run works on. The pending index is eventually consistent (a DynamoDB global secondary index
 * lags the table): it may still hold the version before the last run's writes — a trace already reported, a device
 * already stopped — and miss a record just written. Acting on such a copy would say things twice (its writes would
 * then conflict, after the report). So the index only names the keys; each record is read again, consistently,
 * with the keys of the commands this run applied, and kept if it still needs work.
 */
async function pendingRecords(applied: ReadonlySet<string>, ctx: Ctx): Promise<Map<string, IncidentRecord>> {
  const keys = [...new Set([...applied, ...(await ctx.ledger.listPending()).map((r) => r.key)])];
  const records = new Map<string, IncidentRecord>();
  for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
    const batch = await Promise.all(keys.slice(i, i + READ_CONCURRENCY).map((k) => ctx.ledger.get(k)));
    for (const r of batch) if (r && needsWork(r)) records.set(r.key, r);
  }
  return records;
}

/**
 * One incident's step: a failure (ZDX down for it, a report target refusing) is logged and the incident stays
 * pending for the next run, so one incident never holds up the others. Running out of time ends the run.
 */
async function guarded(key: string, ctx: Ctx, step: () => Promise<unknown>): Promise<boolean> {
  try {
    await step();
    return true;
  } catch (e) {
    if (e instanceof OutOfTime) throw e;
    // The HTTP core found no time left (pacing, Retry-After, backoff): the run ends, the next one continues.
    if (e instanceof DeadlineExceededError) throw new OutOfTime();
    ctx.result.failed++;
    ctx.logger.error('trace reconcile step failed; the next run retries it', { key, error: e });
    return false;
  }
}

const ensureTime = (ctx: Ctx) => {
  if (remainingMs() < ctx.settings.reserveMs) throw new OutOfTime();
};

/** Writes the record back and keeps the run's copy current. */
async function save(r: IncidentRecord, ctx: Ctx, records: Map<string, IncidentRecord>): Promise<IncidentRecord> {
  const saved = await ctx.ledger.put(r);
  records.set(saved.key, saved);
  return saved;
}

const withDevice = (r: IncidentRecord, d: DeviceEntry): IncidentRecord => ({
  ...r,
  devices: r.devices.map((x) => (x.deviceId === d.deviceId ? d : x)),
});

const subjectOf = (r: IncidentRecord) =>
  r.requestedBy.kind === 'slack' || r.requestedBy.kind === 'teams' ? r.users.join(', ') : r.incident.incidentId;

/** Outcomes that end a device's trace, counted as they are reported. */
const OUTCOME_METRICS: Partial<Record<string, 'TracesCompleted' | 'TracesFailed'>> = {
  'trace.completed': 'TracesCompleted',
  'trace.start.failed': 'TracesFailed',
  'trace.gone': 'TracesFailed',
  'trace.tracking-stopped': 'TracesFailed',
};

async function report(r: IncidentRecord, outcome: Outcome, ctx: Ctx): Promise<void> {
  await ctx.reporter.report(outcome, r.reply);
  ctx.result.reported++;
  const metric = OUTCOME_METRICS[outcome.kind];
  if (metric) ctx.logger.metric(metric);
}

function audit(
  ctx: Ctx,
  r: IncidentRecord,
  d: DeviceEntry,
  action: string,
  result: 'success' | 'skipped' | 'failed' | 'dry-run',
  extra: { reason?: string; before?: unknown; after?: unknown } = {},
) {
  ctx.logger.audit({
    action,
    trigger: { kind: r.requestedBy.kind, id: r.incident.incidentId, by: r.requestedBy.id },
    target: { deviceId: d.deviceId, deviceName: d.deviceName, sessionName: sessionNameFor(r.incident) },
    result,
    ...extra,
  });
}

// 1 + 2: stops for resolved incidents, checks for running traces, recovery of starts whose answer was lost.
async function track(initial: IncidentRecord, ctx: Ctx, records: Map<string, IncidentRecord>): Promise<void> {
  for (const device of initial.devices) {
    let r = records.get(initial.key)!;
    const d = r.devices.find((x) => x.deviceId === device.deviceId)!;
    if (d.phase === 'starting') {
      ensureTime(ctx);
      r = await recoverStart(r, d, ctx, records);
    }
    const cur = r.devices.find((x) => x.deviceId === device.deviceId)!;
    if (r.state === 'resolved') {
      if (cur.phase === 'found') {
        r = await save(withDevice(r, { ...cur, phase: 'dropped', note: DROPPED_WAITING }), ctx, records);
        audit(ctx, r, cur, 'zdx.deeptrace.start', 'skipped', { reason: 'resolved while waiting' });
      } else if (cur.phase === 'running') {
        ensureTime(ctx);
        // As for an open incident: the "started" that never went out (the run that started it died first) comes
        // before the "stopped", exactly as when the trace is adopted from `starting` just above.
        if (!cur.startReported) await reportStarted(r, [cur], ctx, records);
        await stopRunning(records.get(initial.key)!, { ...cur, startReported: true }, ctx, records);
      }
    } else if (cur.phase === 'running') {
      // A "started" message that failed to go out is sent before anything else is said about the trace.
      if (!cur.startReported) await reportStarted(r, [cur], ctx, records);
      await checkRunning(records.get(initial.key)!, { ...cur, startReported: true }, ctx, records);
    }
  }
  const after = records.get(initial.key)!;
  // Every device that was looked up ends with one report: those the resolve dropped before their start (waiting
  // for a slot, or after a failed or cut-short run) are named once, whether or not the incident was told it waits.
  const dropped = after.devices.filter((d) => d.note === DROPPED_WAITING);
  if (after.state === 'resolved' && !after.droppedNoticeSent && dropped.length) {
    const traced = after.devices.some((d) => d.note !== 'earlier round' && d.traceId);
    const names = dropped.map((d) => d.deviceName).join(', ');
    const text = traced
      ? `The incident ${after.incident.incidentId} was resolved before the deep trace on ${names} could start; ${dropped.length > 1 ? 'they were' : 'it was'} not traced.`
      : `The incident ${after.incident.incidentId} was resolved before its deep trace could start; nothing was traced.`;
    await report(
      after,
      {
        kind: 'trace.dropped',
        ok: true,
        text,
        data: { incident: after.incident, deviceIds: dropped.map((d) => d.deviceId) },
      },
      ctx,
    );
    await save({ ...records.get(initial.key)!, droppedNoticeSent: true }, ctx, records);
  }
}

/** A start was sent, but its answer never made it to the ledger: find the trace by its session name. */
async function recoverStart(
  r: IncidentRecord,
  d: DeviceEntry,
  ctx: Ctx,
  records: Map<string, IncidentRecord>,
): Promise<IncidentRecord> {
  const ours = await findOurTrace(r, d, ctx);
  if (ours) {
    ctx.logger.info('adopted a trace whose start answer was lost', {
      key: r.key,
      deviceId: d.deviceId,
      traceId: ours.id,
    });
    return adoptRunning(r, d, ours.id, ctx, records);
  }
  // ZDX never created it: the device waits for a slot again.
  return save(withDevice(r, { ...d, phase: 'found' }), ctx, records);
}

async function findOurTrace(r: IncidentRecord, d: DeviceEntry, ctx: Ctx) {
  const name = sessionNameFor(r.incident);
  const past = new Set(d.pastTraceIds ?? []);
  return (await ctx.traces.listTraces(d.deviceId)).find((t) => t.sessionName === name && !past.has(t.id));
}

async function adoptRunning(
  r: IncidentRecord,
  d: DeviceEntry,
  traceId: string,
  ctx: Ctx,
  records: Map<string, IncidentRecord>,
): Promise<IncidentRecord> {
  const running: DeviceEntry = {
    ...d,
    phase: 'running',
    traceId,
    startedAt: d.startedAt ?? ctx.now().toISOString(),
    expectedEndAt: d.expectedEndAt ?? expectedEndFrom(d.startSentAt ?? ctx.now().toISOString(), r, ctx),
    lastCheckAt: ctx.now().toISOString(),
    checks: d.checks ?? 0,
  };
  const saved = await save(withDevice(r, running), ctx, records);
  if (!d.startReported) await reportStarted(saved, [running], ctx, records);
  return records.get(r.key)!;
}

const expectedEndFrom = (startIso: string, r: IncidentRecord, ctx: Ctx) =>
  new Date(
    Date.parse(startIso) + expectedSeconds(ctx, r.sessionMinutes ?? ctx.settings.sessionMinutes) * 1000,
  ).toISOString();

async function reportStarted(
  r: IncidentRecord,
  started: DeviceEntry[],
  ctx: Ctx,
  records: Map<string, IncidentRecord>,
): Promise<void> {
  const text = started.map((d) => `${d.deviceName}: started (trace ${d.traceId})`).join('; ');
  const results = started.map((d) => ({
    deviceId: d.deviceId,
    deviceName: d.deviceName,
    result: 'started',
    traceId: d.traceId,
    appName: d.appName,
  }));
  await report(
    r,
    {
      kind: 'trace.started',
      ok: true,
      text: `Deep trace for ${subjectOf(r)} — ${text}`,
      data: { incident: r.incident, results },
    },
    ctx,
  );
  let cur = records.get(r.key)!;
  for (const d of started)
    cur = withDevice(cur, { ...cur.devices.find((x) => x.deviceId === d.deviceId)!, startReported: true });
  await save(cur, ctx, records);
}

async function stopRunning(
  r: IncidentRecord,
  d: DeviceEntry,
  ctx: Ctx,
  records: Map<string, IncidentRecord>,
): Promise<void> {
  await ctx.traces.stopTrace(d.deviceId, d.traceId!); // a trace already gone counts as stopped
  audit(ctx, r, d, 'zdx.deeptrace.stop', 'success', {
    before: { traceId: d.traceId },
    after: { traceId: d.traceId, status: 'stopped' },
  });
  ctx.result.stopped++;
  await report(
    r,
    {
      kind: 'trace.stopped',
      ok: true,
      text: `Deep trace on ${d.deviceName} stopped: the incident ${r.incident.incidentId} was resolved.`,
      data: { incident: r.incident, deviceId: d.deviceId, traceId: d.traceId },
    },
    ctx,
  );
  await save(withDevice(records.get(r.key)!, { ...d, phase: 'stopped' }), ctx, records);
}

async function checkRunning(
  r: IncidentRecord,
  d: DeviceEntry,
  ctx: Ctx,
  records: Map<string, IncidentRecord>,
): Promise<void> {
  if (d.lastCheckAt && ctx.now().getTime() < checkDueAt(d, ctx)) return;
  ensureTime(ctx);
  const trace = await ctx.traces.getTrace(d.deviceId, d.traceId!);
  if (!trace) {
    // Stopped and deleted by someone else (the ZDX UI): said once, then tracking ends.
    await report(
      r,
      {
        kind: 'trace.gone',
        ok: false,
        text: `Deep trace ${d.traceId} on ${d.deviceName} no longer exists in ZDX (stopped outside this tool); no summary.`,
        data: { incident: r.incident, deviceId: d.deviceId, deviceName: d.deviceName, traceId: d.traceId },
      },
      ctx,
    );
    await save(withDevice(records.get(r.key)!, { ...d, phase: 'failed', note: 'gone' }), ctx, records);
    return;
  }
  const checks = (d.checks ?? 0) + 1;
  if (trace.active) {
    if (checks >= ctx.settings.maxChecks) {
      await report(
        r,
        {
          kind: 'trace.tracking-stopped',
          ok: false,
          text: `Stopped tracking deep trace ${d.traceId} on ${d.deviceName} after ${checks} checks; it is still ${trace.status} in ZDX.`,
          data: { incident: r.incident, deviceId: d.deviceId, deviceName: d.deviceName, traceId: d.traceId },
        },
        ctx,
      );
      await save(withDevice(records.get(r.key)!, { ...d, checks, phase: 'failed', note: 'gave up' }), ctx, records);
      return;
    }
    await save(withDevice(records.get(r.key)!, { ...d, checks, lastCheckAt: ctx.now().toISOString() }), ctx, records);
    return;
  }
  // Ended in ZDX: its slot is free now. The results are read after this run's starts (reportEnded).
  await save(
    withDevice(records.get(r.key)!, {
      ...d,
      checks,
      lastCheckAt: ctx.now().toISOString(),
      phase: 'ended',
      endStatus: trace.status,
      traceStartedAt: trace.startedAt ?? undefined,
      traceEndedAt: trace.endedAt ?? undefined,
    }),
    ctx,
    records,
  );
}

/** Reads the results of every trace that ended and reports each once. */
async function reportEnded(ctx: Ctx, records: Map<string, IncidentRecord>): Promise<void> {
  for (const r of [...records.values()]) {
    for (const device of r.devices.filter((d) => d.phase === 'ended')) {
      ensureTime(ctx);
      await guarded(r.key, ctx, async () => {
        const cur = records.get(r.key)!;
        const d = cur.devices.find((x) => x.deviceId === device.deviceId)!;
        if (d.phase !== 'ended') return;
        // The analysis is started first, so that reading the results is time it has to finish in.
        const started = await startScoreAnalysis(d, ctx);
        const results = await ctx.traces.traceResults(d.deviceId, d.traceId!);
        const analysis = await finishScoreAnalysis(started, d, ctx);
        const series = summariseSeries(results);
        const diagnosis = diagnose(results, analysis);
        await report(
          cur,
          {
            kind: 'trace.completed',
            ok: true,
            text: summaryText(d.deviceName, series, {
              diagnosis,
              portalUrl: portalDeviceUrl(ctx.settings.portalDeviceUrl, d.deviceId),
            }),
            data: {
              incident: cur.incident,
              deviceId: d.deviceId,
              deviceName: d.deviceName,
              traceId: d.traceId,
              status: d.endStatus,
              startedAt: d.traceStartedAt,
              endedAt: d.traceEndedAt,
              findings: diagnosis.findings,
              analysis,
              series,
            },
          },
          ctx,
        );
        await save(withDevice(records.get(r.key)!, { ...d, phase: 'reported' }), ctx, records);
      });
    }
  }
}

/** The longest this run waits, in all, for ZDX's score analyses (never past the run's reserve). */
const ANALYSIS_WAIT_MS = 2_000;
/** Below this much time left (beyond the reserve), the analysis is not asked for: the report goes without it. */
const ANALYSIS_MIN_MS = 3_000;

type StartedAnalysis = { id: string; at: number } | ScoreAnalysis;

/**
 * ZDX's own verdict on the trace's app and time: one start, sent before the trace's results are read. Best effort:
 * whatever goes wrong (refused, no time), the report goes out without it and says why.
 */
async function startScoreAnalysis(d: DeviceEntry, ctx: Ctx): Promise<StartedAnalysis> {
  if (!ctx.traces.startScoreAnalysis || !ctx.traces.readScoreAnalysis)
    return { state: 'skipped', reason: 'not available here' };
  const appId = d.prepared?.appId;
  if (appId === undefined) return { state: 'skipped', reason: "the trace's app is not known" };
  const t0 = d.traceStartedAt;
  const t1 = d.traceEndedAt;
  if (!t0 || !t1 || t1 <= t0) return { state: 'skipped', reason: 'ZDX gave no start and end for the trace' };
  if (remainingMs() - ctx.settings.reserveMs < ANALYSIS_MIN_MS)
    return { state: 'skipped', reason: 'no time left in this run' };
  try {
    return { id: await ctx.traces.startScoreAnalysis({ deviceId: d.deviceId, appId, t0, t1 }), at: Date.now() };
  } catch (e) {
    return analysisFailed(e, d, ctx);
  }
}

/**
 * At most two reads: one now, and one more only if it is not finished and the run's shared wait allows. The wait
 * counts from the start (the results were read meanwhile) and is shared by all the run's reports, so a run that
 * reports many traces never sleeps more than {@link ANALYSIS_WAIT_MS} in all.
 */
async function finishScoreAnalysis(started: StartedAnalysis, d: DeviceEntry, ctx: Ctx): Promise<ScoreAnalysis> {
  if ('state' in started) return started;
  const read = ctx.traces.readScoreAnalysis!;
  try {
    const first = await read(started.id);
    if (first) return first;
    const spare = remainingMs() - ctx.settings.reserveMs - ANALYSIS_MIN_MS;
    const wait = Math.max(0, Math.min(ctx.analysisWaitLeftMs, spare));
    if (wait <= 0) return { state: 'pending', waitedMs: Date.now() - started.at };
    ctx.analysisWaitLeftMs -= wait;
    await new Promise((r) => setTimeout(r, wait));
    return (await read(started.id)) ?? { state: 'pending', waitedMs: Date.now() - started.at };
  } catch (e) {
    return analysisFailed(e, d, ctx);
  }
}

function analysisFailed(e: unknown, d: DeviceEntry, ctx: Ctx): ScoreAnalysis {
  ctx.logger.warn('ZDX score analysis failed; the trace is reported without it', {
    deviceId: d.deviceId,
    traceId: d.traceId,
    error: e,
  });
  const reason = e instanceof DeadlineExceededError ? 'no time left in this run' : errorText(e);
  return { state: 'failed', reason: reason.slice(0, 200) };
}

const errorText = (e: unknown) => (e instanceof AppError ? e.message : e instanceof Error ? e.message : String(e));

// 3: devices of open incidents.
async function lookUp(initial: IncidentRecord, ctx: Ctx, records: Map<string, IncidentRecord>): Promise<void> {
  ensureTime(ctx);
  let r = initial;
  if (r.users.length === 0) {
    // The event named nobody: ask the incident's tool (bounded in time; a tool that is down is retried next run).
    const source = r.incident.source;
    if (!ctx.findUsers)
      return failIncident(
        r,
        `the ${source} event named no affected user, and no ${source} lookup is configured`,
        ctx,
        records,
      );
    let found: string[];
    try {
      found = await ctx.findUsers(r.incident);
    } catch (e) {
      if (isRetryable(e)) throw e;
      return failIncident(
        r,
        `looking up the affected user in ${source} failed: ${e instanceof AppError ? e.message : String(e)}`,
        ctx,
        records,
      );
    }
    if (!found.length)
      return failIncident(
        r,
        `no affected user found in ${source} for the incident (its alerts and custom fields)`,
        ctx,
        records,
      );
    r = await save({ ...r, users: found.slice(0, MAX_COMMAND_USERS) }, ctx, records);
    ctx.logger.info('affected users found in the incident tool', { key: r.key, source, users: r.users.length });
  }
  const known = new Set(r.devices.filter((d) => d.note !== 'earlier round').map((d) => d.deviceId));
  let devices: Awaited<ReturnType<TracePort['findDevices']>>;
  try {
    devices = await ctx.traces.findDevices(r.users, ctx.settings.lookbackHours);
  } catch (e) {
    if (isRetryable(e)) throw e;
    return failIncident(r, e instanceof AppError ? e.message : String(e), ctx, records);
  }
  if (devices.length === 0 && r.devices.every((d) => d.note === 'earlier round')) {
    return failIncident(
      r,
      `no ZDX device active in the last ${ctx.settings.lookbackHours} h for ${listText(r.users)}`,
      ctx,
      records,
    );
  }
  const entries = [...r.devices];
  for (const dev of devices) {
    if (known.has(dev.id)) continue;
    const past = entries.find((x) => x.deviceId === dev.id);
    const fresh: DeviceEntry = {
      deviceId: dev.id,
      deviceName: dev.name,
      phase: 'found',
      pastTraceIds: past?.pastTraceIds,
    };
    if (past) entries[entries.indexOf(past)] = fresh;
    else entries.push(fresh);
  }
  let next: IncidentRecord = { ...r, lookedUp: true, devices: entries };
  if (r.dryRun) next = await dryRun(next, ctx);
  await save(next, ctx, records);
}

async function failIncident(
  r: IncidentRecord,
  message: string,
  ctx: Ctx,
  records: Map<string, IncidentRecord>,
): Promise<void> {
  ctx.logger.warn('incident cannot be traced', { key: r.key, reason: message });
  const what = r.dryRun ? 'check a deep trace' : 'start a deep trace';
  await report(
    r,
    {
      kind: 'trace.start.failed',
      ok: false,
      text: `Could not ${what} for ${r.users.length ? listText(r.users) : `the incident ${r.incident.incidentId}`}: ${message}`,
      data: { incident: r.incident },
    },
    ctx,
  );
  await save({ ...r, lookedUp: true, failure: message, failureReported: true }, ctx, records);
}

/** A dry run: what would be traced, from the same reads a start makes; nothing is started. */
async function dryRun(r: IncidentRecord, ctx: Ctx): Promise<IncidentRecord> {
  const lines: string[] = [];
  const results: unknown[] = [];
  const devices: DeviceEntry[] = [];
  for (const d of r.devices) {
    if (d.phase !== 'found') {
      devices.push(d);
      continue;
    }
    ensureTime(ctx);
    const app = pickApp(await ctx.traces.deviceApps(d.deviceId, ctx.settings.lookbackHours), r.incident.service);
    lines.push(`${d.deviceName}: would-start${app ? ` (app ${app.name})` : ''}`);
    results.push({ deviceId: d.deviceId, deviceName: d.deviceName, result: 'would-start', appName: app?.name });
    audit(ctx, r, d, 'zdx.deeptrace.start', 'dry-run');
    devices.push({ ...d, phase: 'dropped', note: 'dry run', appName: app?.name });
  }
  await report(
    r,
    {
      kind: 'trace.dry-run',
      ok: true,
      text: `Dry run: would start a deep trace for ${subjectOf(r)} — ${lines.join('; ')}`,
      data: { incident: r.incident, results },
    },
    ctx,
  );
  return { ...r, devices };
}

/** Open incidents in the order their starts are served: most urgent, then oldest. */
function openByUrgency(records: Map<string, IncidentRecord>): IncidentRecord[] {
  return [...records.values()]
    .filter((r) => r.state === 'open')
    .sort((a, b) => a.priority - b.priority || a.openedAt.localeCompare(b.openedAt) || a.key.localeCompare(b.key));
}

const activeCount = (records: Map<string, IncidentRecord>) =>
  [...records.values()].flatMap((r) => r.devices).filter((d) => ACTIVE_PHASES.has(d.phase)).length;

/**
 * 3: looks up open incidents, most urgent first, until their devices fill the free slots (dry runs always: they
 * take none). Whoever is more urgent than a device about to start has then been looked up, so no start jumps it.
 */
async function lookUpForSlots(ctx: Ctx, records: Map<string, IncidentRecord>): Promise<void> {
  const free = ctx.settings.maxActiveTraces - activeCount(records);
  let ready = 0;
  for (const r of openByUrgency(records)) {
    const needsLookup = !r.lookedUp && !r.failure;
    if (r.dryRun) {
      if (needsLookup) await guarded(r.key, ctx, () => lookUp(records.get(r.key)!, ctx, records));
      continue;
    }
    if (ready >= free) continue;
    if (needsLookup) await guarded(r.key, ctx, () => lookUp(records.get(r.key)!, ctx, records));
    ready += records.get(r.key)!.devices.filter((d) => d.phase === 'found').length;
  }
}

/** The most a run spends preparing waiting starts; it also stops as soon as a check falls due. */
const PREPARE_BUDGET_MS = 5_000;

const isFresh = (p: PreparedStart | undefined, ctx: Ctx): p is PreparedStart =>
  !!p && ctx.now().getTime() - Date.parse(p.at) < PREPARED_MAX_AGE_MS;

/**
 * 5: while devices wait for slots, the next starts (as many as the tenant has slots, most urgent first) get their
 * app and probes read now, so a freed slot costs only the start; then the incidents not looked up yet are looked
 * up (their requesters hear they are queued). ZDX's rate is spare while everything waits for slots. Bounded per
 * run, and it yields to a due check. Returns true when work is left for the next run.
 */
async function prepareWaiting(ctx: Ctx, records: Map<string, IncidentRecord>): Promise<boolean> {
  const until = ctx.now().getTime() + PREPARE_BUDGET_MS;
  const outOfBudget = () => ctx.now().getTime() >= until || checkFallsDue(records, ctx);
  let next = 0;
  for (const r of openByUrgency(records)) {
    if (r.dryRun || r.failure) continue;
    if (next >= ctx.settings.maxActiveTraces) break;
    if (!r.lookedUp) {
      if (outOfBudget()) return true;
      ensureTime(ctx);
      await guarded(r.key, ctx, () => lookUp(records.get(r.key)!, ctx, records));
    }
    for (const d of records.get(r.key)!.devices.filter((x) => x.phase === 'found')) {
      if (next++ >= ctx.settings.maxActiveTraces) break;
      if (isFresh(d.prepared, ctx)) continue;
      if (outOfBudget()) return true;
      ensureTime(ctx);
      await guarded(r.key, ctx, async () => {
        const prepared = await readStartInputs(d.deviceId, r.incident.service, ctx);
        const cur = records.get(r.key)!;
        const entry = cur.devices.find((x) => x.deviceId === d.deviceId)!;
        if (entry.phase === 'found') await save(withDevice(cur, { ...entry, prepared }), ctx, records);
      });
    }
  }
  for (const r of openByUrgency(records).filter((x) => !x.dryRun && !x.lookedUp && !x.failure)) {
    if (outOfBudget()) return true;
    ensureTime(ctx);
    await guarded(r.key, ctx, () => lookUp(records.get(r.key)!, ctx, records));
  }
  return false;
}

/** A running trace not checked in this run has its check due now: the run should end so the next one checks it. */
function checkFallsDue(records: Map<string, IncidentRecord>, ctx: Ctx): boolean {
  const now = ctx.now().getTime();
  return [...records.values()]
    .flatMap((r) => r.devices)
    .some(
      (d) =>
        d.phase === 'running' &&
        (!d.lastCheckAt || Date.parse(d.lastCheckAt) < ctx.runStartedAt) &&
        checkDueAt(d, ctx) <= now,
    );
}

/** What a start sends besides its name: the incident's app on the device (or the worst-scoring one), its probes. */
async function readStartInputs(deviceId: number, service: string | undefined, ctx: Ctx): Promise<PreparedStart> {
  const hours = ctx.settings.lookbackHours;
  const app = pickApp(await ctx.traces.deviceApps(deviceId, hours), service);
  const webProbe = app ? (await ctx.traces.webProbes(deviceId, app.id, hours))[0] : undefined;
  const cloudPath = app ? (await ctx.traces.cloudPathProbes(deviceId, app.id, hours))[0] : undefined;
  return {
    appId: app?.id,
    appName: app?.name,
    webProbeId: webProbe?.id,
    cloudPathProbeId: cloudPath?.id,
    at: ctx.now().toISOString(),
  };
}

/** 4: starts within the budget, most urgent first. True when devices are left waiting because the slots are full. */
async function startInOrder(ctx: Ctx, records: Map<string, IncidentRecord>): Promise<boolean> {
  const queue = [...records.values()]
    .filter((r) => r.state === 'open' && !r.dryRun)
    .flatMap((r) =>
      r.devices
        .filter((d) => d.phase === 'found')
        .map((d) => ({ key: r.key, deviceId: d.deviceId, priority: r.priority, openedAt: r.openedAt })),
    )
    .sort((a, b) => a.priority - b.priority || a.openedAt.localeCompare(b.openedAt) || a.deviceId - b.deviceId);
  let tenantFull = false;
  const startedNow = new Map<string, DeviceEntry[]>();
  for (const item of queue) {
    if (tenantFull || activeCount(records) >= ctx.settings.maxActiveTraces) break;
    ensureTime(ctx);
    let outcome: Awaited<ReturnType<typeof startOne>>;
    await guarded(item.key, ctx, async () => {
      outcome = await startOne(item.key, item.deviceId, ctx, records);
    });
    if (outcome === 'tenant-full') tenantFull = true;
    else if (outcome) startedNow.set(item.key, [...(startedNow.get(item.key) ?? []), outcome]);
  }
  for (const [key, devices] of startedNow)
    await guarded(key, ctx, () => reportStarted(records.get(key)!, devices, ctx, records));
  return tenantFull || activeCount(records) >= ctx.settings.maxActiveTraces;
}

/** 7: every device still waiting for a slot is counted, and its incident told once how many are ahead of it. */
async function tellWaiting(ctx: Ctx, records: Map<string, IncidentRecord>): Promise<void> {
  let position = 0;
  ctx.result.waiting = 0;
  for (const r of openByUrgency(records).filter((x) => !x.dryRun)) {
    const waiting = records.get(r.key)!.devices.filter((d) => d.phase === 'found').length;
    if (!waiting) continue;
    const ahead = position;
    position += waiting;
    ctx.result.waiting += waiting;
    const cur = records.get(r.key)!;
    if (cur.queuedNoticeSent) continue;
    await guarded(r.key, ctx, async () => {
      await report(
        cur,
        {
          kind: 'trace.queued',
          ok: true,
          text: `Deep trace for ${subjectOf(cur)} queued: ${ahead} ahead; the tenant's ${ctx.settings.maxActiveTraces} deep-trace slots are in use. It starts when one frees.`,
          data: { incident: cur.incident, ahead },
        },
        ctx,
      );
      await save({ ...records.get(r.key)!, queuedNoticeSent: true }, ctx, records);
    });
  }
}

/** One device: adopt our trace, report a busy device, or start. Returns the running entry, or why not. */
async function startOne(
  key: string,
  deviceId: number,
  ctx: Ctx,
  records: Map<string, IncidentRecord>,
): Promise<DeviceEntry | 'tenant-full' | undefined> {
  let r = records.get(key)!;
  const d = r.devices.find((x) => x.deviceId === deviceId)!;
  const existing = await ctx.traces.listTraces(deviceId);
  const name = sessionNameFor(r.incident);
  const past = new Set(d.pastTraceIds ?? []);
  const ours = existing.find((t) => t.sessionName === name && !past.has(t.id));
  if (ours) {
    r = await adoptRunning(r, d, ours.id, ctx, records);
    return undefined;
  }
  const other = existing.find((t) => t.active);
  if (other) return markBusy(r, d, other.id, ctx, records);

  const inputs = isFresh(d.prepared, ctx) ? d.prepared : await readStartInputs(deviceId, r.incident.service, ctx);
  ensureTime(ctx);
  // The intent first: if the answer is lost or this run dies now, the next run finds the trace by its name.
  r = await save(
    // `prepared` keeps what the start sent: the app is what ZDX's score analysis of the finished trace asks about.
    withDevice(r, {
      ...d,
      phase: 'starting',
      startSentAt: ctx.now().toISOString(),
      appName: inputs.appName,
      prepared: inputs,
    }),
    ctx,
    records,
  );
  let traceId: string;
  try {
    traceId = await ctx.traces.startTrace(deviceId, {
      sessionName: name,
      appId: inputs.appId,
      webProbeId: inputs.webProbeId,
      cloudPathProbeId: inputs.cloudPathProbeId,
      sessionLengthMinutes: r.sessionMinutes ?? ctx.settings.sessionMinutes,
    });
  } catch (e) {
    const cur = records.get(key)!;
    const entry = cur.devices.find((x) => x.deviceId === deviceId)!;
    if (e instanceof TraceConflictError) {
      // The device's traces say which limit it was: ours (a lost answer) or someone else's trace on the device
      // won the race between our list and our start; neither means the tenant's budget is used up.
      const after = await ctx.traces.listTraces(deviceId);
      const winner = after.find((t) => t.sessionName === name && !past.has(t.id));
      if (winner) {
        await adoptRunning(cur, entry, winner.id, ctx, records);
        return undefined;
      }
      const busy = after.find((t) => t.active);
      if (busy) return markBusy(cur, entry, busy.id, ctx, records);
      await save(withDevice(cur, { ...entry, phase: 'found' }), ctx, records);
      ctx.logger.info('ZDX has no free deep-trace slot; starts wait for a slot', { key, deviceId });
      return 'tenant-full';
    }
    if (isRetryable(e)) throw e; // the intent stays `starting`: the next run looks for the trace first
    const message = e instanceof AppError ? e.message : String(e);
    audit(ctx, cur, entry, 'zdx.deeptrace.start', 'failed', { reason: message });
    await report(
      cur,
      {
        kind: 'trace.start.failed',
        ok: false,
        text: `Could not start a deep trace on ${entry.deviceName} for ${subjectOf(cur)}: ${message}`,
        data: { incident: cur.incident, deviceId: entry.deviceId, deviceName: entry.deviceName },
      },
      ctx,
    );
    await save(withDevice(records.get(key)!, { ...entry, phase: 'failed', note: message }), ctx, records);
    return undefined;
  }
  const running: DeviceEntry = {
    ...records.get(key)!.devices.find((x) => x.deviceId === deviceId)!,
    phase: 'running',
    traceId,
    startedAt: ctx.now().toISOString(),
    expectedEndAt: expectedEndFrom(ctx.now().toISOString(), records.get(key)!, ctx),
    lastCheckAt: ctx.now().toISOString(),
    checks: 0,
  };
  await save(withDevice(records.get(key)!, running), ctx, records);
  ctx.result.started++;
  audit(ctx, r, running, 'zdx.deeptrace.start', 'success', { after: { traceId: running.traceId } });
  return running;
}

async function markBusy(
  r: IncidentRecord,
  d: DeviceEntry,
  otherTraceId: string | undefined,
  ctx: Ctx,
  records: Map<string, IncidentRecord>,
): Promise<undefined> {
  audit(ctx, r, d, 'zdx.deeptrace.start', 'skipped', { reason: 'busy', after: { traceId: otherTraceId } });
  ctx.logger.metric('TracesBusy');
  await report(
    r,
    {
      kind: 'trace.busy',
      ok: false,
      text: `Deep trace for ${subjectOf(r)} — ${d.deviceName}: busy (another deep trace${otherTraceId ? ` ${otherTraceId}` : ''} is running on it; ZDX allows one per device)`,
      data: { incident: r.incident, deviceId: d.deviceId, traceId: otherTraceId },
    },
    ctx,
  );
  await save(withDevice(records.get(r.key)!, { ...d, phase: 'busy', note: otherTraceId }), ctx, records);
  return undefined;
}
