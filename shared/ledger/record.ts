/**
 * The incident ledger's record: one per incident (source + incident id), holding what should be true (the
 * incident is open or resolved, for which users, who asked, where to report) and what has been done on each
 * affected device (the trace started, its id, reported, stopped). The trace reconciler converges ZDX to it.
 *
 * Everything here is pure: commands are applied to a record by {@link applyTraceCommand}, and the reconciler
 * moves device entries through their phases. Redelivered and reordered events are no-ops by construction:
 * a command id seen before changes nothing, and a resolve is final unless the source reopens the incident
 * with a later event time.
 */
import {
  MAX_COMMAND_USERS,
  type IncidentRef,
  type ReplyTarget,
  type RequestedBy,
  type TraceStart,
  type TraceStop,
} from '../commands/contract.js';
import type { SessionMinutes } from '../zdx/sessionLengths.js';

/**
 * Where a device stands. `found` waits for a slot; `starting` is the intent written *before* the start is
 * sent (after a crash or a lost answer the next run recognises the trace by its session name); `running` has
 * its trace id. `ended`: ZDX has ended the trace and its slot is free, its results are still to be read and
 * reported (starts waiting for that slot go first). The rest are final: each device gets exactly one of them, and
 * one report saying so.
 */
export type DevicePhase =
  | 'found'
  | 'starting'
  | 'running'
  | 'ended'
  | 'reported'
  | 'stopped'
  | 'busy'
  | 'dropped'
  | 'failed';

export const FINAL_PHASES: ReadonlySet<DevicePhase> = new Set(['reported', 'stopped', 'busy', 'dropped', 'failed']);
/** Phases that hold one of the tenant's active-trace slots. */
export const ACTIVE_PHASES: ReadonlySet<DevicePhase> = new Set(['starting', 'running']);

export interface DeviceEntry {
  deviceId: number;
  deviceName: string;
  phase: DevicePhase;
  traceId?: string;
  /** Trace ids of earlier rounds (before a reopen): never adopted again. */
  pastTraceIds?: string[];
  appName?: string;
  /** When the start was last sent (ISO); the intent that survives a crash. */
  startSentAt?: string;
  startedAt?: string;
  /** When ZDX should end the trace (start + start-up + session length): a check is due then, not a period later. */
  expectedEndAt?: string;
  lastCheckAt?: string;
  checks?: number;
  /** The "started" message for this device has been sent. */
  startReported?: boolean;
  /** Why the device ended (final phases other than `reported`). */
  note?: string;
  /** What ZDX said when the trace was seen ended (`ended`): its status and its own start and end (epoch s). */
  endStatus?: string;
  traceStartedAt?: number;
  traceEndedAt?: number;
  /**
   * What its start will send, read while the device waited for a slot (its app and probes), so a freed slot costs
   * only the start itself. Read again when older than {@link PREPARED_MAX_AGE_MS}.
   */
  prepared?: PreparedStart;
}

export interface PreparedStart {
  appId?: number;
  appName?: string;
  webProbeId?: number;
  cloudPathProbeId?: number;
  /** When it was read (ISO). */
  at: string;
}

/** A prepared start older than this is read again: the device's apps and probes may have changed. */
export const PREPARED_MAX_AGE_MS = 30 * 60_000;

export interface IncidentRecord {
  /** `<source>#<incidentId>`: the table's partition key. */
  key: string;
  incident: IncidentRef;
  state: 'open' | 'resolved';
  users: string[];
  /** 1 (most urgent) … 5; starts are served in this order, then by age. */
  priority: number;
  requestedBy: RequestedBy;
  reply?: ReplyTarget;
  sessionMinutes?: SessionMinutes;
  /** Preview only: look the devices up, report what would be traced, start nothing. */
  dryRun?: boolean;
  openedAt: string;
  resolvedAt?: string;
  /** The source's time of the latest open/resolve applied: orders events that arrive out of order. */
  eventAt?: string;
  /** Ids of the commands applied (bounded): a redelivery is a no-op. */
  commandIds: string[];
  /** Each reopen starts a new round: devices are looked up and traced again. */
  round: number;
  /** Devices have been looked up in ZDX for this round. */
  lookedUp: boolean;
  devices: DeviceEntry[];
  /** The requester has been told this incident waits for a slot. */
  queuedNoticeSent?: boolean;
  /** The devices the resolve dropped before their start have been named (one report per incident). */
  droppedNoticeSent?: boolean;
  /** A failure that ended the whole incident (e.g. no device found), reported once. */
  failure?: string;
  /** The failure has been reported. */
  failureReported?: boolean;
  /** Optimistic concurrency: every write expects the version it read. 0 = not yet stored. */
  version: number;
}

export const MAX_REMEMBERED_COMMANDS = 20;
/** The note of a device whose incident resolved while it waited for a slot. */
export const DROPPED_WAITING = 'resolved before a slot was free';

export const ledgerKey = (incident: Pick<IncidentRef, 'source' | 'incidentId'>) =>
  `${incident.source}#${incident.incidentId}`;

/** True while the reconciler still has something to do for the record (it is in the pending index). */
export function needsWork(r: IncidentRecord): boolean {
  if (r.failure && !r.failureReported) return true;
  if (r.state === 'resolved' && !r.droppedNoticeSent && r.devices.some((d) => d.note === DROPPED_WAITING)) return true;
  if (r.state === 'open' && !r.lookedUp && !r.failure) return true;
  // A device reaches a final phase only once its outcome has been reported.
  return r.devices.some((d) => !FINAL_PHASES.has(d.phase));
}

