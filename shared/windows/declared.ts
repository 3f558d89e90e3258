/**
 * Maintenance windows declared by a status page or incident tool rather than written in the windows file: a
 * Statuspage scheduled maintenance or a Rootly scheduled incident (docs/sources.md, "Statuspage scheduled
 * maintenances", "Rootly scheduled incidents") arrives as a `maintenance.declare` command on the policy queue; the reconciler records the vendor's view of it here and, on every run, merges the declared
 * maintenances that are running into the windows file's windows before planning. So a declared window goes
 * through exactly the guardrails, planner, drift policy and dry run of a file window, and its bypass ends like
 * one: when its status says so or its scheduled end passes, whichever comes first, at the latest a minute later.
 *
 * Durable, in one item of the ledger table (key `declared-windows`, like the emergency stops' `window-stops`, so
 * the reconciler's IAM stays limited to named keys): the declarations (`doc`, JSON) and a `version` every write is
 * conditional on. Each declaration is the vendor's latest state by its own `updated_at`: a delivery older than
 * (or as old as) what is stored changes nothing, so reordered and repeated deliveries end where the vendor did.
 * A declaration is kept for {@link KEEP_ENDED_MS} after it ended, so a late redelivery of an earlier state is
 * still recognised as older; after that a replay could not bypass anything anyway (its scheduled end is past).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDocItem } from '../ledger/docItem.js';
import type { MaintenanceDeclareCommand } from '../commands/contract.js';
import { AppError, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { MaintenanceWindow, WindowsFile } from '../bypass/windows.js';

/** The one ledger key the declarations live under (serverless.yml limits the reconciler's access to it). */
export const DECLARED_WINDOWS_KEY = 'declared-windows';
/** How long an ended declaration is kept (to recognise late deliveries of its earlier states). */
export const KEEP_ENDED_MS = 7 * 86_400_000;
/** The most declarations the item holds; ended ones are dropped first (an item holds at most 400 KB). */
export const MAX_DECLARATIONS = 100;

export type DeclaredMaintenance = MaintenanceDeclareCommand['maintenance'];

/** One declaration as stored: the vendor's latest state, plus when it went in progress and which command wrote it. */
export interface Declaration extends DeclaredMaintenance {
  /** The vendor's time of the first state seen in progress (in_progress or verifying): an early start starts the bypass. */
  startedAt?: string;
  commandId: string;
  recordedAt: string;
}

export interface DeclaredWindows {
  declarations: Declaration[];
  /** The stored item's version (0: none stored yet); `save` is conditional on it. */
  version: number;
}

export interface DeclaredWindowStore {
  /** The declarations as stored now (a strongly consistent read). */
  read(): Promise<DeclaredWindows>;
  /** Stores `declarations` if the stored version is still `version`. @throws DeclaredWindowsConflictError otherwise. */
  save(declarations: Declaration[], version: number): Promise<void>;
}

export class DeclaredWindowsConflictError extends AppError {
  constructor() {
    super('declared_windows_conflict', 'the declared maintenances changed while they were being updated', 409, true);
  }
}

/** The window id of a declaration, which names its bypass rule (`zea-bypass:win:rootly:<id>`): the source is in it. */
export const declaredWindowId = (d: Pick<DeclaredMaintenance, 'source' | 'id'>) => `${d.source}:${d.id}`;

const RUNNING = new Set<DeclaredMaintenance['status']>(['in_progress', 'verifying']);
const ENDED = new Set<DeclaredMaintenance['status']>(['completed', 'cancelled']);
/** How far along its life a status is: of two states stamped with the same time, the later one wins. */
const STAGE: Readonly<Record<DeclaredMaintenance['status'], number>> = {
  scheduled: 0,
  in_progress: 1,
  verifying: 2,
  completed: 3,
  cancelled: 3,
};

/** How each source's maintenances are named in logs, reports and ZPA. */
const LABEL: Readonly<Record<DeclaredMaintenance['source'], string>> = {
  statuspage: 'Statuspage maintenance',
  rootly: 'Rootly scheduled incident',
};
const labelOf = (d: Pick<DeclaredMaintenance, 'source' | 'id'>) => `${LABEL[d.source]} ${d.id}`;

