/**
 * The reconciler's brain, pure: from the windows active now and what ZPA holds (our marked rules and
 * segments), the list of operations that makes ZPA match. Executing is separate (execute.ts), so dry-run
 * is "plan and print", and tests can check plans without a server.
 *
 * `planReconcile` composes one small planner per thing ZPA can hold for us: duplicate rules, a window's rule
 * that outlived its window, an ad-hoc rule, the rule of an active rule-mode window, a segment in bypassType
 * mode; `removalsLast` orders the result.
 */
import type { MaintenanceWindow } from './windows.js';
import {
  markSegmentDescription,
  parseRuleDescription,
  parseRuleName,
  parseSegmentMarker,
  ruleDescription,
  ruleNameFor,
} from './markers.js';

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
  | {
      op: 'update-rule';
      ruleId: string;
      name: string;
      description: string;
      appIds: string[];
      why: string;
      before: RuleView;
    }
  | { op: 'move-rule-first'; ruleId: string; name: string; why: string; before: RuleView }
  /** `duplicate`: a second copy of a rule that stays (not the end of a bypass). */
  | { op: 'delete-rule'; ruleId: string; name: string; why: string; before: RuleView; duplicate?: true }
  /** `description`: the segment's description with our marker (the previous bypassType, the original text). */
  | {
      op: 'set-bypass-always';
      segmentId: string;
      name: string;
      windowId: string;
      until: Date;
      prev: string;
      description: string;
      why: string;
    }
  | {
      op: 'restore-bypass';
      segmentId: string;
      name: string;
      prev: string;
      description: string | undefined;
      why: string;
    }
  | { op: 'drift'; target: string; detail: string; policy: 'restore' | 'respect' };

