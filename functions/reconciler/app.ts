/**
 * The reconciler, the only writer of ZPA policy. Its trigger is the FIFO policy queue (one message group), so
 * one message is handled at a time across all instances: the every-minute `reconcile` (put there by an
 * EventBridge rule) makes ZPA match the maintenance windows; `bypass.apply` / `bypass.remove` are ad-hoc
 * bypasses from chat. A direct invocation (a scheduled event, a manual test) runs one reconcile. What each
 * does, and what is reported, is shared/bypass/run.ts.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord, ScheduledEvent } from 'aws-lambda';
import { commandOfMessage } from '../../shared/commands/run.js';
import { runWithDeadline } from '../../shared/deadline.js';
import { createPolicyRunner, type PolicyDeps, type ReconcileSummary } from '../../shared/bypass/run.js';
import { sqsHandler } from '../../shared/middleware/presets.js';

export function makeHandler(deps: PolicyDeps) {
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
    await policy.runCommand(command, { sentAt: sent == null ? undefined : Number(sent) });
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
