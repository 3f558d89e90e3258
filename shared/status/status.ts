/**
 * `status`, read-only: the bypasses in force (from the markers ZPA itself holds: our forwarding rules and
 * bypassType-marked segments) and the deep traces on the named users' devices (ZDX has no tenant-wide
 * trace list, so traces are looked up per user). Runs in the worker, never on the policy queue: it writes
 * nothing and must not wait behind policy changes.
 */
import type { StatusCommand } from '../commands/contract.js';
import { parseRuleDescription, parseRuleName, parseSegmentMarker } from '../bypass/markers.js';
import type { BypassPort } from '../bypass/port.js';
import type { Outcome } from '../reporting/reporter.js';
import type { TraceDeps } from '../traces/deps.js';

/** The reads status needs from ZPA; the worker gets no ZPA write path. */
export type StatusPort = Pick<BypassPort, 'listForwardingRules' | 'listSegments'>;

export interface ActiveBypass {
  segments: string[];
  kind: 'ad-hoc' | 'window' | 'bypassType';
  until?: string;
  by?: string;
  reason?: string;
  expired: boolean;
}

export interface RunningTrace {
  email: string;
  deviceName: string;
  traceId: string;
  status: string;
  sessionName?: string;
}

export async function collectStatus(
  cmd: StatusCommand,
  deps: Pick<TraceDeps, 'traces' | 'settings'> & { zpa?: StatusPort; now?: () => Date },
): Promise<Outcome> {
  const now = deps.now?.() ?? new Date();
  const bypasses = deps.zpa ? await activeBypasses(deps.zpa, now) : undefined;
  const traces: RunningTrace[] = [];
  for (const email of cmd.userEmails ?? []) {
    for (const device of await deps.traces.findDevices([email], deps.settings.lookbackHours)) {
      for (const t of await deps.traces.listTraces(device.id)) {
        if (t.active) traces.push({ email, deviceName: device.name, traceId: t.id, status: t.status, sessionName: t.sessionName });
      }
    }
  }
  return { kind: 'status', ok: true, text: statusText(bypasses, traces, cmd.userEmails), data: { bypasses, traces } };
}

async function activeBypasses(zpa: StatusPort, now: Date): Promise<ActiveBypass[]> {
  const [rules, segments] = await Promise.all([zpa.listForwardingRules(), zpa.listSegments()]);
  const nameOf = new Map(segments.map((s) => [s.id, s.name]));
  const out: ActiveBypass[] = [];
  for (const rule of rules) {
    const marker = parseRuleName(rule.name);
    if (!marker) continue; // not ours
    const d = parseRuleDescription(rule.description);
    out.push({
      segments: rule.appIds.map((id) => nameOf.get(id) ?? id),
      kind: marker.kind === 'adhoc' ? 'ad-hoc' : 'window',
      until: d.until?.toISOString(), by: d.by, reason: marker.kind === 'window' ? `window ${marker.key}${d.reason ? `: ${d.reason}` : ''}` : d.reason,
      expired: !!d.until && d.until <= now,
    });
  }
  for (const seg of segments) {
    const m = parseSegmentMarker(seg.description);
    if (m) out.push({ segments: [seg.name], kind: 'bypassType', until: m.until.toISOString(), reason: `window ${m.windowId}`, expired: m.until <= now });
  }
  return out;
}

function statusText(bypasses: ActiveBypass[] | undefined, traces: RunningTrace[], emails: string[] | undefined): string {
  const lines: string[] = [];
  if (!bypasses) lines.push('Bypasses: unknown (ZPA_CUSTOMER_ID is not configured for the worker).');
  else if (!bypasses.length) lines.push('No bypass is active.');
  else {
    lines.push(`Active bypasses (${bypasses.length}):`);
    for (const b of bypasses) {
      const expiry = b.until ? (b.expired ? `expired ${b.until}, removed on the next reconcile` : `until ${b.until}`) : 'no expiry recorded';
      lines.push(`• ${b.segments.join(', ')} — ${b.kind}, ${expiry}${b.by ? `, asked by ${b.by}` : ''}${b.reason ? ` (${b.reason})` : ''}`);
    }
  }
  if (!emails?.length) lines.push('Running traces: name users to see theirs, e.g. "status me" or "status alice@example.com".');
  else if (!traces.length) lines.push(`No deep trace is running on the devices of ${emails.join(', ')}.`);
  else {
    lines.push(`Running deep traces (${traces.length}):`);
    for (const t of traces) lines.push(`• ${t.email} on ${t.deviceName}: trace ${t.traceId} ${t.status}${t.sessionName ? ` (${t.sessionName})` : ''}`);
  }
  return lines.join('\n');
}
