/**
 * One reconcile run: which windows are active now → resolve their segments → read what ZPA holds → plan →
 * execute. Safe to run any number of times, after a crash, a redeploy or a lost message: ZPA is the state.
 * A window that cannot be resolved (unknown segment, not allowed) is refused: logged here and returned (the
 * runner, run.ts, reports it), and what it holds in ZPA is left alone; the other windows go on.
 */
import { isRetryable, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { executePlan, type ExecuteResult } from './execute.js';
import { parseRuleDescription, parseRuleName, parseSegmentMarker, ruleNameFor } from './markers.js';
import { DEFAULT_OVERDUE_GRACE_MS, overdueBypasses, stillOverdue, type OverdueBypass } from './overdue.js';
import {
  inForce,
  inForceKey,
  planReconcile,
  type ActiveWindow,
  type Operation,
  type RuleView,
  type SegmentView,
} from './plan.js';
import type { BypassPort, SegmentObject } from './port.js';
import type { MarkedSegments, MarkedSegmentStore } from './markedSegments.js';
import { readZpaView, type ZpaView } from './view.js';
import { activeOccurrence, isAllowed, type MaintenanceWindow, type WindowsFile } from './windows.js';
import { ALL_WINDOWS, everythingStopped, stopApplies, type WindowStop } from '../windows/stops.js';

export interface ReconcileResult extends ExecuteResult {
  plan: Operation[];
  refused: Array<{ windowId: string; reason: string }>;
  dryRun: boolean;
}

/** What one container remembers between runs: evidence of bypasses seen in force, drift already logged. */
interface ReconcileMemory {
  seen: Set<string>;
  driftLogged: Set<string>;
}
export const newReconcileMemory = (): ReconcileMemory => ({ seen: new Set(), driftLogged: new Set() });
const containerMemory = newReconcileMemory();

interface ReconcileDeps {
  port: BypassPort;
  windows: WindowsFile;
  logger: Logger;
  now?: Date;
  dryRun?: boolean;
  trigger?: { kind: string; id: string };
  memory?: ReconcileMemory;
  /** How long past its end a bypass may stay in force before it counts as overdue (overdue.ts). */
  overdueGraceMs?: number;
  /**
   * The windows' emergency stops (shared/windows/stops.ts), or why they could not be read: then no window that
   * is running may be changed (it could be stopped), and each is held as it is, like a refused one.
   */
  stops?: WindowStop[] | { unreadable: string };
  /**
   * The record of segments our markers may be on (markedSegments.ts): with it, a run reads only what windows and
   * markers concern (view.ts); without it, the whole tenant every run.
   */
  markedSegments?: MarkedSegmentStore;
}

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileResult> {
  const now = deps.now ?? new Date();
  const memory = deps.memory ?? containerMemory;
  const dryRun = deps.dryRun || deps.windows.guardrails.dryRun;
  const marks = await readMarks(deps);
  const expectedRefs = deps.windows.windows
    .filter((w) => activeOccurrence(w, now))
    .reduce((n, w) => n + w.segments.length + w.segmentGroups.length, 0);
  const view = await readZpaView(deps.port, { marks, now, expectedRefs });
  // From here on the run knows what ZPA holds of ours: the overdue gauge is written however the run ends.
  let overdue = overdueBypasses({
    rules: view.rules,
    firstForeign: view.firstForeign,
    segments: view.segments().map(viewOf),
    now,
    graceMs: deps.overdueGraceMs ?? DEFAULT_OVERDUE_GRACE_MS,
    windowEnd: windowEndFrom(deps.windows, now, deps.stops),
  });
  try {
    const result = await planAndExecute(deps, { now, memory, dryRun, view, marks });
    if (!dryRun) overdue = stillOverdue(overdue, result.done);
    return result;
  } finally {
    emitOverdue(deps.logger, overdue);
  }
}

async function planAndExecute(
  deps: ReconcileDeps,
  run: { now: Date; memory: ReconcileMemory; dryRun: boolean; view: ZpaView; marks: MarkedSegments | undefined },
): Promise<ReconcileResult> {
  const { now, memory, dryRun, view, marks } = run;
  const { rules, firstForeign } = view;
  const { active, refused, stopped } = await resolveActive(deps.windows, now, view, deps.port, deps.stops);
  for (const r of refused) deps.logger.error('maintenance window refused', r);
  // Our own removal of a stopped window's rule is not drift: when it is resumed, its bypass is simply put back.
  for (const id of stopped) {
    const prefix = `${ruleNameFor('window', id)}@`;
    for (const key of memory.seen) if (key.startsWith(prefix)) memory.seen.delete(key);
  }
  const held = new Set(refused.map((r) => r.windowId));
  const segments = view.segments();
  const plan = planReconcile({
    now,
    active,
    rules,
    firstForeign,
    // `window stop all`: ad-hoc bypasses end too.
    adhocStopped: Array.isArray(deps.stops) && everythingStopped(deps.stops) !== undefined,
    segments: segments.map(viewOf),
    held,
    seen: memory.seen,
  });
  rememberInForce(memory, active, rules, firstForeign);
  if (plan.length)
    deps.logger.info(dryRun ? 'reconcile plan (dry run: nothing is changed)' : 'reconcile plan', {
      plan: plan.map(describeOp),
    });
  // Under `respect`, the same drift stands for the rest of the window: log and audit it once.
  const planned = plan.filter((op) => op.op !== 'drift' || !memory.driftLogged.has(`${op.target}|${op.detail}`));
  for (const op of planned) if (op.op === 'drift') memory.driftLogged.add(`${op.target}|${op.detail}`);
  // No record to write the intent in: no segment is newly marked (a later run could not find it to restore it).
  // Everything else — removals, restores, rules — goes on: ending bypasses must not wait for DynamoDB.
  const unrecordable = deps.markedSegments && !marks && !dryRun;
  const toRun = unrecordable ? planned.filter((op) => op.op !== 'set-bypass-always') : planned;
  const notMarked = unrecordable
    ? planned
        .filter((op) => op.op === 'set-bypass-always')
        .map((op) => ({
          op,
          error: 'not marked now: the record of marked segments cannot be read; the next run retries',
        }))
    : [];
  const record = deps.markedSegments && marks ? { store: deps.markedSegments, marks } : undefined;
  // The intent first: a segment is marked only once the record names it (a crash in between leaves an extra id).
  if (record && !dryRun) await recordIntent(record, toRun);
  const result = await executePlan(toRun, {
    port: deps.port,
    logger: deps.logger,
    trigger: deps.trigger ?? { kind: 'schedule', id: 'reconcile' },
    dryRun,
    segments,
  });
  // A dry run changed nothing: the record keeps what was read (and when everything was), so it stays cheap too.
  const changed = dryRun ? { toRun: [], done: [] } : { toRun, done: result.done };
  if (record) await recordMarked(record, { segments, ...changed, readAll: view.readAll(), now }, deps.logger);
  return { ...result, failed: [...result.failed, ...notMarked], plan, refused, dryRun };
}

/** The record of marked segments, or undefined when none is configured or it cannot be read (then: a full read). */
async function readMarks(deps: ReconcileDeps): Promise<MarkedSegments | undefined> {
  if (!deps.markedSegments) return undefined;
  try {
    return await deps.markedSegments.read();
  } catch (e) {
    deps.logger.error('the record of marked segments cannot be read; this run reads all of ZPA and marks nothing new', {
      error: e,
    });
    return undefined;
  }
}

type MarkRecord = { store: MarkedSegmentStore; marks: MarkedSegments };

async function recordIntent(record: MarkRecord, toRun: Operation[]): Promise<void> {
  const known = new Set(record.marks.ids);
  const adding = toRun.flatMap((op) =>
    op.op === 'set-bypass-always' && !known.has(op.segmentId) ? [op.segmentId] : [],
  );
  if (!adding.length) return;
  const ids = [...known, ...adding];
  await record.store.save({ ids, sweptAt: record.marks.sweptAt }, record.marks.version);
  record.marks = { ids: [...new Set(ids)].sort(), sweptAt: record.marks.sweptAt, version: record.marks.version + 1 };
}

/**
 * After the run: the segments that carry our marker now (as read, plus those this run set, minus those it
 * restored). Ids whose segments were read and found unmarked drop out. Best effort: an id too many is read and
 * dropped by the next run; a marked segment is never dropped, since its id was recorded before it was marked.
 */
async function recordMarked(
  record: MarkRecord,
  run: { segments: SegmentObject[]; toRun: Operation[]; done: Operation[]; readAll: boolean; now: Date },
  logger: Logger,
): Promise<void> {
  const restored = new Set(run.done.flatMap((op) => (op.op === 'restore-bypass' ? [op.segmentId] : [])));
  const marked = new Set(run.segments.filter((s) => parseSegmentMarker(s.description)).map((s) => s.id));
  for (const op of run.toRun) if (op.op === 'set-bypass-always') marked.add(op.segmentId);
  for (const id of restored) marked.delete(id);
  const ids = [...marked].sort();
  const sweptAt = run.readAll ? run.now.toISOString() : record.marks.sweptAt;
  if (sweptAt === record.marks.sweptAt && ids.join() === record.marks.ids.join()) return;
  try {
    await record.store.save({ ids, sweptAt }, record.marks.version);
  } catch (e) {
    logger.warn('the record of marked segments could not be updated; the next run does it', { error: e });
  }
}

/** A window's bypass ends with its occurrence: while the windows file has it running, nothing of it is overdue. */
const windowEndFrom =
  (file: WindowsFile, now: Date, stops: ReconcileDeps['stops']) =>
  (windowId: string, markedUntil: Date | undefined): Date | undefined => {
    const w = file.windows.find((x) => x.id === windowId);
    const occ = w && activeOccurrence(w, now);
    if (!occ) return markedUntil;
    // A stopped window's bypass ended when it was stopped.
    const stop = Array.isArray(stops) ? stopOf(stops, w, occ.start) : undefined;
    return stop ? new Date(stop.stoppedAt) : undefined;
  };

const stopOf = (stops: WindowStop[], w: MaintenanceWindow, start: Date) =>
  stops.find((s) => (s.windowId === w.id || s.windowId === ALL_WINDOWS) && stopApplies(s, start));

/** The gauge, every run (0 too: the alarm sees data); each overdue bypass is named at error level. */
function emitOverdue(logger: Logger, overdue: OverdueBypass[]): void {
  logger.metric('BypassesOverdue', overdue.length);
  for (const o of overdue)
    logger.error('bypass in force past its end', {
      kind: o.kind,
      name: o.name,
      id: o.id,
      endedAt: o.endedAt?.toISOString() ?? 'unreadable',
    });
}

/** Records which of our bypass rules ZPA shows in force now: the evidence the planner needs to call a later change drift. */
function rememberInForce(
  memory: ReconcileMemory,
  active: ActiveWindow[],
  rules: RuleView[],
  firstForeign: number,
): void {
  for (const r of rules) {
    const marker = parseRuleName(r.name);
    if (!marker || !inForce(r, firstForeign)) continue;
    const a = marker.kind === 'window' ? active.find((x) => x.window.id === marker.key) : undefined;
    if (marker.kind === 'adhoc') memory.seen.add(inForceKey(r.name, parseRuleDescription(r.description).at));
    else if (a) memory.seen.add(inForceKey(r.name, a.start));
  }
}

async function resolveActive(
  file: WindowsFile,
  now: Date,
  view: ZpaView,
  port: BypassPort,
  stops: ReconcileDeps['stops'] = [],
) {
  const active: ActiveWindow[] = [];
  const refused: Array<{ windowId: string; reason: string }> = [];
  const stopped: string[] = [];
  for (const window of file.windows) {
    const occ = activeOccurrence(window, now);
    if (!occ) continue;
    if (!Array.isArray(stops)) {
      refused.push({ windowId: window.id, reason: `its emergency stops could not be read (${stops.unreadable})` });
      continue;
    }
    // Stopped: not active, so whatever it holds in ZPA is removed like the bypass of a window that ended.
    if (stopOf(stops, window, occ.start)) {
      stopped.push(window.id);
      continue;
    }
    try {
      const ids = new Set<string>();
      for (const ref of window.segments) {
        const seg = await view.byRef(ref);
        if (!seg) throw new ValidationError(`segment "${ref}" does not exist in ZPA`);
        ids.add(seg.id);
      }
      for (const group of window.segmentGroups) for (const id of await port.segmentGroupMembers(group)) ids.add(id);
      for (const id of ids) {
        const seg = await view.byId(id);
        if (!seg || !isAllowed(file.guardrails, seg.name, seg.id))
          throw new ValidationError(`segment "${seg?.name ?? id}" is not in guardrails.allowedSegments`);
      }
      // A BYPASS rule without APP operands would bypass every application: never.
      if (!ids.size) throw new ValidationError('names no segment that exists now (an empty segment group?)');
      active.push({ window, start: occ.start, end: occ.end, segmentIds: [...ids] });
    } catch (e) {
      // A transient failure (ZPA 5xx, deadline) is not a refusal: end the run so nothing is torn down on it.
      if (isRetryable(e)) throw e;
      refused.push({ windowId: window.id, reason: (e as Error).message });
    }
  }
  return { active, refused, stopped };
}

const viewOf = (s: SegmentObject): SegmentView => ({
  id: s.id,
  name: s.name,
  bypassType: s.bypassType,
  description: s.description,
});

export function describeOp(op: Operation): string {
  switch (op.op) {
    case 'drift':
      return `DRIFT ${op.target}: ${op.detail} (policy ${op.policy})`;
    case 'create-rule':
      return `create BYPASS rule ${op.name} for segments ${op.appIds.join(', ')} (${op.why})`;
    case 'update-rule':
      return `update rule ${op.name} (${op.why})`;
    case 'move-rule-first':
      return `move rule ${op.name} to position 1 (${op.why})`;
    case 'delete-rule':
      return `delete rule ${op.name} (${op.why})`;
    case 'set-bypass-always':
      return `set bypassType ALWAYS on ${op.name}, was ${op.prev} (${op.why})`;
    case 'restore-bypass':
      return `restore bypassType ${op.prev} on ${op.name} (${op.why})`;
  }
}