interface PlanInput {
  now: Date;
  active: ActiveWindow[];
  rules: RuleView[];
  segments: SegmentView[];
  /** `firstForeignOrder(rules)` unless `rules` holds only ours (a search): then the position found with them. */
  firstForeign?: number;
  /** `window stop all` is in force: every ad-hoc bypass ends now. */
  adhocStopped?: boolean;
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
export const inForceKey = (ruleName: string, start: Date | undefined) =>
  `${ruleName}@${start ? start.toISOString() : 'adhoc'}`;

/** The position of the first rule that is not ours: a bypass rule wins only above it. */
export const firstForeignOrder = (rules: RuleView[]): number =>
  Math.min(...rules.filter((r) => !parseRuleName(r.name)).map((r) => Number(r.ruleOrder)), Infinity);

/** A rule gives its bypass only as BYPASS, enabled, and above every rule that is not ours. */
export const inForce = (r: RuleView, firstForeign: number) =>
  r.action === 'BYPASS' && !r.disabled && Number(r.ruleOrder) < firstForeign;

/** What the planners share besides their own subject. */
interface PlanContext {
  now: Date;
  /** Windows refused this run: what they hold stays as it is (PlanInput.held). */
  held: ReadonlySet<string>;
  /** Evidence of drift (PlanInput.seen). */
  seen: ReadonlySet<string>;
  /** `firstForeignOrder` of the policy's rules. */
  firstForeign: number;
  /** `window stop all` is in force (PlanInput.adhocStopped). */
  adhocStopped: boolean;
}

/**
 * Every planner in turn, in a fixed order (rules of ours in ZPA's order, then active rule-mode windows, then
 * segments), so a plan is the same for the same state; `removalsLast` keeps that order within each group.
 */
export function planReconcile(input: PlanInput): Operation[] {
  const ctx: PlanContext = {
    now: input.now,
    held: input.held ?? new Set(),
    seen: input.seen ?? new Set(),
    firstForeign: input.firstForeign ?? firstForeignOrder(input.rules),
    adhocStopped: input.adhocStopped === true,
  };
  const activeById = new Map(input.active.map((a) => [a.window.id, a]));
  const { ours, duplicates } = splitDuplicateRules(input.rules);
  const claims = segmentClaims(input.active);
  return removalsLast([
    ...duplicates,
    ...ours.flatMap(({ rule, marker }) =>
      marker.kind === 'window'
        ? planWindowRuleRemoval(rule, activeById.get(marker.key), marker.key, ctx)
        : planAdhocRule(rule, ctx),
    ),
    ...input.active
      .filter((a) => a.window.mode === 'rule')
      .flatMap((a) =>
        planWindowRule(a, ours.find((o) => o.rule.name === ruleNameFor('window', a.window.id))?.rule, ctx),
      ),
    ...input.segments.flatMap((seg) => planSegment(seg, claims.get(seg.id) ?? [], ctx)),
  ]);
}

type OwnRule = { rule: RuleView; marker: NonNullable<ReturnType<typeof parseRuleName>> };

/**
 * Our rules, found by name in the client forwarding policy (ZPA's order). Two writers that raced (which the FIFO
 * policy queue prevents, but a direct invocation running in another container could cause) leave two rules with
 * one marker: the first is kept, the others are deleted.
 */
function splitDuplicateRules(rules: RuleView[]): { ours: OwnRule[]; duplicates: Operation[] } {
  const ours: OwnRule[] = [];
  const duplicates: Operation[] = [];
  const names = new Set<string>();
  for (const rule of rules) {
    const marker = parseRuleName(rule.name);
    if (!marker) continue;
    if (names.has(rule.name))
      duplicates.push({
        op: 'delete-rule',
        ruleId: rule.id,
        name: rule.name,
        why: 'duplicate of a rule with the same marker',
        before: rule,
        duplicate: true,
      });
    else ours.push({ rule, marker });
    names.add(rule.name);
  }
  return { ours, duplicates };
}

/**
 * A window's rule found in ZPA is deleted once its window is not active in rule mode (over, disabled, removed from
 * the file, or switched to bypassType): the end of a window is never an event that could be lost. A refused
 * window's rule is left as it is until the window can be resolved again.
 */
export function planWindowRuleRemoval(
  rule: RuleView,
  active: ActiveWindow | undefined,
  windowId: string,
  ctx: Pick<PlanContext, 'held'>,
): Operation[] {
  if (ctx.held.has(windowId) || active?.window.mode === 'rule') return [];
  return [
    {
      op: 'delete-rule',
      ruleId: rule.id,
      name: rule.name,
      why: active ? 'window switched to bypassType mode' : 'window is not active',
      before: rule,
    },
  ];
}

/**
 * An ad-hoc rule carries its own expiry (no window names it): deleted once expired or unreadable, else kept
 * first. One below a foreign rule does nothing: our own failed reorder, or — if it was seen in force — someone
 * moved it (drift, always restored: an ad-hoc bypass has no `onDrift`).
 */
export function planAdhocRule(
  rule: RuleView,
  ctx: Pick<PlanContext, 'now' | 'seen' | 'firstForeign'> & { adhocStopped?: boolean },
): Operation[] {
  const { until, at } = parseRuleDescription(rule.description);
  if (!until || until <= ctx.now || ctx.adhocStopped)
    return [
      {
        op: 'delete-rule',
        ruleId: rule.id,
        name: rule.name,
        why: ctx.adhocStopped
          ? 'every bypass is stopped (window stop all)'
          : until
            ? `expired at ${until.toISOString()}`
            : 'has no readable expiry',
        before: rule,
      },
    ];
  if (!isBelowForeign(rule, ctx.firstForeign)) return [];
  return [
    ...(ctx.seen.has(inForceKey(rule.name, at))
      ? [
          {
            op: 'drift',
            target: rule.name,
            detail: `ad-hoc rule moved to position ${rule.ruleOrder}`,
            policy: 'restore',
          } as const,
        ]
      : []),
    {
      op: 'move-rule-first',
      ruleId: rule.id,
      name: rule.name,
      why: 'an ad-hoc bypass must be first to win',
      before: rule,
    },
  ];
}

/** What an active rule-mode window wants its rule to be, and whether a difference may be put right. */
interface WantedRule {
  window: ActiveWindow;
  name: string;
  description: string;
  /** Seen in force during this occurrence: a difference now was made by someone else (drift). */
  wasInForce: boolean;
  policy: 'restore' | 'respect';
  /** Put right unless someone else changed it and the window says to respect that. */
  fix: boolean;
}

/**
 * Rule mode, one active window: its rule must exist, be an enabled BYPASS over the window's segments with its
 * expiry and reason, and sit above every foreign rule. `rule` is ours of that name in ZPA, if any.
 */
export function planWindowRule(
  a: ActiveWindow,
  rule: RuleView | undefined,
  ctx: Pick<PlanContext, 'seen' | 'firstForeign'>,
): Operation[] {
  const name = ruleNameFor('window', a.window.id);
  const wasInForce = ctx.seen.has(inForceKey(name, a.start));
  const want: WantedRule = {
    window: a,
    name,
    description: ruleDescription({ until: a.end, by: `window:${a.window.id}`, reason: a.window.reason }),
    wasInForce,
    policy: a.window.onDrift,
    fix: !wasInForce || a.window.onDrift === 'restore',
  };
  if (!rule) return planMissingRule(want);
  return [...planRuleContent(rule, want), ...planRulePlacement(rule, want, ctx.firstForeign)];
}

/** No rule: ours to create (a new occurrence, a crash, a late first run), unless someone deleted it and the window respects that. */
function planMissingRule(want: WantedRule): Operation[] {
  const ops: Operation[] = [];
  if (want.wasInForce)
    ops.push({ op: 'drift', target: want.name, detail: 'bypass rule deleted during its window', policy: want.policy });
  if (want.fix)
    ops.push({
      op: 'create-rule',
      name: want.name,
      description: want.description,
      appIds: want.window.segmentIds,
      why: `window active until ${want.window.end.toISOString()}`,
    });
  return ops;
}

/**
 * The rule's content. Switched off (disabled, another action) after it was seen in force is drift; segments
 * changed in the windows file, a new expiry or reason are not, and are always written.
 */
function planRuleContent(rule: RuleView, want: WantedRule): Operation[] {
  const ops: Operation[] = [];
  const switchedOff = rule.action !== 'BYPASS' || !!rule.disabled;
  if (switchedOff && want.wasInForce)
    ops.push({
      op: 'drift',
      target: want.name,
      detail: rule.disabled ? 'rule disabled' : `action changed to ${rule.action}`,
      policy: want.policy,
    });
  if (switchedOff ? want.fix : !sameSet(rule.appIds, want.window.segmentIds) || rule.description !== want.description) {
    ops.push({
      op: 'update-rule',
      ruleId: rule.id,
      name: want.name,
      description: want.description,
      appIds: want.window.segmentIds,
      why: switchedOff ? 'bring the rule back to an enabled BYPASS' : 'segments, expiry or reason changed',
      before: rule,
    });
  }
  return ops;
}

/** The rule's position: below a foreign rule it bypasses nothing. Moved there after it was seen in force is drift; else a reorder of ours failed. */
function planRulePlacement(rule: RuleView, want: WantedRule, firstForeign: number): Operation[] {
  if (!isBelowForeign(rule, firstForeign)) return [];
  const ops: Operation[] = [];
  if (want.wasInForce)
    ops.push({
      op: 'drift',
      target: want.name,
      detail: `rule moved to position ${rule.ruleOrder}, below a rule that is not ours`,
      policy: want.policy,
    });
  if (want.fix)
    ops.push({
      op: 'move-rule-first',
      ruleId: rule.id,
      name: want.name,
      why: 'a bypass rule must be first to win',
      before: rule,
    });
  return ops;
}

/** bypassType mode: the active windows that want each segment, by segment id (several may name one segment). */
function segmentClaims(active: ActiveWindow[]): Map<string, ActiveWindow[]> {
  const wanted = new Map<string, ActiveWindow[]>();
  for (const a of active.filter((x) => x.window.mode === 'bypassType'))
    for (const id of a.segmentIds) wanted.set(id, [...(wanted.get(id) ?? []), a]);
  return wanted;
}

/**
 * Which of the windows wanting a segment holds it: the one its marker names, while that one is active; else the
 * one ending last. So when the holder ends, another active window takes the segment over with no gap.
 */
export function segmentHolder(markedBy: string | undefined, wanting: ActiveWindow[]): ActiveWindow | undefined {
  return (
    wanting.find((w) => w.window.id === markedBy) ?? [...wanting].sort((x, y) => y.end.getTime() - x.end.getTime())[0]
  );
}

/**
 * bypassType mode, one segment, from the marker on its description and the active windows that want it: set
 * ALWAYS (remembering the previous value), hand it over to another window (keeping the first previous value),
 * report and maybe undo a human's change (drift), or restore it exactly once no window wants it.
 */
export function planSegment(
  seg: SegmentView,
  wanting: ActiveWindow[],
  ctx: Pick<PlanContext, 'now' | 'held'>,
): Operation[] {
  const mark = parseSegmentMarker(seg.description);
  const a = segmentHolder(mark?.windowId, wanting);
  const set = (holder: ActiveWindow, description: string, prev: string, why: string): Operation => ({
    op: 'set-bypass-always',
    segmentId: seg.id,
    name: seg.name,
    windowId: holder.window.id,
    until: holder.end,
    prev,
    description,
    why,
  });
  if (!mark) {
    if (!a) return [];
    const prev = seg.bypassType ?? 'NEVER';
    return [
      set(
        a,
        markSegmentDescription(seg.description, { windowId: a.window.id, until: a.end, prevBypassType: prev }),
        prev,
        `window ${a.window.id} active until ${a.end.toISOString()}`,
      ),
    ];
  }
  if (!a) {
    if (ctx.held.has(mark.windowId)) return [];
    return [
      {
        op: 'restore-bypass',
        segmentId: seg.id,
        name: seg.name,
        prev: mark.prevBypassType,
        description: mark.originalDescription,
        why: mark.until <= ctx.now ? `expired at ${mark.until.toISOString()}` : 'window is not active',
      },
    ];
  }
  if (a.window.id !== mark.windowId) {
    const description = markSegmentDescription(mark.originalDescription, {
      windowId: a.window.id,
      until: a.end,
      prevBypassType: mark.prevBypassType,
    });
    return [
      set(
        a,
        description,
        mark.prevBypassType,
        `window ${mark.windowId} is over; ${a.window.id} holds the bypass until ${a.end.toISOString()}`,
      ),
    ];
  }
  if (seg.bypassType === 'ALWAYS') return [];
  return [
    {
      op: 'drift',
      target: seg.name,
      detail: `bypassType changed to ${seg.bypassType} during the window`,
      policy: a.window.onDrift,
    },
    ...(a.window.onDrift === 'restore' ? [set(a, seg.description!, mark.prevBypassType, 'restore the bypass')] : []),
  ];
}

/**
 * Removals (deleting a rule, restoring a segment) run after everything else, each group in planning order: a
 * bypass being replaced (a window switched mode, a segment handed to a rule) stays until its successor is in place.
 */
export function removalsLast(ops: Operation[]): Operation[] {
  const isRemoval = (o: Operation) => o.op === 'delete-rule' || o.op === 'restore-bypass';
  return [...ops.filter((o) => !isRemoval(o)), ...ops.filter(isRemoval)];
}

/** At or below the first foreign rule, a rule of ours bypasses nothing (the foreign rule matches first). */
const isBelowForeign = (r: RuleView, firstForeign: number) => Number(r.ruleOrder) >= firstForeign;

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();
