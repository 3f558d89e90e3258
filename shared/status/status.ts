/**
 * `status`, read-only: the bypasses in force (from the markers ZPA itself holds: our forwarding rules and
 * bypassType-marked segments) and the deep traces this tool runs or has waiting (from the incident ledger).
 * Runs in the worker, never on the policy or trace queue: it writes nothing and must not wait behind changes.
 */
import type { StatusCommand } from '../commands/contract.js';
import { parseRuleDescription, parseRuleName, parseSegmentMarker } from '../bypass/markers.js';
import type { BypassPort } from '../bypass/port.js';
import type { Outcome } from '../reporting/reporter.js';
import type { LedgerStore } from '../ledger/store.js';

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

export interface TrackedTrace {
  incident: string;
  users: string[];
  deviceName: string;
  state: 'running' | 'starting' | 'waiting';
  traceId?: string;
}

/**
 * Bypasses from ZPA, deep traces from the incident ledger: every trace this tool runs or has waiting for a slot,
 * tenant-wide, or those of the users named. (ZDX itself is never called here: the trace reconciler is its
 * only caller.)
 */
export async function collectStatus(
  cmd: StatusCommand,
  deps: { ledger: Pick<LedgerStore, 'listPending'>; zpa?: StatusPort; now?: () => Date },
): Promise<Outcome> {
  const now = deps.now?.() ?? new Date();
  const [bypasses, pending] = await Promise.all([
    deps.zpa ? activeBypasses(deps.zpa, now) : undefined,
    deps.ledger.listPending(),
  ]);
  const named = new Set(cmd.userEmails ?? []);
  const traces: TrackedTrace[] = [];
  for (const r of pending.filter((x) => x.state === 'open' && !x.dryRun)) {
    if (named.size && !r.users.some((u) => named.has(u))) continue;
    for (const d of r.devices) {
      const state =
        d.phase === 'running'
          ? 'running'
          : d.phase === 'starting'
            ? 'starting'
            : d.phase === 'found'
              ? 'waiting'
              : undefined;
      if (state)
        traces.push({
          incident: `${r.incident.source}:${r.incident.incidentId}`,
          users: r.users,
          deviceName: d.deviceName,
          state,
          traceId: d.traceId,
        });
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
      until: d.until?.toISOString(),
      by: d.by,
      reason: marker.kind === 'window' ? `window ${marker.key}${d.reason ? `: ${d.reason}` : ''}` : d.reason,
      expired: !!d.until && d.until <= now,
    });
  }
  for (const seg of segments) {
    const m = parseSegmentMarker(seg.description);
    if (m)
      out.push({
        segments: [seg.name],
        kind: 'bypassType',
        until: m.until.toISOString(),
        reason: `window ${m.windowId}`,
        expired: m.until <= now,
      });
  }
  return out;
}

function statusText(
  bypasses: ActiveBypass[] | undefined,
  traces: TrackedTrace[],
  emails: string[] | undefined,
): string {
  const lines: string[] = [];
  if (!bypasses) lines.push('Bypasses: unknown (ZPA_CUSTOMER_ID is not configured for the worker).');
  else if (!bypasses.length) lines.push('No bypass is active.');
  else {
    lines.push(`Active bypasses (${bypasses.length}):`);
    for (const b of bypasses) {
      const expiry = b.until
        ? b.expired
          ? `expired ${b.until}, removed on the next reconcile`
          : `until ${b.until}`
        : 'no expiry recorded';
      lines.push(
        `• ${b.segments.join(', ')} — ${b.kind}, ${expiry}${b.by ? `, asked by ${b.by}` : ''}${b.reason ? ` (${b.reason})` : ''}`,
      );
    }
  }
  const whose = emails?.length ? ` for ${emails.join(', ')}` : '';
  if (!traces.length) lines.push(`No deep trace is running or waiting${whose}.`);
  else {
    const waiting = traces.filter((t) => t.state === 'waiting').length;
    lines.push(`Deep traces${whose}: ${traces.length - waiting} running, ${waiting} waiting for a slot:`);
    for (const t of traces)
      lines.push(
        `• ${t.users.join(', ')} on ${t.deviceName}: ${t.state}${t.traceId ? ` (trace ${t.traceId})` : ''} for ${t.incident}`,
      );
  }
  return lines.join('\n');
}