/** When a declaration's bypass starts: its scheduled start, or earlier when the vendor put it in progress early. */
function startOf(d: Declaration): Date {
  const scheduled = new Date(d.scheduledFor);
  if (!RUNNING.has(d.status) || !d.startedAt) return scheduled;
  const started = new Date(d.startedAt);
  return started < scheduled ? started : scheduled;
}

/** When the declaration stops mattering: its scheduled end, or its last update once it is completed or cancelled. */
const endedAt = (d: Declaration): Date =>
  ENDED.has(d.status)
    ? new Date(Math.min(Date.parse(d.updatedAt), Date.parse(d.scheduledUntil)))
    : new Date(d.scheduledUntil);

export type ApplyResult =
  | { changed: true; next: Declaration[]; before: Declaration | undefined; after: Declaration }
  | { changed: false; reason: 'duplicate' | 'older'; current: Declaration };

/**
 * The stored declarations with `incoming` applied (pure): the vendor's later `updatedAt` wins; an older one changes
 * nothing, nor does an equal one unless its status is further along (Rootly stamps events, and two events of one
 * change may carry the same time). Ended declarations past {@link KEEP_ENDED_MS} are dropped, then the oldest ended ones
 * while more than {@link MAX_DECLARATIONS} are kept.
 * @throws ValidationError when {@link MAX_DECLARATIONS} declarations are all still live.
 */
export function applyDeclaration(
  stored: Declaration[],
  incoming: DeclaredMaintenance,
  meta: { commandId: string; now: Date },
): ApplyResult {
  const id = declaredWindowId(incoming);
  const before = stored.find((d) => declaredWindowId(d) === id);
  if (before) {
    const diff = Date.parse(incoming.updatedAt) - Date.parse(before.updatedAt);
    if (diff < 0) return { changed: false, reason: 'older', current: before };
    if (diff === 0 && STAGE[incoming.status] <= STAGE[before.status])
      return { changed: false, reason: 'duplicate', current: before };
  }
  const after: Declaration = {
    ...incoming,
    // The first state seen in progress fixes when it started; a later update (verifying) keeps that time.
    ...(RUNNING.has(incoming.status) ? { startedAt: before?.startedAt ?? incoming.updatedAt } : {}),
    commandId: meta.commandId,
    recordedAt: meta.now.toISOString(),
  };
  const kept = stored.filter(
    (d) => declaredWindowId(d) !== id && meta.now.getTime() - endedAt(d).getTime() < KEEP_ENDED_MS,
  );
  const next = [...kept, after];
  if (next.length > MAX_DECLARATIONS) {
    const ended = next
      .filter((d) => d !== after && endedAt(d) <= meta.now)
      .sort((a, b) => endedAt(a).getTime() - endedAt(b).getTime());
    const drop = new Set(ended.slice(0, next.length - MAX_DECLARATIONS));
    const trimmed = next.filter((d) => !drop.has(d));
    if (trimmed.length > MAX_DECLARATIONS)
      throw new ValidationError(
        `more than ${MAX_DECLARATIONS} declared maintenances are scheduled or running; ${id} is not recorded`,
      );
    return { changed: true, next: trimmed, before, after };
  }
  return { changed: true, next, before, after };
}

/** Why a declaration cannot bypass anything under its source's mapping in the windows file, or its segments. */
export function mappedSegments(
  d: Pick<DeclaredMaintenance, 'source' | 'pageId' | 'components'>,
  file: WindowsFile,
): { segments: string[]; unmapped: string[] } | { problem: string } {
  return d.source === 'rootly' ? rootlySegments(d, file) : statuspageSegments(d, file);
}

function statuspageSegments(
  d: Pick<DeclaredMaintenance, 'pageId' | 'components'>,
  file: WindowsFile,
): { segments: string[]; unmapped: string[] } | { problem: string } {
  const mapping = file.statuspage;
  if (!mapping) return { problem: 'the windows file has no "statuspage" section, so no component maps to a segment' };
  if (d.pageId !== mapping.pageId)
    return { problem: `it is for page ${d.pageId ?? '(none)'}, not the configured page ${mapping.pageId}` };
  const segments = new Set<string>();
  const unmapped: string[] = [];
  for (const c of d.components) {
    const mapped = Object.hasOwn(mapping.components, c.id) ? mapping.components[c.id] : undefined;
    if (mapped) for (const s of mapped) segments.add(s);
    else unmapped.push(c.id);
  }
  return { segments: [...segments], unmapped };
}

