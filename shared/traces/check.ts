/**
 * Tracks a running trace without any Lambda waiting: each check either re-enqueues itself with an SQS
 * delay, or — once ZDX says the trace is over — collects the results and reports a summary.
 */
import type { TraceCheck } from '../commands/contract.js';
import type { TraceDeps } from './deps.js';
import { summariseSeries, summaryText } from './summary.js';

export type CheckResult = 'rescheduled' | 'reported' | 'gone' | 'gave-up';

export async function checkIncidentTrace(cmd: TraceCheck, deps: TraceDeps): Promise<CheckResult> {
  const { traces, settings } = deps;
  const device = cmd.deviceName ?? String(cmd.deviceId);
  const trace = await traces.getTrace(cmd.deviceId, cmd.traceId);
  // Stopped and deleted (the incident resolved, or someone stopped it in the UI): nothing to report.
  if (!trace) {
    deps.logger.info('trace no longer exists; tracking ends', { traceId: cmd.traceId, deviceId: cmd.deviceId });
    return 'gone';
  }

  if (trace.active) {
    if (cmd.check >= settings.maxChecks) {
      await deps.reporter.report(
        { kind: 'trace.tracking-stopped', ok: false, text: `Stopped tracking deep trace ${cmd.traceId} on ${device} after ${cmd.check} checks; it is still ${trace.status} in ZDX.`, data: { incident: cmd.incident, traceId: cmd.traceId } },
        cmd.reply,
      );
      return 'gave-up';
    }
    await deps.queue.send({ ...cmd, check: cmd.check + 1 }, { delaySeconds: settings.checkDelaySeconds });
    return 'rescheduled';
  }

  const results = await traces.traceResults(cmd.deviceId, cmd.traceId);
  const series = summariseSeries(results);
  await deps.reporter.report(
    {
      kind: 'trace.completed',
      ok: true,
      text: summaryText(device, series),
      data: { incident: cmd.incident, deviceId: cmd.deviceId, deviceName: cmd.deviceName, traceId: cmd.traceId, status: trace.status, startedAt: trace.startedAt, endedAt: trace.endedAt, series },
    },
    cmd.reply,
  );
  return 'reported';
}
