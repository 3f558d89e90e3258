/**
 * `window stop` / `window resume` (chat, through the policy queue to the reconciler): records or lifts a window's
 * emergency stop (stops.ts) with one audit record per change. Idempotent: a stop of a window already stopped as
 * asked (the same command delivered again, or a second person asking) changes nothing and writes no audit record
 * of a change; it says who stopped it. The bypass itself is removed (or, on resume, put back) by the reconcile
 * the runner runs right after (shared/bypass/run.ts), the same way every other change to ZPA is made.
 */
import type { WindowResumeCommand, WindowStopCommand } from '../commands/contract.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { who } from '../bypass/adhoc.js';
import { activeOccurrence, type MaintenanceWindow, type WindowsFile } from '../bypass/windows.js';
import {
  ALL_WINDOWS,
  describeStop,
  everythingStopped,
  stopApplies,
  stopsInForce,
  type WindowStop,
  type WindowStopStore,
} from './stops.js';

interface StopDeps {
  store: WindowStopStore;
  windows: WindowsFile;
  logger: Logger;
  now?: Date;
}

export interface StopOutcome {
  text: string;
  /** Whether the stored stops changed (a reconcile is worth running). */
  changed: boolean;
  data: Record<string, unknown>;
}

/** `window stop all` / `window resume all` name this instead of a window. */
const ALL = 'all';

export async function stopWindow(cmd: WindowStopCommand, deps: StopDeps): Promise<StopOutcome> {
  if (cmd.windowId === ALL) return stopEverything(cmd, deps);
  const now = deps.now ?? new Date();
  const window = findWindow(deps.windows, cmd.windowId);
  const occ = activeOccurrence(window, now);
  const untilResumed = cmd.untilResumed === true;
  if (!occ && !untilResumed)
    throw new ValidationError(
      `window ${window.id} is not running now, so there is nothing to stop; "window stop ${window.id} until-resumed" keeps its next occurrences from running`,
    );
  const { stops, version } = await deps.store.read();
  const current = stopsInForce(stops, now);
  const existing = current.find((s) => s.windowId === window.id);
  // Already stopped at least as far as asked: nothing changes, nothing is audited as a change.
  if (existing && (existing.untilResumed || (!untilResumed && occ && stopApplies(existing, occ.start)))) {
    deps.logger.info('window already stopped', { windowId: window.id, commandId: cmd.id, stoppedBy: existing.by });
    return {
      text: `Window ${window.id} is already stopped (${describeStop(existing)}).`,
      changed: false,
      data: { windowId: window.id, stop: existing, duplicate: true },
    };
  }
  const by = who(cmd);
  const stop: WindowStop = {
    windowId: window.id,
    ...(occ ? { occurrenceStart: occ.start.toISOString(), occurrenceEnd: occ.end.toISOString() } : {}),
    untilResumed,
    stoppedAt: now.toISOString(),
    by,
    reason: cmd.reason,
    commandId: cmd.id,
  };
  await deps.store.save([...current.filter((s) => s.windowId !== window.id), stop], version);
  deps.logger.audit({
    action: 'window.stop',
    trigger: { kind: cmd.requestedBy.kind, id: cmd.id, by },
    target: { windowId: window.id },
    before: existing ?? { stopped: false },
    after: stop,
    result: 'success',
    reason: cmd.reason || undefined,
  });
  const how = untilResumed
    ? 'until someone says "window resume"'
    : `for the rest of this occurrence (it ends ${occ!.end.toISOString()}; the next one runs normally)`;
  return {
    text: `Window ${window.id} is stopped ${how}: ${occ ? 'its bypass is removed now' : 'it is not running now'}.`,
    changed: true,
    data: { windowId: window.id, stop },
  };
}

