/**
 * The reconciler's brain, pure: from the windows active now and what ZPA holds (our marked rules and
 * segments), the list of operations that makes ZPA match. Executing is separate (execute.ts), so dry-run
 * is "plan and print", and tests can check plans without a server.
 */
import type { MaintenanceWindow } from './windows.js';
import { markSegmentDescription, parseRuleDescription, parseRuleName, parseSegmentMarker, ruleDescription, ruleNameFor } from './markers.js';

export interface RuleView {
  id: string;
  name: string;
  description?: string;
  action: string;
  ruleOrder: string;
  /** ZPA sends `disabled: "1"` for a rule switched off in the portal. */
  disabled?: boolean;
  /** APP operand values (segment ids) of the rule. */
  appIds: string[];
}

export interface SegmentView {
  id: string;
  name: string;
  bypassType?: string;
  description?: string;
}

/** A window active now, with its targets resolved to segment ids. */
export interface ActiveWindow {
  window: MaintenanceWindow;
  start: Date;
  end: Date;
  segmentIds: string[];
}

export type Operation =
  | { op: 'create-rule'; name: string; description: string; appIds: string[]; why: string }
  | { op: 'update-rule'; ruleId: string; name: string; description: string; appIds: string[]; why: string; before: RuleView }
  | { op: 'move-rule-first'; ruleId: string; name: string; why: string; before: RuleView }
  | { op: 'delete-rule'; ruleId: string; name: string; why: string; before: RuleView }
  /** `description`: the segment's description with our marker (the previous bypassType, the original text). */
  | { op: 'set-bypass-always'; segmentId: string; name: string; windowId: string; until: Date; prev: string; description: string; why: string }
  | { op: 'restore-bypass'; segmentId: string; name: string; prev: string; description: string | undefined; why: string }
  | { op: 'drift'; target: string; detail: string; policy: 'restore' | 'respect' };

export interface PlanInput {
  now: Date;
  active: ActiveWindow[];
  rules: RuleView[];
  segments: SegmentView[];
  /** Windows refused this run (unresolvable, not allowed): what they hold in ZPA is left exactly as it is. */
  held?: ReadonlySet<string>;
  /**
   * Evidence of drift: keys (`inForceKey`) of bypasses this container has seen in force during their current
   * occurrence. Only a bypass seen in force and then found missing, moved, changed or disabled was changed by
   * someone; anything else is our own unfinished work (a crash, a failed reorder, a late first run) and is done.
   */
  seen?: ReadonlySet<string>;
}

/** A window rule's occurrence is its start; an ad-hoc rule's is when it was asked (`at` in its description). */
export const inForceKey = (ruleName: string, start: Date | undefined) => `${ruleName}@${start ? start.toISOString() : 'adhoc'}`;

/** The position of the first rule that is not ours: a bypass rule wins only above it. */
export const firstForeignOrder = (rules: RuleView[]): number =>
  Math.min(...rules.filter((r) => !parseRuleName(r.name)).map((r) => Number(r.ruleOrder)), Infinity);

/** A rule gives its bypass only as BYPASS, enabled, and above every rule that is not ours. */
export const inForce = (r: RuleView, firstForeign: number) => r.action === 'BYPASS' && !r.disabled && Number(r.ruleOrder) < firstForeign;

