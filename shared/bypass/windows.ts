/**
 * The maintenance windows file (config/maintenance-windows.json, bundled into the reconciler and validated
 * at cold start and in the tests). Each window bypasses ZPA application segments for a time: recurring
 * (a cron expression in a time zone plus a duration, like AWS Systems Manager maintenance windows) or one-off
 * (start and end). Guardrails bound what any window or ad-hoc bypass may do.
 */
import * as z from 'zod/mini';
import { CronExpressionParser } from 'cron-parser';
import { ValidationError } from '../errors.js';
import { formatZodIssues } from '../validation/parse.js';

const isoInstant = z.iso.datetime({ offset: true });
const cronSchedule = z.object({
  cron: z.string().check(z.refine((v) => validCron(v), 'must be a 5-field cron expression, e.g. "0 2 * * SUN"')),
  timezone: z._default(
    z.string().check(z.refine(validTimeZone, 'must be an IANA time zone, e.g. "Europe/Berlin"')),
    'UTC',
  ),
  durationMinutes: z.number().check(z.int(), z.positive()),
});
const oneOffSchedule = z.object({ start: isoInstant, end: isoInstant });

const windowSchema = z.object({
  /** Stable id: it names the bypass rule and appears in every audit record. */
  id: z.string().check(
    z.regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'must be lowercase letters, digits and dashes (max 48)'),
    // `window stop all` stops every window and ad-hoc bypass (shared/windows/stops.ts): no window may be called so.
    z.refine((id) => id !== 'all', '"all" is reserved (window stop all)'),
  ),
  segments: z._default(z.array(z.string().check(z.minLength(1))), []),
  segmentGroups: z._default(z.array(z.string().check(z.minLength(1))), []),
  schedule: z.union([cronSchedule, oneOffSchedule]),
  /** `rule`: a client forwarding rule with action BYPASS, placed first. `bypassType`: set each segment's bypassType to ALWAYS. */
  mode: z._default(z.enum(['rule', 'bypassType']), 'rule'),
  /** What to do when a human changed or deleted our bypass during the window (README "Drift policy"). */
  onDrift: z._default(z.enum(['restore', 'respect']), 'restore'),
  reason: z.string().check(z.minLength(3)),
  enabled: z._default(z.boolean(), true),
});

/**
 * Maintenances declared by a Statuspage page (docs/sources.md, "Statuspage scheduled maintenances"): which of
 * its components stand for which ZPA segments. A component not listed is never bypassed (nothing is guessed from
 * names); the segments listed must be in the allowlist like any window's.
 */
const statuspageSchema = z.object({
  /** The page whose maintenances are honoured (`page.id` of every delivery); another page's are refused. */
  pageId: z.string().check(z.regex(/^[a-z0-9]{1,40}$/, 'must be a Statuspage page id (lowercase letters and digits)')),
  /** Component id → the application segments (names or ids) it stands for. */
  components: z.record(
    z.string().check(z.regex(/^[a-z0-9]{1,40}$/, 'must be a Statuspage component id')),
    z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  ),
  mode: z._default(z.enum(['rule', 'bypassType']), 'rule'),
  onDrift: z._default(z.enum(['restore', 'respect']), 'restore'),
});

/** Segments one Rootly service or functionality stands for, keyed by its Rootly id or its name. */
const rootlyTargets = z.record(
  z.string().check(z.minLength(1), z.maxLength(200)),
  z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
);

/**
 * Scheduled incidents (maintenances) declared in Rootly (docs/sources.md, "Rootly scheduled incidents"): which of
 * its services and functionalities stand for which ZPA segments. A key is the Rootly id or the name (matched
 * without regard to case); one not listed is never bypassed, and the segments must be in the allowlist.
 */
const rootlySchema = z.object({
  services: z._default(rootlyTargets, {}),
  functionalities: z._default(rootlyTargets, {}),
  mode: z._default(z.enum(['rule', 'bypassType']), 'rule'),
  onDrift: z._default(z.enum(['restore', 'respect']), 'restore'),
});

const windowsFileSchema = z.object({
  guardrails: z.object({
    /** Segment names (with `*` wildcards) or ids that may be bypassed at all. Nothing else ever is. */
    allowedSegments: z.array(z.string().check(z.minLength(1))),
    /** The longest bypass any window or ad-hoc request may hold. */
    maxWindowMinutes: z.number().check(z.int(), z.positive()),
    /** Log the plan, change nothing. */
    dryRun: z._default(z.boolean(), false),
  }),
  windows: z.array(windowSchema),
  statuspage: z.optional(statuspageSchema),
  rootly: z.optional(rootlySchema),
});

export type MaintenanceWindow = z.infer<typeof windowSchema>;
export type WindowsFile = z.infer<typeof windowsFileSchema>;
export type Guardrails = WindowsFile['guardrails'];

