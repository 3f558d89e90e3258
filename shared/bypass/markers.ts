/**
 * Markers make ZPA itself the state of every bypass we create: a later run, a crash, a redeploy or a lost
 * message can always find what we created, why, for whom, and when it expires.
 * - Rule mode: the rule's name `zea-bypass:<kind>:<key>` identifies it; its description carries the expiry.
 * - bypassType mode: the segment's description gets a suffix with the expiry and the previous bypassType,
 *   removed again on restore so the segment ends exactly as it began.
 */
export const RULE_PREFIX = 'zea-bypass:';

interface BypassMarker {
  kind: 'window' | 'adhoc';
  /** Window id, or the segment id for ad-hoc bypasses. */
  key: string;
  until: Date;
  reason: string;
  by: string;
}

export const ruleNameFor = (kind: BypassMarker['kind'], key: string) =>
  `${RULE_PREFIX}${kind === 'window' ? 'win' : 'adhoc'}:${key}`;

export function parseRuleName(name: string): Pick<BypassMarker, 'kind' | 'key'> | undefined {
  const m = /^zea-bypass:(win|adhoc):(.+)$/.exec(name);
  return m ? { kind: m[1] === 'win' ? 'window' : 'adhoc', key: m[2]! } : undefined;
}

/**
 * `[zea] until=<iso> by=<who> [cmd=<command id> at=<iso>] reason=<text>` — readable in the ZPA portal, parseable
 * here. Ad-hoc rules carry the command that last wrote them and when it was asked, so redeliveries are no-ops.
 */
export function ruleDescription(
  m: Omit<BypassMarker, 'kind' | 'key'> & { command?: { id: string; at: Date } },
): string {
  const cmd = m.command ? ` cmd=${clean(m.command.id)} at=${m.command.at.toISOString()}` : '';
  return `[zea] until=${m.until.toISOString()} by=${clean(m.by)}${cmd} reason=${m.reason.replace(/\s+/g, ' ').trim()}`.slice(
    0,
    500,
  );
}

export function parseRuleDescription(text: string | undefined): {
  until?: Date;
  by?: string;
  reason?: string;
  commandId?: string;
  at?: Date;
} {
  const m = /\[zea\] until=(\S+) by=(\S*)(?: cmd=(\S+) at=(\S+))? reason=(.*)$/.exec(text ?? '');
  if (!m) return {};
  const date = (v: string | undefined) =>
    v === undefined || Number.isNaN(new Date(v).getTime()) ? undefined : new Date(v);
  return { until: date(m[1]), by: m[2], commandId: m[3], at: date(m[4]), reason: m[5] };
}

// Found anywhere in the description: someone may append text after our marker during the window, and losing
// the marker would lose the previous bypassType.
const SEGMENT_MARK = / ?\[zea-bypass window=(\S+) until=(\S+) prev=(\w+) had-desc=(\d)\]/;

/** Appends our marker to a segment description (kept short; ZPA descriptions are free text). */
export function markSegmentDescription(
  description: string | undefined,
  m: { windowId: string; until: Date; prevBypassType: string },
): string {
  const base = description ?? '';
  return `${base}${base ? ' ' : ''}[zea-bypass window=${m.windowId} until=${m.until.toISOString()} prev=${m.prevBypassType} had-desc=${description === undefined ? 0 : 1}]`;
}

export function parseSegmentMarker(
  description: string | undefined,
): { windowId: string; until: Date; prevBypassType: string; originalDescription: string | undefined } | undefined {
  const m = SEGMENT_MARK.exec(description ?? '');
  if (!m) return undefined;
  const text = description ?? '';
  const original = text.slice(0, m.index) + text.slice(m.index + m[0].length);
  // had-desc=0: there was no description; text someone added after our marker becomes the description.
  return {
    windowId: m[1]!,
    until: new Date(m[2]!),
    prevBypassType: m[3]!,
    originalDescription: m[4] === '1' ? original : original.trim() || undefined,
  };
}

const clean = (s: string) => s.replace(/\s+/g, '_').slice(0, 200);
