/**
 * SQS worker: each record on its own; only failed records are reported back (ReportBatchItemFailures),
 * so one bad message never re-runs its neighbours.
 */
import type { SQSRecord } from 'aws-lambda';
import { parseCommand, runTraceCommand } from '../../shared/actions/dispatch.js';
import type { TraceDeps } from '../../shared/actions/traces/deps.js';
import { sqsHandler } from '../../shared/middleware/presets.js';

export function makeHandler(deps: TraceDeps) {
  return sqsHandler(deps.logger, async (record: SQSRecord) => {
    const command = parseCommand(record.body);
    await runTraceCommand(command, deps);
  });
}