/** Validates a parsed windows file: shape, unique ids, each window has targets and fits the guardrails. */
export function parseWindowsFile(data: unknown): WindowsFile {
  const r = windowsFileSchema.safeParse(data);
  if (!r.success) throw new ValidationError(`invalid windows file: ${formatZodIssues(r.error)}`);
  const file = r.data;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const w of file.windows) {
    if (seen.has(w.id)) problems.push(`windows: duplicate id "${w.id}"`);
    seen.add(w.id);
    if (!w.segments.length && !w.segmentGroups.length) problems.push(`${w.id}: names no segments or segment groups`);
    const minutes = durationMinutes(w);
    if (minutes <= 0) problems.push(`${w.id}: ends before it starts`);
    if (minutes > file.guardrails.maxWindowMinutes)
      problems.push(`${w.id}: lasts ${minutes} min, longer than maxWindowMinutes ${file.guardrails.maxWindowMinutes}`);
    for (const s of w.segments)
      if (!isAllowed(file.guardrails, s)) problems.push(`${w.id}: segment "${s}" is not in guardrails.allowedSegments`);
    // Overlapping occurrences would chain into a bypass that never ends.
    if ('cron' in w.schedule && minutes > 0) {
      const gap = shortestGapMinutes(w.schedule.cron);
      if (minutes > gap)
        problems.push(`${w.id}: lasts ${minutes} min but starts every ${gap} min: occurrences would overlap`);
    }
  }
  for (const [component, segments] of Object.entries(file.statuspage?.components ?? {}))
    for (const s of segments)
      if (!isAllowed(file.guardrails, s))
        problems.push(`statuspage: component ${component}: segment "${s}" is not in guardrails.allowedSegments`);
  for (const kind of ['services', 'functionalities'] as const)
    for (const [key, segments] of Object.entries(file.rootly?.[kind] ?? {}))
      for (const s of segments)
        if (!isAllowed(file.guardrails, s))
          problems.push(`rootly: ${kind} "${key}": segment "${s}" is not in guardrails.allowedSegments`);
  if (problems.length) throw new ValidationError(`invalid windows file: ${problems.join('; ')}`);
  return file;
}

function durationMinutes(w: MaintenanceWindow): number {
  return 'cron' in w.schedule
    ? w.schedule.durationMinutes
    : (Date.parse(w.schedule.end) - Date.parse(w.schedule.start)) / 60_000;
}

/** The occurrence of a window that contains `now`, if any: its start and end. */
export function activeOccurrence(w: MaintenanceWindow, now: Date): { start: Date; end: Date } | undefined {
  if (!w.enabled) return undefined;
  if (!('cron' in w.schedule)) {
    const start = new Date(w.schedule.start);
    const end = new Date(w.schedule.end);
    return now >= start && now < end ? { start, end } : undefined;
  }
  // Walk back over the starts that may still be running, in the window's own time zone. A start that repeats
  // the previous start's wall-clock time is the second pass of a DST fall-back hour: not a new occurrence.
  const durationMs = w.schedule.durationMinutes * 60_000;
  const expr = CronExpressionParser.parse(w.schedule.cron, {
    tz: w.schedule.timezone,
    currentDate: new Date(now.getTime() + 1),
  });
  const starts: Date[] = [];
  for (let i = 0; i < 8; i++) {
    const d = expr.prev().toDate();
    starts.push(d);
    if (now.getTime() - d.getTime() > durationMs) break;
  }
  const wall = wallClock(w.schedule.timezone);
  for (const [i, start] of [...starts.entries()].reverse()) {
    // The second pass of a fall-back hour repeats the previous start's wall-clock time; it is a new start only
    // when the previous occurrence is already over by then (an hourly window), else it would stretch one.
    const earlier = starts[i + 1];
    if (earlier && wall(earlier) === wall(start) && start.getTime() < earlier.getTime() + durationMs) continue;
    const end = new Date(start.getTime() + durationMs);
    if (start <= now && now < end) return { start, end };
  }
  return undefined;
}

const formatters = new Map<string, (d: Date) => string>();
const wallClock = (timeZone: string) => {
  let format = formatters.get(timeZone);
  if (!format) {
    const f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    format = (d: Date) => f.format(d);
    formatters.set(timeZone, format);
  }
  return format;
};

/**
 * The shortest time between two starts of a cron expression (its next 60 starts from a fixed date, in UTC):
 * cheap enough for a cold start, and the same answer on every day of the year (DST shifts of an hour aside).
 */
function shortestGapMinutes(cron: string): number {
  const expr = CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: new Date('2026-01-05T00:00:00Z') });
  let prev = expr.next().toDate();
  let gap = Infinity;
  for (let i = 0; i < 60; i++) {
    const next = expr.next().toDate();
    gap = Math.min(gap, (next.getTime() - prev.getTime()) / 60_000);
    prev = next;
  }
  return gap;
}

/** A name or id matches an allowlist entry exactly (case-insensitive) or by `*` wildcard. */
export function isAllowed(g: Guardrails, nameOrId: string, id?: string): boolean {
  return g.allowedSegments.some((pattern) => [nameOrId, id].some((v) => v !== undefined && globMatch(pattern, v)));
}

const globMatch = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  ).test(value);

function validCron(v: string): boolean {
  if (v.trim().split(/\s+/).length !== 5) return false;
  try {
    CronExpressionParser.parse(v);
    return true;
  } catch {
    return false;
  }
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Reads a windows file given as JSON text (the WINDOWS_FILE of local runs, tests). */
export function parseWindowsJson(text: string): WindowsFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ValidationError(`invalid windows file: not JSON (${(e as Error).message})`);
  }
  return parseWindowsFile(data);
}
