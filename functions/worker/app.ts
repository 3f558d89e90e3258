/**
 * SQS worker: each record on its own; only failed records are reported back (ReportBatchItemFailures), so one
 * bad message never re-runs its neighbours. Runs the read-only `status`, relays the trace reconciler's
 * delayed wake-ups onto its FIFO queue, and settles the chat ingress's delayed command checks (receipts.ts). It calls no ZDX API: the trace reconciler is ZDX's only caller.
 */
import type { SQSRecord } from 'aws-lambda';
import { PoisonMessageError } from '../../shared/commands/contract.js';
import { queueOf, type CommandQueue } from '../../shared/commands/queue.js';
import { settleCheck } from '../../shared/commands/receipts.js';
import { commandOfMessage, runReported, type RunDeps } from '../../shared/commands/run.js';
import type { LedgerStore } from '../../shared/ledger/store.js';
import { sqsHandler } from '../../shared/middleware/presets.js';
import { collectStatus, type StatusPort } from '../../shared/status/status.js';
import { relayWake } from '../../shared/traces/run.js';
import { withStoppedWindows, type WindowStopStore } from '../../shared/windows/stops.js';

export interface WorkerDeps extends RunDeps {
  ledger: Pick<LedgerStore, 'listPending'>;
  /** The trace reconciler's queue, for wake-ups. */
  traceQueue: CommandQueue;
  /** ZPA reads for `status`; absent when no ZPA tenant is configured. */
  zpa?: StatusPort;
  /** The maintenance windows' emergency stops, which status lists (read only). */
  windowStops?: Pick<WindowStopStore, 'read'>;
}

export function makeHandler(deps: WorkerDeps) {
  return sqsHandler(deps.logger, async (record: SQSRecord) => {
    const command = await commandOfMessage(
      record.body,
      { receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1), onPoison: 'throw' },
      deps,
    );
    if (!command) return;
    if (command.type === 'traces.wake') return relayWake(command, deps.traceQueue);
    if (command.type === 'command.check') {
      if (!deps.receipts) throw new PoisonMessageError('command checks need receipts (LEDGER_TABLE)');
      await settleCheck(command, { ...deps, receipts: deps.receipts });
      return;
    }
    await runReported(command, deps, async () => {
      if (command.type !== 'status')
        throw new PoisonMessageError(
          `the worker does not handle ${command.type}; it belongs on the ${queueOf(command.type)} queue`,
        );
      const status = await collectStatus(command, deps);
      const outcome = deps.windowStops ? await withStoppedWindows(status, deps.windowStops) : status;
      await deps.reporter.report(outcome, command.reply);
      return outcome;
    });
  });
}
