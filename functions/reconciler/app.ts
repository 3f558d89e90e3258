/**
 * The reconciler, the only writer of ZPA policy. Its trigger is the FIFO policy queue (one message group), so
 * one message is handled at a time across all instances: the every-minute `reconcile` (put there by an
 * EventBridge rule) makes ZPA match the maintenance windows; `bypass.apply` / `bypass.remove` are ad-hoc
 * bypasses from chat. A direct invocation (a scheduled event, a manual test) runs one reconcile.
 */
import type { Context, SQSEvent, ScheduledEvent, SQSBatchResponse } from 'aws-lambda';
import { commandOfMessage, runReported } from '../../shared/commands/run.js';
import { runWithDeadline } from '../../shared/deadline.js';
import { isRetryable, ValidationError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { applyAdhocBypass, removeAdhocBypass } from '../../shared/bypass/adhoc.js';
import { runExclusive } from '../../shared/bypass/exclusive.js';
import type { BypassPort } from '../../shared/bypass/port.js';
import { describeOp, reconcile, type ReconcileResult } from '../../shared/bypass/reconcile.js';
import type { WindowsFile } from '../../shared/bypass/windows.js';
import { sqsHandler } from '../../shared/middleware/presets.js';
import { reportBestEffort, type Reporter } from '../../shared/reporting/reporter.js';
import { PoisonMessageError } from '../../shared/commands/contract.js';

export interface ReconcilerDeps {
  port: BypassPort;
  windows: () => WindowsFile;
  logger: Logger;
  reporter: Reporter;
  dryRun: boolean;
}

/** A scheduled reconcile older than this is skipped (a fresh one arrives every minute). */
export const STALE_TICK_MS = 90_000;

export function makeHandler(deps: ReconcilerDeps) {
  const reportedRefusals = new Set<string>();
  const runReconcile = (trigger: { kind: string; id: string }): Promise<ReconcileResult> =>
    runExclusive(() => reconcile({ port: deps.port, windows: deps.windows(), logger: deps.logger, dryRun: deps.dryRun, trigger }));

  /**
   * One reconcile with its reporting. A failure is reported (a bypass may be outliving its window) and then
   * thrown for a direct invocation (Lambda's error metric) but swallowed for a queued one: the next tick,
   * a minute later, runs again anyway, and a retried message would hold the FIFO group meanwhile.
   */
  const reconcileReported = async (trigger: { kind: string; id: string }, onFailure: 'throw' | 'report'): Promise<ReconcileSummary | undefined> => {
    let result: ReconcileResult;
    try {
      result = await runReconcile(trigger);
    } catch (e) {
      deps.logger.error('reconcile failed', { error: e });
      await reportBestEffort(deps, { kind: 'reconcile.failed', ok: false, text: `The maintenance reconcile failed and will run again: ${(e as Error).message}` });
      if (onFailure === 'throw') throw e;
      return undefined;
    }
    // A refused window is refused again every minute: report it once per container, log it every run.
    const refused = result.refused.filter((r) => !reportedRefusals.has(`${r.windowId}:${r.reason}`));
    if (refused.length || result.failed.length) {
      await reportBestEffort(deps, { kind: 'reconcile.problems', ok: false, text: [...refused.map((r) => `window ${r.windowId} refused: ${r.reason}`), ...result.failed.map((f) => `${describeOp(f.op)} failed: ${f.error}`)].join('\n'), data: { refused, failed: result.failed } });
      for (const r of refused) reportedRefusals.add(`${r.windowId}:${r.reason}`);
    }
    return summarise(result);
  };

  const fromQueue = sqsHandler(deps.logger, async (record) => {
    // Dropped (reported, logged at error) rather than redelivered: a retried message would hold the FIFO group.
    const command = await commandOfMessage(record.body, { receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1), onPoison: 'drop' }, deps);
    if (!command) return;
    const adhoc = { port: deps.port, guardrails: { ...deps.windows().guardrails, dryRun: deps.dryRun || deps.windows().guardrails.dryRun }, logger: deps.logger };
    await runReported(command, deps, async (logger) => {
      const scoped = { ...adhoc, logger };
      switch (command.type) {
        case 'bypass.apply':
        case 'bypass.remove': {
          const outcome = await runExclusive(() => (command.type === 'bypass.apply' ? applyAdhocBypass(command, scoped) : removeAdhocBypass(command, scoped))).catch((e: unknown) => {
            // The HTTP core has already retried within this invocation. A redelivery would hold the FIFO group
            // (every reconcile) for minutes: tell the requester now; asking again is safe (idempotent).
            if (!isRetryable(e)) throw e;
            throw new ValidationError(`ZPA did not answer in time (${(e as Error).message}); what was done stays consistent, ask again in a minute`);
          });
          // ZPA has changed: a reply target that is down must not fail (and so redeliver) the command.
          await reportBestEffort(deps, { kind: command.type, ok: true, text: outcome.text, data: outcome.data }, command.reply);
          return outcome;
        }
        case 'reconcile': {
          // Ticks that waited behind a long run or an outage are not worth running one by one: the next is due.
          const age = Date.now() - Number(record.attributes.SentTimestamp ?? Date.now());
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
  });

  // SQS (the policy queue: bypass commands and the every-minute reconcile), or a direct/scheduled invocation.
  return async (event: SQSEvent | ScheduledEvent, context: Context): Promise<SQSBatchResponse | ReconcileSummary | undefined> => {
    if ('Records' in event) return fromQueue(event, context);
    const deadline = Date.now() + (context.getRemainingTimeInMillis?.() ?? 60_000);
    return runWithDeadline(deadline, () => reconcileReported({ kind: 'schedule', id: event.id ?? 'schedule' }, 'throw'));
  };
}

export type ReconcileSummary = { dryRun: boolean; plan: string[]; done: number; failed: number; deferred: number; drift: number; refused: number };

const summarise = (r: ReconcileResult): ReconcileSummary => ({
  dryRun: r.dryRun, plan: r.plan.map(describeOp), done: r.done.length, failed: r.failed.length, deferred: r.deferred.length, drift: r.drift.length, refused: r.refused.length,
});