/**
 * Rootly: each service (`services`) or functionality (`functionalities`) maps by its Rootly id, or by its name
 * without regard to case; every key that matches adds its segments. Unmapped ones are named `service "<name>"`.
 */
function rootlySegments(
  d: Pick<DeclaredMaintenance, 'components'>,
  file: WindowsFile,
): { segments: string[]; unmapped: string[] } | { problem: string } {
  const mapping = file.rootly;
  if (!mapping)
    return { problem: 'the windows file has no "rootly" section, so no service or functionality maps to a segment' };
  const segments = new Set<string>();
  const unmapped: string[] = [];
  for (const c of d.components) {
    const table = c.kind === 'functionality' ? mapping.functionalities : mapping.services;
    const name = c.name.trim().toLowerCase();
    const keys = Object.keys(table).filter((k) => k === c.id || (name !== '' && k.trim().toLowerCase() === name));
    for (const k of keys) for (const s of table[k]!) segments.add(s);
    if (!keys.length) unmapped.push(`${c.kind ?? 'service'} "${c.name || c.id}"`);
  }
  return { segments: [...segments], unmapped };
}

export type DeclaredRefusal = { windowId: string; reason: string };

/**
 * The declarations that want a bypass (scheduled, in progress or verifying, and not past their end) as windows of
 * the windows file, and those refused: no mapped component (never guessed), another page, or longer than the
 * guardrails' `maxWindowMinutes`. Only declarations running at `now` are refused (one scheduled for next week is
 * not yet anyone's problem); a refused one is simply not a window, so it bypasses nothing.
 */
export function declaredWindows(
  declarations: Declaration[],
  file: WindowsFile,
  now: Date,
): { windows: MaintenanceWindow[]; refused: DeclaredRefusal[] } {
  const windows: MaintenanceWindow[] = [];
  const refused: DeclaredRefusal[] = [];
  for (const d of declarations) {
    if (ENDED.has(d.status)) continue;
    const start = startOf(d);
    const end = new Date(d.scheduledUntil);
    if (end <= now) continue;
    const windowId = declaredWindowId(d);
    const runningNow = start <= now;
    const refuse = (reason: string) => {
      if (runningNow) refused.push({ windowId, reason });
    };
    const minutes = (end.getTime() - start.getTime()) / 60_000;
    if (minutes <= 0) {
      refuse('its scheduled end is not after its start');
      continue;
    }
    if (minutes > file.guardrails.maxWindowMinutes) {
      refuse(`lasts ${Math.round(minutes)} min, longer than maxWindowMinutes ${file.guardrails.maxWindowMinutes}`);
      continue;
    }
    const mapped = mappedSegments(d, file);
    if ('problem' in mapped) {
      refuse(mapped.problem);
      continue;
    }
    if (!mapped.segments.length) {
      refuse(
        d.source === 'rootly'
          ? `none of its services or functionalities (${mapped.unmapped.join(', ') || 'none'}) is mapped to a segment in the windows file's rootly section`
          : `none of its components (${d.components.map((c) => c.id).join(', ') || 'none'}) is mapped to a segment in the windows file's statuspage.components`,
      );
      continue;
    }
    // mappedSegments found the source's section, so it is there.
    const section = (d.source === 'rootly' ? file.rootly : file.statuspage)!;
    windows.push({
      id: windowId,
      segments: mapped.segments,
      segmentGroups: [],
      schedule: { start: start.toISOString(), end: end.toISOString() },
      mode: section.mode,
      onDrift: section.onDrift,
      reason: `${labelOf(d)}${d.name ? `: ${d.name}` : ''}`,
      enabled: true,
    });
  }
  return { windows, refused };
}

/** The windows file with the declared windows added (ids cannot collide: file ids have no colon). */
export const withDeclaredWindows = (file: WindowsFile, windows: MaintenanceWindow[]): WindowsFile =>
  windows.length ? { ...file, windows: [...file.windows, ...windows] } : file;

export interface DeclareOutcome {
  text: string;
  /** Whether the stored declarations changed (a reconcile is worth running). */
  changed: boolean;
  data: Record<string, unknown>;
}

