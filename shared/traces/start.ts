/**
 * Incident opened → a deep trace on each of the affected user's devices.
 * Idempotent: a device that already carries this incident's trace is skipped, so redelivered or
 * duplicated webhooks start exactly one trace; a device busy with another trace is skipped and reported
 * (ZDX allows one active trace per device).
 */
import { NotFoundError } from '../errors.js';
import type { TraceStart } from '../commands/contract.js';
import type { TraceDeps } from './deps.js';
import { TraceConflictError, type TraceDevice } from './port.js';
import { belongsTo, pickApp, sessionNameFor } from './session.js';

export type DeviceResult =
  | { deviceId: number; deviceName: string; result: 'started'; traceId: string; appName?: string }
  | { deviceId: number; deviceName: string; result: 'already-tracing'; traceId: string }
  | { deviceId: number; deviceName: string; result: 'busy'; traceId: string }
  | { deviceId: number; deviceName: string; result: 'would-start'; traceId?: undefined; appName?: string };

export async function startIncidentTraces(cmd: TraceStart, deps: TraceDeps): Promise<DeviceResult[]> {
  const { traces, settings } = deps;
  const devices = await traces.findDevices(cmd.userEmails, settings.lookbackHours);
  if (devices.length === 0) {
    throw new NotFoundError(`no ZDX device active in the last ${settings.lookbackHours} h for ${cmd.userEmails.join(', ')}`);
  }
  const results: DeviceResult[] = [];
  for (const device of devices) results.push(await startOnDevice(cmd, device, deps));

  for (const r of results) {
    deps.logger.audit({
      action: 'zdx.deeptrace.start',
      trigger: { kind: cmd.requestedBy.kind, id: cmd.incident.incidentId, by: cmd.requestedBy.id },
      target: { deviceId: r.deviceId, deviceName: r.deviceName, sessionName: sessionNameFor(cmd.incident) },
      after: { traceId: r.traceId },
      result: r.result === 'started' ? 'success' : r.result === 'would-start' ? 'dry-run' : 'skipped',
      reason: r.result === 'started' || r.result === 'would-start' ? undefined : r.result,
    });
    if (r.result === 'started') {
      await deps.queue.send(
        { id: `${cmd.id}:check:${r.deviceId}`, type: 'trace.check', incident: cmd.incident, deviceId: r.deviceId, deviceName: r.deviceName, traceId: r.traceId, check: 1, reply: cmd.reply },
        { delaySeconds: settings.checkDelaySeconds },
      );
    }
  }
  return results;
}

async function startOnDevice(cmd: TraceStart, device: TraceDevice, deps: TraceDeps): Promise<DeviceResult> {
  const { traces, settings } = deps;
  const base = { deviceId: device.id, deviceName: device.name };
  const existing = await traces.listTraces(device.id);
  const ours = existing.find((t) => belongsTo(t, cmd.incident));
  if (ours) return { ...base, result: 'already-tracing', traceId: ours.id };
  const busy = existing.find((t) => t.active);
  if (busy) return { ...base, result: 'busy', traceId: busy.id };

  const app = pickApp(await traces.deviceApps(device.id, settings.lookbackHours), cmd.incident.service);
  const webProbe = app ? (await traces.webProbes(device.id, app.id, settings.lookbackHours))[0] : undefined;
  const cloudPath = app ? (await traces.cloudPathProbes(device.id, app.id, settings.lookbackHours))[0] : undefined;
  if (cmd.dryRun) return { ...base, result: 'would-start', appName: app?.name };
  try {
    const traceId = await traces.startTrace(device.id, {
      sessionName: sessionNameFor(cmd.incident),
      appId: app?.id,
      webProbeId: webProbe?.id,
      cloudPathProbeId: cloudPath?.id,
      sessionLengthMinutes: cmd.sessionMinutes ?? settings.sessionMinutes,
    });
    return { ...base, result: 'started', traceId, appName: app?.name };
  } catch (e) {
    if (!(e instanceof TraceConflictError)) throw e;
    // A trace appeared between our list and our start: another delivery of this incident's, or someone else's.
    const after = await traces.listTraces(device.id);
    const winner = after.find((t) => belongsTo(t, cmd.incident));
    if (winner) return { ...base, result: 'already-tracing', traceId: winner.id };
    const other = after.find((t) => t.active);
    if (other) return { ...base, result: 'busy', traceId: other.id };
    throw e;
  }
}
