/**
 * The policy queue's commands, each run with its report, as the reconciler runs them: ad-hoc bypasses
 * (`bypass.apply` / `bypass.remove`, from chat) and the every-minute `reconcile`. The queue is FIFO with one
 * message group, so a message that fails and is redelivered holds every other policy change meanwhile: failures
 * are reported and the message finished wherever that is safe, rather than thrown for a redelivery.
 * One runner per container: it remembers which refused windows it has already reported.
 */
import type { MarkedSegmentStore } from './markedSegments.js';
import { type Command, PoisonMessageError } from '../commands/contract.js';
import { runReported } from '../commands/run.js';
import { isRetryable, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { reportBestEffort, type Reporter } from '../reporting/reporter.js';
import { type AdhocOutcome, applyAdhocBypass, removeAdhocBypass } from './adhoc.js';
import { runExclusive } from './exclusive.js';
import type { BypassPort } from './port.js';
import { describeOp, reconcile, type ReconcileResult } from './reconcile.js';
import type { WindowsFile } from './windows.js';
import { resumeWindow, stopWindow, type StopOutcome } from '../windows/emergencyStop.js';
import { describeStop, everythingStopped, stopsInForce, type WindowStopStore } from '../windows/stops.js';
import {
  type Declaration,
  type DeclaredRefusal,
  type DeclaredWindowStore,
  type DeclareOutcome,
  declareMaintenance,
  declaredWindows,
  withDeclaredWindows,
} from '../windows/declared.js';

export interface PolicyDeps {
  port: BypassPort;
  /** The windows file as it is now (re-read locally when it changes). */
  windows: () => WindowsFile;
  logger: Logger;
  reporter: Reporter;
  /** BYPASS_DRY_RUN for the whole deployment; the file's own `guardrails.dryRun` applies as well. */
  dryRun: boolean;
  /** BYPASS_OVERDUE_GRACE_SECONDS, in ms: past its end plus this, a bypass in force is overdue (overdue.ts). */
  overdueGraceMs?: number;
  /** The windows' emergency stops (shared/windows/stops.ts); absent: `window stop` is refused as not configured. */
  windowStops?: WindowStopStore;
  /** Where the segments our markers are on are recorded (markedSegments.ts); absent: every run reads the whole tenant. */
  markedSegments?: MarkedSegmentStore;
  /**
   * Maintenances declared by a status page (shared/windows/declared.ts), merged with the file's windows on every
   * run; absent: `maintenance.declare` is refused as not configured.
   */
  declaredWindows?: DeclaredWindowStore;
}

/** A scheduled reconcile older than this is skipped (a fresh one arrives every minute). */
export const STALE_TICK_MS = 90_000;

/** What one reconcile did, in the handler's answer to a direct invocation. */
export type ReconcileSummary = {
  dryRun: boolean;
  plan: string[];
  done: number;
  failed: number;
  deferred: number;
  drift: number;
  refused: number;
};

type Trigger = { kind: string; id: string };

interface PolicyRunner {
  /**
   * One command from the policy queue. `sentAt`: when SQS received it (ms since the epoch; absent: now), which
   * decides whether a scheduled reconcile is stale. Resolves with what was done (undefined for a skipped or
   * failed reconcile, `{ failed }` for a command reported as failed).
   */
  runCommand(
    command: Command,
    meta?: { sentAt?: number },
  ): Promise<AdhocOutcome | StopOutcome | DeclareOutcome | ReconcileSummary | { failed: string } | undefined>;
  /** One reconcile outside the queue (a scheduled event, a manual invocation): a failure is reported, then thrown (Lambda's error metric). */
  reconcileNow(trigger: Trigger): Promise<ReconcileSummary>;
}

export function createPolicyRunner(deps: PolicyDeps): PolicyRunner {
  const reportedRefusals = new Set<string>();
  /** The declarations read last: a run whose read fails uses them rather than tear their bypasses down. */
  let lastDeclared: Declaration[] | undefined;

  /**
   * The windows file with the declared maintenances running now merged in, and the declared ones refused. A
   * declaration store that cannot be read is not "no declarations" (that would end their bypasses): the ones read
   * last in this container stand in, and with none read yet the run fails and the next one retries.
   */
  async function windowsNow(): Promise<{ file: WindowsFile; refused: DeclaredRefusal[] }> {
    const file = deps.windows();
    if (!deps.declaredWindows) return { file, refused: [] };
    let declarations: Declaration[];
    try {
      declarations = (await deps.declaredWindows.read()).declarations;
      lastDeclared = declarations;
    } catch (e) {
      if (!lastDeclared) throw e;
      deps.logger.error('declared maintenances could not be read; using the ones read last', { error: e });
      declarations = lastDeclared;
    }
    const { windows, refused } = declaredWindows(declarations, file, new Date());
    return { file: withDeclaredWindows(file, windows), refused };
  }

  /**
   * One reconcile with its reporting. A failure is reported (a bypass may be outliving its window) and then
   * thrown for a direct invocation but swallowed for a queued one: the next tick, a minute later, runs again
   * anyway, and a retried message would hold the FIFO group meanwhile.
   */
  async function reconcileReported(trigger: Trigger, onFailure: 'throw'): Promise<ReconcileSummary>;
  async function reconcileReported(trigger: Trigger, onFailure: 'report'): Promise<ReconcileSummary | undefined>;
  async function reconcileReported(
    trigger: Trigger,
    onFailure: 'throw' | 'report',
  ): Promise<ReconcileSummary | undefined> {
    let result: ReconcileResult;
    let declaredRefused: DeclaredRefusal[] = [];
    const began = Date.now();
    deps.logger.metric('ReconcileRuns');
    try {
      const stops = await readStops();
      const now = await windowsNow();
      declaredRefused = now.refused;
      result = await runExclusive(() =>
        reconcile({
          stops,
          port: deps.port,
          windows: now.file,
          logger: deps.logger,
          dryRun: deps.dryRun,
          trigger,
          overdueGraceMs: deps.overdueGraceMs,
          markedSegments: deps.markedSegments,
        }),
      );
    } catch (e) {
      // Counted, whether thrown or swallowed: a queued reconcile's failure is otherwise invisible to Lambda's
      // error metric, and the ReconcileFailing alarm watches this.
      deps.logger.metric('ReconcileFailures');
      deps.logger.error('reconcile failed', { error: e });
      await reportBestEffort(deps, {
        kind: 'reconcile.failed',
        ok: false,
        text: `The maintenance reconcile failed and will run again: ${(e as Error).message}`,
      });
      if (onFailure === 'throw') throw e;
      return undefined;
    }
    deps.logger.metric('ReconcileDuration', Date.now() - began, { unit: 'Milliseconds' });
    if (result.failed.length) deps.logger.metric('ReconcileFailures', result.failed.length);
    if (result.refused.length) deps.logger.metric('BypassesRefused', result.refused.length);
    // A declared maintenance refused before planning (unmapped, too long, another page) bypasses nothing: said
    // like a refused window of the file.
    for (const r of declaredRefused) deps.logger.error('maintenance window refused', r);
    if (declaredRefused.length) deps.logger.metric('BypassesRefused', declaredRefused.length);
    result = { ...result, refused: [...result.refused, ...declaredRefused] };
    // A refused window is refused again every minute: report it once per container, log it every run.
    const refused = result.refused.filter((r) => !reportedRefusals.has(`${r.windowId}:${r.reason}`));
    if (refused.length || result.failed.length) {
      await reportBestEffort(deps, {
        kind: 'reconcile.problems',
        ok: false,
        text: [
          ...refused.map((r) => `window ${r.windowId} refused: ${r.reason}`),
          ...result.failed.map((f) => `${describeOp(f.op)} failed: ${f.error}`),
        ].join('\n'),
        data: { refused, failed: result.failed },
      });
      for (const r of refused) reportedRefusals.add(`${r.windowId}:${r.reason}`);
    }
    return summarise(result);
  }

  /** The stops in force, or why they could not be read (reconcile.ts then changes no running window). */
  async function readStops() {
    if (!deps.windowStops) return undefined;
    try {
      return stopsInForce((await deps.windowStops.read()).stops, new Date());
    } catch (e) {
      deps.logger.error('window stops could not be read; running windows are left as they are', { error: e });
      return { unreadable: (e as Error).message };
    }
  }

  /** `window stop all` refuses new ad-hoc bypasses until `window resume all` (stops that cannot be read do not). */
  async function refuseWhileEverythingStopped(): Promise<void> {
    const stops = await readStops();
    const all = Array.isArray(stops) ? everythingStopped(stops) : undefined;
    if (all)
      throw new ValidationError(
        `every bypass is stopped (${describeStop(all)}); "window resume all" lifts that, then ask again`,
      );
  }

  /**
   * After a change to what should be true (a stop, a resume, a declared maintenance): one reconcile at once, so
   * ZPA follows now rather than at the next tick, then the requester's answer, saying so if ZPA has not followed.
   */
  async function followAndReport<O extends { text: string; changed: boolean; data: Record<string, unknown> }>(
    command: Command & { requestedBy: { kind: string } },
    outcome: O,
  ): Promise<O> {
    const summary = outcome.changed
      ? await reconcileReported({ kind: command.requestedBy.kind, id: command.id }, 'report')
      : undefined;
    const text =
      outcome.changed && !summary
        ? `${outcome.text} The reconcile that makes ZPA follow failed; the next one, within a minute, retries.`
        : outcome.text;
    await reportBestEffort(
      deps,
      { kind: command.type, ok: true, text, data: { ...outcome.data, ...(summary ? { reconcile: summary } : {}) } },
      command.reply,
    );
    return outcome;
  }

  async function runCommand(command: Command, meta: { sentAt?: number } = {}) {
    // Read before the command runs, for every command: a windows file that cannot be read fails the message
    // (thrown, not reported).
    const guardrails = deps.windows().guardrails;
    const adhoc = { port: deps.port, guardrails: { ...guardrails, dryRun: deps.dryRun || guardrails.dryRun } };
    return runReported(command, deps, async (logger) => {
      switch (command.type) {
        case 'bypass.apply':
        case 'bypass.remove': {
          if (command.type === 'bypass.apply') await refuseWhileEverythingStopped();
          const scoped = { ...adhoc, logger };
          const outcome = await runExclusive(() =>
            command.type === 'bypass.apply' ? applyAdhocBypass(command, scoped) : removeAdhocBypass(command, scoped),
          ).catch((e: unknown) => {
            // The HTTP core has already retried within this invocation. A redelivery would hold the FIFO group
            // (every reconcile) for minutes: tell the requester now; asking again is safe (idempotent).
            if (!isRetryable(e)) throw e;
            throw new ValidationError(
              `ZPA did not answer in time (${(e as Error).message}); what was done stays consistent, ask again in a minute`,
            );
          });
          // ZPA has changed: a reply target that is down must not fail (and so redeliver) the command.
          await reportBestEffort(
            deps,
            { kind: command.type, ok: true, text: outcome.text, data: outcome.data },
            command.reply,
          );
          return outcome;
        }
        case 'window.stop':
        case 'window.resume': {
          const store = deps.windowStops;
          if (!store)
            throw new ValidationError('emergency stops are not configured in this deployment (no LEDGER_TABLE)');
          // The file's windows and the declared maintenances running now: either may be stopped.
          const scoped = { store, windows: (await windowsNow()).file, logger };
          const outcome = await runExclusive(() =>
            command.type === 'window.stop' ? stopWindow(command, scoped) : resumeWindow(command, scoped),
          );
          // ZPA follows now, not at the next tick: the same reconcile as every minute's, with the new stops.
          return followAndReport(command, outcome);
        }
        case 'maintenance.declare': {
          const store = deps.declaredWindows;
          if (!store)
            throw new ValidationError('declared maintenances are not configured in this deployment (no LEDGER_TABLE)');
          const scoped = { store, windows: deps.windows(), logger };
          const outcome = await runExclusive(() => declareMaintenance(command, scoped));
          // ZPA follows now (the maintenance may have just started or ended), not at the next tick.
          return followAndReport(command, outcome);
        }
        case 'reconcile': {
          // Ticks that waited behind a long run or an outage are not worth running one by one: the next is due.
          const age = Date.now() - (meta.sentAt ?? Date.now());
          if (command.requestedBy.kind === 'schedule' && age > STALE_TICK_MS) {
            logger.info('skipping a stale reconcile tick', { ageMs: age });
            return undefined;
          }
          return reconcileReported({ kind: command.requestedBy.kind, id: command.id }, 'report');
        }
        default:
          throw new PoisonMessageError(`the reconciler does not handle ${command.type}; it belongs on the work queue`);
      }
    });
  }

  return { runCommand, reconcileNow: (trigger) => reconcileReported(trigger, 'throw') };
}

const summarise = (r: ReconcileResult): ReconcileSummary => ({
  dryRun: r.dryRun,
  plan: r.plan.map(describeOp),
  done: r.done.length,
  failed: r.failed.length,
  deferred: r.deferred.length,
  drift: r.drift.length,
  refused: r.refused.length,
});