/**
 * `maintenance.declare` (from the Statuspage or Rootly webhook, through the policy queue): records the vendor's
 * state with one audit record per change. A Statuspage maintenance for another page, or any maintenance whose
 * source has no windows-file section at all, is refused
 * (ValidationError: reported, nothing recorded). Components without a mapping are named in the log and counted
 * (`BypassesRefused`, reason `unmapped-component`), never guessed; the maintenance is still recorded, so its mapped components are
 * bypassed and a later update of it is ordered against this one.
 */
export async function declareMaintenance(
  cmd: MaintenanceDeclareCommand,
  deps: { store: DeclaredWindowStore; windows: WindowsFile; logger: Logger; now?: Date },
): Promise<DeclareOutcome> {
  const now = deps.now ?? new Date();
  const m = cmd.maintenance;
  const windowId = declaredWindowId(m);
  const mapped = mappedSegments(m, deps.windows);
  if ('problem' in mapped) {
    deps.logger.metric('BypassesRefused', 1, { dims: { source: m.source, reason: 'maintenance-refused' } });
    throw new ValidationError(`${labelOf(m)} is refused: ${mapped.problem}`);
  }
  if (mapped.unmapped.length) {
    deps.logger.metric('BypassesRefused', mapped.unmapped.length, {
      dims: { source: m.source, reason: 'unmapped-component' },
    });
    deps.logger.warn(`${LABEL[m.source]} names components with no segment mapping; they are not bypassed`, {
      windowId,
      unmapped: mapped.unmapped,
      mappedSegments: mapped.segments,
    });
  }
  const { declarations, version } = await deps.store.read();
  const applied = applyDeclaration(declarations, m, { commandId: cmd.id, now });
  if (!applied.changed) {
    deps.logger.info('declared maintenance unchanged', {
      windowId,
      reason: applied.reason,
      storedUpdatedAt: applied.current.updatedAt,
      deliveredUpdatedAt: m.updatedAt,
    });
    return {
      text: `${labelOf(m)}: ${applied.reason === 'duplicate' ? 'already recorded' : `an older update (${m.updatedAt}) than the one recorded (${applied.current.updatedAt}); nothing changed`}.`,
      changed: false,
      data: { windowId, status: applied.current.status, [applied.reason]: true },
    };
  }
  await deps.store.save(applied.next, version);
  deps.logger.audit({
    action: 'maintenance.declare',
    trigger: { kind: 'window', id: cmd.id, by: m.source },
    target: { windowId, ...(m.pageId ? { pageId: m.pageId } : {}) },
    before: applied.before ? summary(applied.before) : { declared: false },
    after: summary(applied.after),
    result: 'success',
  });
  const segments = mapped.segments.length ? mapped.segments.join(', ') : 'no segment (nothing it names is mapped)';
  return {
    text: `${labelOf(m)} is ${m.status.replace('_', ' ')} (${m.scheduledFor} to ${m.scheduledUntil}): ${ENDED.has(m.status) ? 'its bypass ends now' : `bypass of ${segments}`}.`,
    changed: true,
    data: { windowId, status: m.status, segments: mapped.segments, unmapped: mapped.unmapped },
  };
}

const summary = (d: Declaration) => ({
  status: d.status,
  scheduledFor: d.scheduledFor,
  scheduledUntil: d.scheduledUntil,
  updatedAt: d.updatedAt,
  components: d.components.map((c) => (c.kind ? `${c.kind}:${c.id}` : c.id)),
  ...(d.startedAt ? { startedAt: d.startedAt } : {}),
});

/** The declarations in the ledger table (shared/ledger/docItem.ts: a Query on the item's key, which the IAM condition names). */
export function dynamoDeclaredWindows(opts: { tableName: string; client?: DynamoDBClient }): DeclaredWindowStore {
  const item = dynamoDocItem<{ declarations: Declaration[] }>({ ...opts, key: DECLARED_WINDOWS_KEY });
  return {
    async read() {
      const { doc, version } = await item.read();
      return { declarations: doc?.declarations ?? [], version };
    },
    async save(declarations, version) {
      if (!(await item.save({ declarations }, version))) throw new DeclaredWindowsConflictError();
    },
  };
}