export function planReconcile(input: PlanInput): Operation[] {
  const { now, active } = input;
  const held = input.held ?? new Set<string>();
  const seen = input.seen ?? new Set<string>();
  const ops: Operation[] = [];
  const removals: Operation[] = []; // planned last: a bypass being replaced stays until its successor is in place
  const activeById = new Map(active.map((a) => [a.window.id, a]));

  // Rule mode: our rules, found by name in the client forwarding policy. Two writers that raced (which the
  // design prevents, but a manual run could cause) leave two rules with one marker: keep the first.
  const ours: RuleView[] = [];
  for (const r of input.rules.filter((x) => parseRuleName(x.name))) {
    if (ours.some((o) => o.name === r.name)) removals.push({ op: 'delete-rule', ruleId: r.id, name: r.name, why: 'duplicate of a rule with the same marker', before: r });
    else ours.push(r);
  }
  // A bypass wins only above every rule that is not ours (several of ours may share the top positions).
  const firstForeign = firstForeignOrder(input.rules);
  for (const rule of ours) {
    const marker = parseRuleName(rule.name)!;
    const until = parseRuleDescription(rule.description).until;
    if (marker.kind === 'window') {
      const a = activeById.get(marker.key);
      if (held.has(marker.key)) continue;
      if (!a || a.window.mode !== 'rule') removals.push({ op: 'delete-rule', ruleId: rule.id, name: rule.name, why: a ? 'window switched to bypassType mode' : 'window is not active', before: rule });
    } else if (!until || until <= now) {
      removals.push({ op: 'delete-rule', ruleId: rule.id, name: rule.name, why: until ? `expired at ${until.toISOString()}` : 'has no readable expiry', before: rule });
    } else if (Number(rule.ruleOrder) >= firstForeign) {
      // An ad-hoc bypass below a foreign rule does nothing: our own failed reorder, or someone moved it.
      if (seen.has(inForceKey(rule.name, parseRuleDescription(rule.description).at))) ops.push({ op: 'drift', target: rule.name, detail: `ad-hoc rule moved to position ${rule.ruleOrder}`, policy: 'restore' });
      ops.push({ op: 'move-rule-first', ruleId: rule.id, name: rule.name, why: 'an ad-hoc bypass must be first to win', before: rule });
    }
  }
  for (const a of active.filter((x) => x.window.mode === 'rule')) {
    const name = ruleNameFor('window', a.window.id);
    const description = ruleDescription({ until: a.end, by: `window:${a.window.id}`, reason: a.window.reason });
    const rule = ours.find((r) => r.name === name);
    const wasInForce = seen.has(inForceKey(name, a.start));
    const policy = a.window.onDrift;
    // Put right unless someone else changed it and the window says to respect that.
    const fix = !wasInForce || policy === 'restore';
    if (!rule) {
      if (wasInForce) ops.push({ op: 'drift', target: name, detail: 'bypass rule deleted during its window', policy });
      if (fix) ops.push({ op: 'create-rule', name, description, appIds: a.segmentIds, why: `window active until ${a.end.toISOString()}` });
      continue;
    }
    const switchedOff = rule.action !== 'BYPASS' || !!rule.disabled;
    if (switchedOff && wasInForce) ops.push({ op: 'drift', target: name, detail: rule.disabled ? 'rule disabled' : `action changed to ${rule.action}`, policy });
    // Segments changed in the windows file are not drift; neither is a new expiry or reason.
    if ((switchedOff && fix) || (!switchedOff && (!sameSet(rule.appIds, a.segmentIds) || rule.description !== description))) {
      ops.push({ op: 'update-rule', ruleId: rule.id, name, description, appIds: a.segmentIds, why: switchedOff ? 'bring the rule back to an enabled BYPASS' : 'segments, expiry or reason changed', before: rule });
    }
    if (Number(rule.ruleOrder) >= firstForeign) {
      if (wasInForce) ops.push({ op: 'drift', target: name, detail: `rule moved to position ${rule.ruleOrder}, below a rule that is not ours`, policy });
      if (fix) ops.push({ op: 'move-rule-first', ruleId: rule.id, name, why: 'a bypass rule must be first to win', before: rule });
    }
  }

  // bypassType mode: our marks on segment descriptions. Several active windows may name one segment: the one
  // its marker names keeps it while active; when that one ends, the one ending last takes it over, no gap.
  const wanted = new Map<string, ActiveWindow[]>();
  for (const a of active.filter((x) => x.window.mode === 'bypassType')) for (const id of a.segmentIds) wanted.set(id, [...(wanted.get(id) ?? []), a]);
  for (const seg of input.segments) {
    const mark = parseSegmentMarker(seg.description);
    const wanting = wanted.get(seg.id) ?? [];
    const a = wanting.find((w) => w.window.id === mark?.windowId) ?? [...wanting].sort((x, y) => y.end.getTime() - x.end.getTime())[0];
    const set = (description: string, prev: string, why: string): Operation => ({ op: 'set-bypass-always', segmentId: seg.id, name: seg.name, windowId: a!.window.id, until: a!.end, prev, description, why });
    if (mark && !a) {
      if (held.has(mark.windowId)) continue;
      removals.push({ op: 'restore-bypass', segmentId: seg.id, name: seg.name, prev: mark.prevBypassType, description: mark.originalDescription, why: mark.until <= now ? `expired at ${mark.until.toISOString()}` : 'window is not active' });
    } else if (mark && a && a.window.id !== mark.windowId) {
      const description = markSegmentDescription(mark.originalDescription, { windowId: a.window.id, until: a.end, prevBypassType: mark.prevBypassType });
      ops.push(set(description, mark.prevBypassType, `window ${mark.windowId} is over; ${a.window.id} holds the bypass until ${a.end.toISOString()}`));
    } else if (mark && a && seg.bypassType !== 'ALWAYS') {
      ops.push({ op: 'drift', target: seg.name, detail: `bypassType changed to ${seg.bypassType} during the window`, policy: a.window.onDrift });
      if (a.window.onDrift === 'restore') ops.push(set(seg.description!, mark.prevBypassType, 'restore the bypass'));
    } else if (!mark && a) {
      const prev = seg.bypassType ?? 'NEVER';
      ops.push(set(markSegmentDescription(seg.description, { windowId: a.window.id, until: a.end, prevBypassType: prev }), prev, `window ${a.window.id} active until ${a.end.toISOString()}`));
    }
  }
  return [...ops, ...removals];
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();
