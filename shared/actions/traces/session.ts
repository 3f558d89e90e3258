/**
 * The deep trace's session name is where the system of record keeps *which incident* a trace belongs to:
 * a duplicate delivery, a check or a resolve finds "our" trace by listing the device's traces, with no
 * database of our own.
 */
import type { IncidentRef } from '../../commands.js';
import type { DeviceApp } from '../../zdx/apps.js';
import type { DeepTrace } from '../../zdx/deepTraces.js';

const PREFIX = 'zea';
const MAX_LEN = 100;

/** `zea:<source>:<incidentId>` — short, greppable in the ZDX UI, and parseable back. */
export function sessionNameFor(incident: Pick<IncidentRef, 'source' | 'incidentId'>): string {
  return `${PREFIX}:${incident.source}:${incident.incidentId}`.slice(0, MAX_LEN);
}

export const belongsTo = (trace: DeepTrace, incident: Pick<IncidentRef, 'source' | 'incidentId'>): boolean =>
  trace.trace_details?.session_name === sessionNameFor(incident);

/**
 * The app to trace: the one named like the incident's service when there is one (e.g. PagerDuty service
 * "Payroll Portal" → ZDX app "Payroll Portal"), otherwise the app with the worst ZDX score on the device.
 */
export function pickApp(apps: readonly DeviceApp[], service?: string): DeviceApp | undefined {
  const wanted = service?.trim().toLowerCase();
  if (wanted) {
    const named = apps.find((a) => a.name.toLowerCase() === wanted) ?? apps.find((a) => wanted.includes(a.name.toLowerCase()) || a.name.toLowerCase().includes(wanted));
    if (named) return named;
  }
  const scored = apps.filter((a) => typeof a.score === 'number' && a.score >= 0);
  return [...scored].sort((a, b) => (a.score ?? 0) - (b.score ?? 0))[0] ?? apps[0];
}
