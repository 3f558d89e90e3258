/**
 * SQS worker: each record on its own; only failed records are reported back (ReportBatchItemFailures),
 * so one bad message never re-runs its neighbours. Runs the deep-trace commands and the read-only
 * `status`; policy writes belong to the reconciler.
 */
import type { SQSRecord } from 'aws-lambda';
import { commandOfMessage, runReported } from '../../shared/commands/run.js';
import { runTraceCommand } from '../../shared/traces/run.js';
import { collectStatus, type StatusPort } from '../../shared/status/status.js';
import type { TraceDeps } from '../../shared/traces/deps.js';
import { sqsHandler } from '../../shared/middleware/presets.js';

export interface WorkerDeps extends TraceDeps {
  /** ZPA reads for `status`; absent when no ZPA tenant is configured. */
  zpa?: StatusPort;
}

export function makeHandler(deps: WorkerDeps) {
  return sqsHandler(deps.logger, async (record: SQSRecord) => {
    const command = await commandOfMessage(record.body, { receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1), onPoison: 'throw' }, deps);
    if (!command) return;
    if (command.type !== 'status') return void (await runTraceCommand(command, deps));
    await runReported(command, deps, async () => {
      const outcome = await collectStatus(command, deps);
      await deps.reporter.report(outcome, command.reply);
      return outcome;
    });
  });
}
