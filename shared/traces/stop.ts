/**
 * Incident resolved → stop (and delete) the traces this incident started, found by session name.
 * Idempotent: a second resolve finds nothing of ours and does nothing. Traces started by anyone else are
 * never touched.
 */
import type { TraceStop } from '../commands/contract.js';
import { findDevicesByEmail } from '../zdx/devices.js';
import { isActive, listTraces, stopTrace } from '../zdx/deepTraces.js';
import { isNotFound } from '../zscaler/errors.js';
import type { TraceDeps } from './deps.js';
import { belongsTo, sessionNameFor } from './session.js';

export async function stopIncidentTraces(cmd: TraceStop, deps: TraceDeps): Promise<{ stopped: string[] }> {
  const { zdx, settings } = deps;
  const devices = await findDevicesByEmail(zdx, cmd.userEmails, { lookbackHours: settings.lookbackHours });
  const stopped: string[] = [];
  for (const device of devices) {
    for (const trace of await listTraces(zdx, device.id)) {
      if (!belongsTo(trace, cmd.incident) || !isActive(trace.status)) continue;
      try {
        await stopTrace(zdx, device.id, trace.trace_id);
      } catch (e) {
        if (!isNotFound(e)) throw e; // already gone: the goal is met
      }
      stopped.push(trace.trace_id);
      deps.logger.audit({
        action: 'zdx.deeptrace.stop',
        trigger: { kind: cmd.requestedBy.kind, id: cmd.incident.incidentId, by: cmd.requestedBy.id },
        target: { deviceId: device.id, deviceName: device.name, sessionName: sessionNameFor(cmd.incident) },
        before: { traceId: trace.trace_id, status: trace.status },
        after: { traceId: trace.trace_id, status: 'stopped' },
        result: 'success',
      });
    }
  }
  return { stopped };
}
