/**
 * One delivery of the trace queue (FIFO, one message group: never two at once): the opens and resolves it
 * carries are applied to the ledger, then one reconcile pass runs, and a wake-up is asked for when something
 * will be due. A failure fails the whole batch, so SQS redelivers it in order; applying a command again is a
 * no-op, so nothing is done twice.
 */
import type { Command, TraceStart, TraceStop } from '../commands/contract.js';
import type { CommandQueue } from '../commands/queue.js';
import { commandOfMessage, type RunDeps } from '../commands/run.js';
import { reconcileTraces, type ReconcileTracesResult, type TraceReconcilerDeps } from './reconcile.js';

export interface TraceQueueDeps extends TraceReconcilerDeps, RunDeps {
  /** The work queue: wake-ups need a per-message delay, which a FIFO queue cannot give. */
  wakeQueue: CommandQueue;
}

export interface TraceQueueMessage {
  body: string;
  receiveCount: number;
}

export async function runTraceQueue(
  messages: readonly TraceQueueMessage[],
  deps: TraceQueueDeps,
): Promise<ReconcileTracesResult> {
  const commands: (TraceStart | TraceStop)[] = [];
  for (const m of messages) {
    const command = await commandOfMessage(m.body, { receiveCount: m.receiveCount, onPoison: 'drop' }, deps);
    if (!command || command.type === 'traces.reconcile') continue;
    if (command.type === 'trace.start' || command.type === 'trace.stop') commands.push(command);
    else deps.logger.error('command on the wrong queue dropped', { commandId: command.id, commandType: command.type });
  }
  // A full batch (FIFO event sources hand over at most 10) says more opens are probably queued behind it.
  const began = Date.now();
  const result = await reconcileTraces(commands, deps, { moreQueued: messages.length >= FULL_BATCH });
  deps.logger.info('trace reconcile', { ...result });
  const m = deps.logger;
  m.metric('TraceReconcileRuns');
  m.metric('TraceReconcileDuration', Date.now() - began, { unit: 'Milliseconds' });
  m.metric('TraceReconcileFailures', result.failed);
  m.metric('TracesStarted', result.started);
  m.metric('TracesStopped', result.stopped);
  m.metric('TracesWaiting', result.waiting);
  if (result.wakeAfterSeconds !== undefined)
    await deps.wakeQueue.send(wakeUp(result.wakeAfterSeconds), { delaySeconds: result.wakeAfterSeconds });
  return result;
}

/** The trace queue's batch size (serverless.yml `batchSize`, the most a FIFO event source hands over). */
export const FULL_BATCH = 10;

/**
 * The wake-up's id names the second it is due: runs compute it from the same ledger (a trace's next check), so
 * wake-ups asked for by runs close together carry the same id, and the FIFO queue's deduplication turns them
 * into one reconcile.
 */
export function wakeUp(afterSeconds: number, now = Date.now()): Command {
  const due = Math.ceil((now + afterSeconds * 1000) / 1000) * 1000;
  return { id: `wake-${due}`, type: 'traces.wake', dueAt: new Date(due).toISOString() };
}

/** The worker's relay: a due wake-up becomes a reconcile on the trace queue (same id: deduplicated there). */
export const relayWake = (wake: Extract<Command, { type: 'traces.wake' }>, traceQueue: CommandQueue) =>
  traceQueue.send({ id: wake.id, type: 'traces.reconcile', requestedBy: { kind: 'schedule', id: wake.id } });
