/**
 * The trace reconciler: the only ZDX caller of the deep-trace side. Its one trigger is the FIFO trace queue
 * with one message group, so one batch is handled at a time across all instances. A failed run fails the whole
 * batch (FIFO order is kept; applying a command twice is a no-op).
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { MAX_RECEIVE_COUNT } from '../../shared/aws/queue.js';
import { runWithDeadline } from '../../shared/deadline.js';
import { runTraceQueue, type TraceQueueDeps } from '../../shared/traces/run.js';

export type TraceReconcilerHandlerDeps = TraceQueueDeps;

export function makeHandler(deps: TraceReconcilerHandlerDeps) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const deadline = Date.now() + (context.getRemainingTimeInMillis?.() ?? 60_000);
    const messages = event.Records.map((r) => ({
      body: r.body,
      receiveCount: Number(r.attributes.ApproximateReceiveCount ?? 1),
    }));
    try {
      await runWithDeadline(deadline, () => runTraceQueue(messages, deps));
      return { batchItemFailures: [] };
    } catch (e) {
      deps.logger.metric('TraceReconcileFailures');
      // Messages on their last delivery now go to the DLQ (the redrive policy): counted for the dead-letters alarm.
      const last = messages.filter((m) => m.receiveCount >= MAX_RECEIVE_COUNT).length;
      if (last) deps.logger.metric('DeadLetters', last);
      deps.logger.error('trace reconcile failed; SQS will redeliver the batch', {
        error: e,
        messages: event.Records.length,
        toDeadLetterQueue: last,
      });
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    }
  };
}
