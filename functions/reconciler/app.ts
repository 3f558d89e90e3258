/**
 * The reconciler, the only writer of ZPA policy. Its trigger is the FIFO policy queue (one message group), so
 * one message is handled at a time across all instances: the every-minute `reconcile` (put there by an
 * EventBridge rule) makes ZPA match the maintenance windows; `bypass.apply` / `bypass.remove` are ad-hoc
 * bypasses from chat. A direct invocation (a scheduled event, a manual test) runs one reconcile. What each
 * does, and what is reported, is shared/bypass/run.ts.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord, ScheduledEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { Command } from '../../shared/commands/contract.js';
import type { CommandQueue } from '../../shared/commands/queue.js';
import { commandOfMessage, type RunDeps } from '../../shared/commands/run.js';
import { runWithDeadline } from '../../shared/deadline.js';
import { createPolicyRunner, type PolicyDeps, type ReconcileSummary } from '../../shared/bypass/run.js';
import { sqsHandler } from '../../shared/middleware/presets.js';

export interface ReconcilerDeps extends PolicyDeps, Pick<RunDeps, 'receipts'> {
  /** The policy queue itself: a reconcile that ran out of time continues at once, not at the next tick. */
  policyQueue?: CommandQueue;
}

export function makeHandler(deps: ReconcilerDeps) {
  const policy = createPolicyRunner(deps);
  const fromQueue = sqsHandler(deps.logger, async (record: SQSRecord) => {
    // Dropped (reported, logged at error) rather than redelivered: a retried message would hold the FIFO group.
    const command = await commandOfMessage(
      record.body,
      { receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1), onPoison: 'drop' },
      deps,
    );
    if (!command) return;
    const sent = record.attributes.SentTimestamp;
    const result = await policy.runCommand(command, { sentAt: sent == null ? undefined : Number(sent) });
    await continueIfDeferred(command, result, deps);
  });

  return async (
    event: SQSEvent | ScheduledEvent,
    context: Context,
  ): Promise<SQSBatchResponse | ReconcileSummary | undefined> => {
    if ('Records' in event) return fromQueue(event, context);
    const deadline = Date.now() + (context.getRemainingTimeInMillis?.() ?? 60_000);
    return runWithDeadline(deadline, () => policy.reconcileNow({ kind: 'schedule', id: event.id ?? 'schedule' }));
  };
}

/**
 * A reconcile that stopped at its deadline with work left (a long window: ZPA takes 10 writes per 10 s) is
 * continued by a `reconcile` put behind it on the policy queue, so the next run starts as soon as this message is
 * done rather than at the next tick up to a minute later. Only when the run made progress: one that did nothing
 * and still deferred waits for the tick (no loop of empty runs).
 */
async function continueIfDeferred(command: Command, result: unknown, deps: ReconcilerDeps): Promise<void> {
  if (command.type !== 'reconcile' || !deps.policyQueue || !result || typeof result !== 'object') return;
  const summary = result as Partial<ReconcileSummary>;
  if (!summary.deferred || !summary.done) return;
  await deps.policyQueue.send({
    id: `continue-${randomUUID()}`,
    type: 'reconcile',
    requestedBy: { kind: 'schedule', id: `continues ${command.id}` },
    correlationId: command.correlationId ?? command.id,
  });
  deps.logger.info('reconcile continues at once', { deferred: summary.deferred, done: summary.done });
}