/**
 * The event's time as a UTC instant (`toISOString`). Sources write ISO 8601 with any offset and precision
 * (`…T18:19:22+05:30`, `…T12:49:22.970Z`, `…T12:49:22Z`), and such strings do not order as text: they are
 * compared as instants, and stored normalised.
 */
function eventTime(c: { occurredAt?: string }, fallback: string): string {
  const t = Date.parse(c.occurredAt ?? '');
  return Number.isNaN(t) ? fallback : new Date(t).toISOString();
}

/** `a` happened before `b` (records written before times were normalised may hold any ISO form). */
const before = (a: string, b: string) => Date.parse(a) < Date.parse(b);

/** Urgency words and P-levels from incident tools → 1..5 (chat asks are 2: someone is waiting for it). */
export function priorityOf(value: string | number | undefined, fallback = 3): number {
  if (typeof value === 'number' && Number.isInteger(value)) return Math.min(5, Math.max(1, value));
  const v = String(value ?? '')
    .trim()
    .toLowerCase();
  const p = /^(?:p|sev|sev-|priority\s*)?([1-5])\b/.exec(v);
  if (p) return Number(p[1]);
  if (['critical', 'high', 'urgent'].includes(v)) return 1;
  if (['medium', 'moderate'].includes(v)) return 3;
  if (['low', 'minor', 'info'].includes(v)) return 4;
  return fallback;
}

export type ApplyResult = { record: IncidentRecord; changed: boolean; note?: string };

/**
 * Applies an open (`trace.start`) or a resolve (`trace.stop`) to the incident's record (or creates it).
 * A command seen before changes nothing; an event older than the last one applied changes nothing; a
 * resolve is final until a *later* open (the source reopened the incident), which starts a new round.
 */
export function applyTraceCommand(
  existing: IncidentRecord | undefined,
  cmd: TraceStart | TraceStop,
  now: string,
): ApplyResult {
  if (existing?.commandIds.includes(cmd.id)) return { record: existing, changed: false, note: 'duplicate' };
  const at = eventTime(cmd.incident, now);
  const remember = (r: IncidentRecord): IncidentRecord => ({
    ...r,
    commandIds: [...r.commandIds, cmd.id].slice(-MAX_REMEMBERED_COMMANDS),
  });

  if (cmd.type === 'trace.stop') {
    if (!existing) {
      // A resolve that overtook its open: recorded, so the late open finds the incident already over.
      return { record: remember(newRecord(cmd, 'resolved', at, now)), changed: true, note: 'resolved-before-open' };
    }
    if (existing.state === 'resolved' || (existing.eventAt && before(at, existing.eventAt)))
      return { record: remember(existing), changed: true, note: 'stale-resolve' };
    return { record: remember({ ...existing, state: 'resolved', resolvedAt: now, eventAt: at }), changed: true };
  }

  if (!existing) return { record: remember(newRecord(cmd, 'open', at, now)), changed: true };
  const merged = mergeUsers(existing, cmd);
  if (existing.state === 'open') return { record: remember(merged), changed: true };
  // Resolved: only an open that says when it happened, later than the resolve, reopens it (the source reopened
  // the incident); a redelivered or reordered open is older, and one without a time cannot be told apart.
  if (Number.isNaN(Date.parse(cmd.incident.occurredAt ?? '')) || !existing.eventAt || !before(existing.eventAt, at))
    return { record: remember(existing), changed: true, note: 'open-after-resolve-ignored' };
  return {
    record: remember({
      ...merged,
      state: 'open',
      eventAt: at,
      resolvedAt: undefined,
      round: existing.round + 1,
      lookedUp: false,
      failure: undefined,
      failureReported: undefined,
      queuedNoticeSent: undefined,
      droppedNoticeSent: undefined,
      // Earlier rounds' traces are history: never adopted as this round's.
      devices: pastRounds(existing),
    }),
    changed: true,
    note: 'reopened',
  };
}

/** The devices of the rounds before a reopen, kept only for the trace ids they must never adopt again. */
function pastRounds(r: IncidentRecord): DeviceEntry[] {
  return r.devices
    .filter((d) => d.traceId || d.pastTraceIds?.length)
    .map((d) => ({
      deviceId: d.deviceId,
      deviceName: d.deviceName,
      phase: 'dropped' as const,
      pastTraceIds: [...(d.pastTraceIds ?? []), ...(d.traceId ? [d.traceId] : [])],
      note: 'earlier round',
    }));
}

function mergeUsers(r: IncidentRecord, cmd: TraceStart): IncidentRecord {
  // Bounded like every command (the first ones kept): reopens and new opens never grow a record past it.
  const users = [...new Set([...r.users, ...cmd.userEmails])].slice(0, MAX_COMMAND_USERS);
  // New users in an open incident are looked up on the next run.
  return users.length === r.users.length ? r : { ...r, users, lookedUp: false };
}

function newRecord(cmd: TraceStart | TraceStop, state: 'open' | 'resolved', at: string, now: string): IncidentRecord {
  return {
    key: ledgerKey(cmd.incident),
    incident: cmd.incident,
    state,
    users: [...cmd.userEmails],
    priority: priorityOf(cmd.incident.priority, cmd.requestedBy.kind === 'incident' ? 3 : 2),
    requestedBy: cmd.requestedBy,
    reply: cmd.reply,
    sessionMinutes: cmd.type === 'trace.start' ? cmd.sessionMinutes : undefined,
    dryRun: cmd.type === 'trace.start' && cmd.dryRun ? true : undefined,
    openedAt: now,
    resolvedAt: state === 'resolved' ? now : undefined,
    eventAt: at,
    commandIds: [],
    round: 1,
    lookedUp: state === 'resolved',
    devices: [],
    version: 0,
  };
}
