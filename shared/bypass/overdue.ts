/**
 * Bypasses still in force in ZPA past their end plus a grace: the `BypassesOverdue` gauge every reconcile
 * writes (also 0, so the bypass-overdue alarm always has data). Pure: computed from what the run read from ZPA
 * (our marked rules and segments) before it wrote anything, minus what the run then reverted, so a run that
 * fails part-way (ZPA refusing the revert, the token refused after the reads) still says what it left behind.
 * A run that could not read ZPA at all writes no gauge: the reconcile-failing alarm covers that case.
 *
 * The grace covers the normal delay of a revert: the reconcile runs every minute, so a window that ends just after
 * a run is reverted by the next one, up to a minute and a run's length later; a large bypassType window restores
 * at ZPA's 10 writes per 10 s. The default, 3 minutes, is two reconcile intervals plus a run
 * (`BYPASS_OVERDUE_GRACE_SECONDS`).
 */
import { parseRuleDescription, parseRuleName, parseSegmentMarker } from './markers.js';
import { firstForeignOrder, inForce, type Operation, type RuleView, type SegmentView } from './plan.js';

export const DEFAULT_OVERDUE_GRACE_MS = 180_000;

export interface OverdueBypass {
  /** The rule's id or the segment's id: what a revert names. */
  id: string;
  kind: 'window-rule' | 'adhoc-rule' | 'segment';
  /** The rule's or segment's name, for the log line. */
  name: string;
  /** When it should have ended (absent: the marker is unreadable, so it has no end we can honour). */
  endedAt?: Date;
}

/**
 * When a window's bypass ended, given the end its marker carries: undefined while the window is running (then
 * its bypass is not overdue whatever the marker says, e.g. a new occurrence whose rule is not yet updated).
 */
export type WindowEnd = (windowId: string, markedUntil: Date | undefined) => Date | undefined;

export function overdueBypasses(input: {
  rules: RuleView[];
  /** As in plan.ts: given when `rules` holds only ours (a search). */
  firstForeign?: number;
  segments: SegmentView[];
  now: Date;
  graceMs: number;
  windowEnd: WindowEnd;
}): OverdueBypass[] {
  const overdue: OverdueBypass[] = [];
  const late = (end: Date | undefined) =>
    end === undefined || Number.isNaN(end.getTime()) || end.getTime() + input.graceMs <= input.now.getTime();
  const firstForeign = input.firstForeign ?? firstForeignOrder(input.rules);
  for (const r of input.rules) {
    const marker = parseRuleName(r.name);
    // A disabled rule, another action or one below a foreign rule bypasses nothing.
    if (!marker || !inForce(r, firstForeign)) continue;
    const { until } = parseRuleDescription(r.description);
    if (marker.kind === 'adhoc') {
      if (late(until)) overdue.push({ id: r.id, kind: 'adhoc-rule', name: r.name, endedAt: until });
      continue;
    }
    const end = input.windowEnd(marker.key, until);
    if (end !== undefined && late(end)) overdue.push({ id: r.id, kind: 'window-rule', name: r.name, endedAt: end });
  }
  for (const s of input.segments) {
    const mark = parseSegmentMarker(s.description);
    if (!mark || s.bypassType !== 'ALWAYS') continue;
    const end = input.windowEnd(mark.windowId, mark.until);
    if (end !== undefined && late(end)) overdue.push({ id: s.id, kind: 'segment', name: s.name, endedAt: end });
  }
  return overdue;
}

/**
 * What is still overdue after a run's writes: a deleted rule or a restored segment is no longer in force; a
 * segment handed over to another window is held by that window now.
 */
export function stillOverdue(overdue: OverdueBypass[], done: Operation[]): OverdueBypass[] {
  const gone = new Set(
    done.flatMap((op) =>
      op.op === 'delete-rule'
        ? [op.ruleId]
        : op.op === 'restore-bypass' || op.op === 'set-bypass-always'
          ? [op.segmentId]
          : [],
    ),
  );
  return overdue.filter((o) => !gone.has(o.id));
}
