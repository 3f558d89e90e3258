/**
 * The deep trace's session name is where the system of record keeps *which incident* a trace belongs to:
 * a duplicate delivery, a check or a resolve finds "our" trace by listing the device's traces, with no
 * database of our own.
 */
import { createHash } from 'node:crypto';
import type { IncidentRef } from '../commands/contract.js';
import type { Trace, TraceApp } from './port.js';

const PREFIX = 'zea';
/** ZDX's limit on a session name. */
export const MAX_SESSION_NAME = 100;
const HASH_CHARS = 16;

/**
 * `zea:<source>:<incidentId>` — short, greppable in the ZDX UI, and parseable back. A name that does not fit
 * (a generic incident id may be 256 characters) keeps its start and ends in `~<hash of the whole name>`, so two
 * long ids sharing a prefix still get different names. Such names are exactly the limit long, and names that
 * fit are shorter than it, so a hashed name can never equal another incident's plain one.
 */
export function sessionNameFor(incident: Pick<IncidentRef, 'source' | 'incidentId'>): string {
  const full = `${PREFIX}:${incident.source}:${incident.incidentId}`;
  if (full.length < MAX_SESSION_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, HASH_CHARS);
  return `${full.slice(0, MAX_SESSION_NAME - HASH_CHARS - 1)}~${hash}`;
}

export const belongsTo = (trace: Trace, incident: Pick<IncidentRef, 'source' | 'incidentId'>): boolean =>
  trace.sessionName === sessionNameFor(incident);

/**
 * The app to trace: the one named like the incident's service when there is one (e.g. PagerDuty service
 * "Payroll Portal" → ZDX app "Payroll Portal"), otherwise the app with the worst ZDX score on the device.
 */
export function pickApp(apps: readonly TraceApp[], service?: string): TraceApp | undefined {
  const wanted = service?.trim().toLowerCase();
  if (wanted) {
    const named =
      apps.find((a) => a.name.toLowerCase() === wanted) ??
      apps.find((a) => wanted.includes(a.name.toLowerCase()) || a.name.toLowerCase().includes(wanted));
    if (named) return named;
  }
  const scored = apps.filter((a) => typeof a.score === 'number' && a.score >= 0);
  return [...scored].sort((a, b) => (a.score ?? 0) - (b.score ?? 0))[0] ?? apps[0];
}