export async function resumeWindow(cmd: WindowResumeCommand, deps: StopDeps): Promise<StopOutcome> {
  const now = deps.now ?? new Date();
  if (cmd.windowId === ALL) return resumeEverything(cmd, deps, now);
  const window = findWindow(deps.windows, cmd.windowId);
  const { stops, version } = await deps.store.read();
  const current = stopsInForce(stops, now);
  const existing = current.find((s) => s.windowId === window.id);
  if (!existing)
    return {
      text: `Window ${window.id} is not stopped; nothing changed.`,
      changed: false,
      data: { windowId: window.id },
    };
  // A resume delivered late never lifts a stop somebody asked for after it.
  if (cmd.requestedAt && new Date(existing.stoppedAt) > new Date(cmd.requestedAt))
    return {
      text: `Window ${window.id} was stopped again after this request; that stop stays (${describeStop(existing)}).`,
      changed: false,
      data: { windowId: window.id, newer: true },
    };
  await deps.store.save(
    current.filter((s) => s.windowId !== window.id),
    version,
  );
  const by = who(cmd);
  deps.logger.audit({
    action: 'window.resume',
    trigger: { kind: cmd.requestedBy.kind, id: cmd.id, by },
    target: { windowId: window.id },
    before: existing,
    after: { stopped: false },
    result: 'success',
  });
  const occ = activeOccurrence(window, now);
  return {
    text: `Window ${window.id} is resumed: ${occ ? `its bypass is back until ${occ.end.toISOString()}` : 'it runs at its next occurrence'}.`,
    changed: true,
    data: { windowId: window.id, resumed: existing },
  };
}

/**
 * `window stop all`: every window and every ad-hoc bypass, until `window resume all` (stops.ts ALL_WINDOWS). The
 * stops of single windows stay as they are beneath it, so resuming everything gives back exactly what was running.
 */
async function stopEverything(cmd: WindowStopCommand, deps: StopDeps): Promise<StopOutcome> {
  const now = deps.now ?? new Date();
  const { stops, version } = await deps.store.read();
  const current = stopsInForce(stops, now);
  const existing = everythingStopped(current);
  if (existing) {
    deps.logger.info('everything already stopped', { commandId: cmd.id, stoppedBy: existing.by });
    return {
      text: `Every bypass is already stopped (${describeStop(existing)}).`,
      changed: false,
      data: { windowId: ALL, stop: existing, duplicate: true },
    };
  }
  const by = who(cmd);
  const stop: WindowStop = {
    windowId: ALL_WINDOWS,
    untilResumed: true,
    stoppedAt: now.toISOString(),
    by,
    reason: cmd.reason,
    commandId: cmd.id,
  };
  await deps.store.save([...current, stop], version);
  deps.logger.audit({
    action: 'window.stop',
    trigger: { kind: cmd.requestedBy.kind, id: cmd.id, by },
    target: { windowId: ALL_WINDOWS },
    before: { stopped: false },
    after: stop,
    result: 'success',
    reason: cmd.reason || undefined,
  });
  return {
    text: 'Every bypass is stopped until someone says "window resume all": the bypasses of running windows and every ad-hoc bypass are removed now, and new ones are refused meanwhile.',
    changed: true,
    data: { windowId: ALL, stop },
  };
}

async function resumeEverything(cmd: WindowResumeCommand, deps: StopDeps, now: Date): Promise<StopOutcome> {
  const { stops, version } = await deps.store.read();
  const current = stopsInForce(stops, now);
  const existing = everythingStopped(current);
  if (!existing)
    return { text: 'Not everything is stopped; nothing changed.', changed: false, data: { windowId: ALL } };
  if (cmd.requestedAt && new Date(existing.stoppedAt) > new Date(cmd.requestedAt))
    return {
      text: `Everything was stopped again after this request; that stop stays (${describeStop(existing)}).`,
      changed: false,
      data: { windowId: ALL, newer: true },
    };
  await deps.store.save(
    current.filter((s) => s !== existing),
    version,
  );
  const by = who(cmd);
  deps.logger.audit({
    action: 'window.resume',
    trigger: { kind: cmd.requestedBy.kind, id: cmd.id, by },
    target: { windowId: ALL_WINDOWS },
    before: existing,
    after: { stopped: false },
    result: 'success',
  });
  const still = current.filter((s) => s !== existing);
  return {
    text: `Everything is resumed: running windows get their bypasses back${still.length ? ` (except the windows stopped on their own: ${still.map((s) => s.windowId).join(', ')})` : ''}; ad-hoc bypasses removed by the stop stay removed (ask again).`,
    changed: true,
    data: { windowId: ALL, resumed: existing },
  };
}

function findWindow(file: WindowsFile, id: string): MaintenanceWindow {
  const window = file.windows.find((w) => w.id === id.toLowerCase());
  if (!window) {
    const known = file.windows.map((w) => w.id);
    throw new NotFoundError(
      `no maintenance window "${id}" in the windows file (${known.length ? `its windows: ${known.join(', ')}` : 'it declares none'})`,
    );
  }
  return window;
}
