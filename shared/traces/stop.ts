/**
 * Incident resolved → stop (and delete) the traces this incident started, found by session name.
 * Idempotent: a second resolve finds nothing of ours and does nothing. Traces started by anyone else are
 * never touched.
 */
import type { TraceStop } from '../commands/contract.js';
import type { TraceDeps } from './deps.js';
import { belongsTo, sessionNameFor } from './session.js';

export async function stopIncidentTraces(cmd: TraceStop, deps: TraceDeps): Promise<{ stopped: string[] }> {
  const { traces, settings } = deps;
  const devices = await traces.findDevices(cmd.userEmails, settings.lookbackHours);
  const stopped: string[] = [];
  for (const device of devices) {
    for (const trace of await traces.listTraces(device.id)) {
      if (!belongsTo(trace, cmd.incident) || !trace.active) continue;
      await traces.stopTrace(device.id, trace.id); // one already gone counts as stopped: the goal is met
      stopped.push(trace.id);
      deps.logger.audit({
        action: 'zdx.deeptrace.stop',
        trigger: { kind: cmd.requestedBy.kind, id: cmd.incident.incidentId, by: cmd.requestedBy.id },
        target: { deviceId: device.id, deviceName: device.name, sessionName: sessionNameFor(cmd.incident) },
        before: { traceId: trace.id, status: trace.status },
        after: { traceId: trace.id, status: 'stopped' },
        result: 'success',
      });
    }
  }
  return { stopped };
}
