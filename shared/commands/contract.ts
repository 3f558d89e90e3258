/**
 * The commands that travel on the queues from the ingress functions (and from the worker to itself) to the
 * worker and the reconciler. One zod/mini schema is the contract on both sides of every queue: producers
 * check a command with {@link serialiseCommand} before sending it, consumers with {@link parseCommand}.
 * Types are inferred from it.
 */
import * as z from 'zod/mini';
import { AppError, ValidationError } from '../errors.js';
import { emailSchema } from '../validation/email.js';
import { sqsRefusedCharacter } from '../validation/sqsText.js';
import { formatZodIssues, issueMessage, parseJsonBody } from '../validation/parse.js';

import { SESSION_MINUTES, type SessionMinutes } from '../zdx/sessionLengths.js';

export type { SessionMinutes };

/** Users one `status` may name: each costs a device search and a trace list per device in ZDX (5 requests/s). */
export const MAX_STATUS_USERS = 10;

export const incidentRefSchema = z.object({
  source: z.string().check(z.minLength(1)),
  incidentId: z.string().check(z.minLength(1)),
  eventId: z.optional(z.string()),
  service: z.optional(z.string()),
  title: z.optional(z.string()),
  link: z.optional(z.string()),
  /** The source's urgency or priority (`high`, `P1`, 2, …): starts are served most urgent first. */
  priority: z.optional(z.union([z.string().check(z.maxLength(40)), z.number()])),
  /** When the source says the event happened (ISO): orders an open and a resolve that arrive out of order. */
  occurredAt: z.optional(z.string().check(z.maxLength(40))),
});
export type IncidentRef = z.infer<typeof incidentRefSchema>;

/** Where an outcome goes besides the log and the configured callback (chat replies come later). */
export const replyTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('callback'), url: z.url() }),
  /** `ephemeral`: only the person who asked sees the outcome (status, dry runs); default `in_channel`. */
  z.object({
    kind: z.literal('slack'),
    responseUrl: z.url(),
    responseType: z.optional(z.enum(['in_channel', 'ephemeral'])),
  }),
  /** A Teams Workflows/incoming webhook URL: outgoing webhooks can only answer synchronously. */
  z.object({ kind: z.literal('teams'), url: z.url() }),
]);
export type ReplyTarget = z.infer<typeof replyTargetSchema>;

/** Who or what asked: an incident, a chat user (Slack user id / Teams AAD object id), a window, the schedule. */
export const requestedBySchema = z.object({
  kind: z.enum(['incident', 'slack', 'teams', 'schedule', 'window']),
  id: z.string(),
  name: z.optional(z.string()),
});
const requestedBy = requestedBySchema;
/**
 * The most users one command names: every incident source keeps the first `MAX_AFFECTED_USERS` of an event's
 * affected users, a setting whose default and ceiling is this bound (`MAX_USER_EMAILS` in
 * shared/incidents/emails.ts, which a test keeps equal), so a ZDX lookup stays one request. The consumer checks it
 * on every message: raise it here, and deploy the trace reconciler, before any producer sends more.
 */
export const MAX_COMMAND_USERS = 50;
const common = {
  id: z.string().check(z.minLength(1)),
  reply: z.optional(replyTargetSchema),
  /**
   * Follows one incident, window or chat command through every function's log lines and audit records. Set by
   * ingress when it knows better than the default ({@link correlationIdOf}); short, never user data beyond ids.
   */
  correlationId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
};

/**
 * A command's correlation id: the one it carries, else one per incident (`<source>:<incident id>`, shared by its
 * open, resolve and every redelivery), else the command id.
 */
export function correlationIdOf(command: {
  id: string;
  correlationId?: string | undefined;
  incident?: { source: string; incidentId: string } | undefined;
}): string {
  if (command.correlationId) return command.correlationId;
  if (command.incident) return `${command.incident.source}:${command.incident.incidentId}`;
  return command.id;
}

export const traceStartSchema = z
  .object({
    ...common,
    type: z.literal('trace.start'),
    incident: incidentRefSchema,
    /** Empty only with `findUsers`: the event named nobody and the incident tool is asked (PagerDuty's REST API). */
    userEmails: z.array(emailSchema).check(z.maxLength(MAX_COMMAND_USERS)),
    /** The trace reconciler asks the incident's tool for its affected users (the event itself carried none). */
    findUsers: z.optional(z.boolean()),
    requestedBy,
    sessionMinutes: z.optional(
      z.union(
        SESSION_MINUTES.map((m) => z.literal(m)) as [
          z.ZodMiniLiteral<SessionMinutes>,
          ...z.ZodMiniLiteral<SessionMinutes>[],
        ],
      ),
    ),
    /** Find the devices and the app that would be traced, start nothing (chat `dry-run trace`). */
    dryRun: z.optional(z.boolean()),
  })
  .check(
    z.refine((c) => c.userEmails.length > 0 || c.findUsers === true, {
      message: 'must name at least one user (or ask for the incident tool to be asked: findUsers)',
      path: ['userEmails'],
    }),
  );

export const traceStopSchema = z.object({
  ...common,
  type: z.literal('trace.stop'),
  incident: incidentRefSchema,
  /** May be empty: a resolve names its incident, whose devices the ledger holds (tools send no user on close). */
  userEmails: z.array(emailSchema).check(z.maxLength(MAX_COMMAND_USERS)),
  requestedBy,
});

/** Ad-hoc bypass of one ZPA application segment (by name or id) for a duration; expires like a window. */
export const bypassApplySchema = z.object({
  ...common,
  type: z.literal('bypass.apply'),
  segment: z.string().check(z.minLength(1)),
  durationMinutes: z.number().check(z.int(), z.positive()),
  reason: z.string().check(z.minLength(1)),
  requestedBy,
  dryRun: z.optional(z.boolean()),
  /** When it was asked: the expiry counts from here, so a redelivered message never extends the bypass. */
  requestedAt: z.optional(z.iso.datetime({ offset: true })),
});

/** Ends an ad-hoc bypass of a segment now. */
export const bypassRemoveSchema = z.object({
  ...common,
  type: z.literal('bypass.remove'),
  segment: z.string().check(z.minLength(1)),
  requestedBy,
  dryRun: z.optional(z.boolean()),
  /** A redelivered remove never ends a bypass asked for after it. */
  requestedAt: z.optional(z.iso.datetime({ offset: true })),
});

/** A window id: the file's (48 at most) or a declared maintenance's (`statuspage:` or `rootly:` before its id). */
const MAX_WINDOW_ID = 60;

/**
 * Emergency stop of a maintenance window (shared/windows/stops.ts): its bypass is removed now and not applied
 * again for the rest of the running occurrence, or for every occurrence until resumed.
 */
export const windowStopSchema = z.object({
  ...common,
  type: z.literal('window.stop'),
  windowId: z.string().check(z.minLength(1), z.maxLength(MAX_WINDOW_ID)),
  reason: z.string().check(z.maxLength(300)),
  untilResumed: z.optional(z.boolean()),
  requestedBy,
  requestedAt: z.optional(z.iso.datetime({ offset: true })),
});

/** Lifts a window's emergency stop. */
export const windowResumeSchema = z.object({
  ...common,
  type: z.literal('window.resume'),
  windowId: z.string().check(z.minLength(1), z.maxLength(MAX_WINDOW_ID)),
  requestedBy,
  requestedAt: z.optional(z.iso.datetime({ offset: true })),
});

/** Components one declared maintenance may name (a Statuspage maintenance or Rootly scheduled incident names a handful). */
export const MAX_MAINTENANCE_COMPONENTS = 100;

/**
 * A maintenance declared by a status page or incident tool (Statuspage's scheduled maintenance, Rootly's scheduled
 * incident): the vendor's view of it at `updatedAt`. The reconciler records it (shared/windows/declared.ts) and
 * bypasses the segments its components map to while it runs; a later `updatedAt` wins, so reordered deliveries
 * end where the vendor did. `components` are what it affects: Statuspage components (no `kind`), or Rootly
 * services and functionalities (`kind` says which); `pageId` is Statuspage's page (Rootly has none).
 */
export const maintenanceDeclareSchema = z.object({
  ...common,
  type: z.literal('maintenance.declare'),
  maintenance: z.object({
    source: z.enum(['statuspage', 'rootly']),
    // Statuspage ids are lowercase alphanumerics; Rootly's are lowercase UUIDs (with dashes). The id is part of
    // the window id (`<source>:<id>`), which must fit a window id's 48 characters.
    id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be lowercase letters, digits and dashes (max 40)')),
    pageId: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
    name: z.string().check(z.maxLength(300)),
    status: z.enum(['scheduled', 'in_progress', 'verifying', 'completed', 'cancelled']),
    scheduledFor: z.iso.datetime({ offset: true }),
    scheduledUntil: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
    components: z
      .array(
        z.object({
          id: z.string().check(z.minLength(1), z.maxLength(100)),
          name: z.string().check(z.maxLength(300)),
          kind: z.optional(z.enum(['service', 'functionality'])),
        }),
      )
      .check(z.maxLength(MAX_MAINTENANCE_COMPONENTS)),
    link: z.optional(z.string().check(z.maxLength(500))),
  }),
  requestedBy,
});

/** Active bypasses (from ZPA) and the deep traces on the given users' devices (from ZDX). */
export const statusSchema = z.object({
  ...common,
  type: z.literal('status'),
  requestedBy,
  userEmails: z.optional(z.array(emailSchema).check(z.maxLength(MAX_STATUS_USERS))),
});

/** Make ZDX match the incident ledger now (the every-minute tick, and the reconciler's own wake-ups). */
export const tracesReconcileSchema = z.object({ ...common, type: z.literal('traces.reconcile'), requestedBy });

/**
 * A wake-up the trace reconciler asks for at `dueAt` (something is due then: a running trace's next check).
 * It travels on the work queue, which takes a per-message delay; the worker turns it into a `traces.reconcile`.
 */
export const tracesWakeSchema = z.object({
  ...common,
  type: z.literal('traces.wake'),
  dueAt: z.iso.datetime({ offset: true }),
});

/**
 * Sent by a chat ingress beside every command it acknowledges, delayed (COMMAND_CHECK_DELAY_SECONDS): by then
 * the command's consumer has taken it and recorded its receipt (shared/commands/receipts.ts). If not, the command
 * was lost on its queue: the worker records it lost (a late arrival is then refused, never half-done) and tells
 * the requester that nothing was done.
 */
export const commandCheckSchema = z.object({
  ...common,
  type: z.literal('command.check'),
  commandId: z.string().check(z.minLength(1), z.maxLength(200)),
  /** What was asked, in words (`bypass payroll-app`), for the requester's message. */
  about: z.string().check(z.maxLength(300)),
  requestedBy,
});

/** Make ZPA match the maintenance windows now (sent by the schedule; serialised with bypass commands). */
export const reconcileSchema = z.object({ ...common, type: z.literal('reconcile'), requestedBy });

export const commandSchema = z.discriminatedUnion('type', [
  traceStartSchema,
  traceStopSchema,
  bypassApplySchema,
  bypassRemoveSchema,
  statusSchema,
  windowStopSchema,
  windowResumeSchema,
  maintenanceDeclareSchema,
  reconcileSchema,
  tracesReconcileSchema,
  tracesWakeSchema,
  commandCheckSchema,
]);
export type Command = z.infer<typeof commandSchema>;
export type TraceStart = z.infer<typeof traceStartSchema>;
export type TraceStop = z.infer<typeof traceStopSchema>;
export type BypassApply = z.infer<typeof bypassApplySchema>;
export type BypassRemove = z.infer<typeof bypassRemoveSchema>;
export type StatusCommand = z.infer<typeof statusSchema>;
export type WindowStopCommand = z.infer<typeof windowStopSchema>;
export type WindowResumeCommand = z.infer<typeof windowResumeSchema>;
export type MaintenanceDeclareCommand = z.infer<typeof maintenanceDeclareSchema>;
export type RequestedBy = z.infer<typeof requestedBySchema>;
export type CommandCheck = z.infer<typeof commandCheckSchema>;

/** A message on a queue that is not a valid command: it can never succeed. */
export class PoisonMessageError extends AppError {
  /** The reply target the message named, when that part of it was valid: the requester is told. */
  readonly reply: ReplyTarget | undefined;
  constructor(message: string, reply?: ReplyTarget) {
    super('poison_message', message, 400, false);
    this.reply = reply;
  }
}

/**
 * The consumer's side of the contract: a queue message body → a command.
 * @throws PoisonMessageError for a body that is not JSON or not a command, carrying its reply target if it has one.
 */
export function parseCommand(body: string): Command {
  let data: unknown;
  try {
    data = parseJsonBody(body, 'queue message');
  } catch (e) {
    throw new PoisonMessageError((e as Error).message);
  }
  const r = commandSchema.safeParse(data, { error: issueMessage });
  if (r.success) return r.data;
  const reply = replyTargetSchema.safeParse((data as { reply?: unknown } | null)?.reply);
  throw new PoisonMessageError(
    `not a valid command: ${formatZodIssues(r.error)}`,
    reply.success ? reply.data : undefined,
  );
}

/**
 * The producer's side of the contract: the message body of a command, after checking it against the schema,
 * so nothing a consumer would refuse is ever sent (and acknowledged to a requester).
 * @throws ValidationError (exposable: it names what is wrong, never the values) for an invalid command.
 */
export function serialiseCommand(command: Command): string {
  const problem = commandProblem(command);
  if (problem) throw new ValidationError(problem);
  const body = JSON.stringify(command);
  // SQS refuses a message holding such a character (the edge removes them; this is the last line): a 400 naming
  // it, never a 500 from SendMessage that the sender would retry forever.
  const refused = sqsRefusedCharacter(body);
  if (refused)
    throw new ValidationError(`invalid ${command.type} command: holds ${refused}, which a queue message cannot carry`);
  return body;
}

/** What is wrong with a command by the contract (paths and rules, never values), or undefined when it is valid. */
export function commandProblem(command: Command): string | undefined {
  const r = commandSchema.safeParse(command, { error: issueMessage });
  return r.success
    ? undefined
    : `invalid ${String((command as { type?: unknown }).type)} command: ${formatZodIssues(r.error)}`;
}

/** What a command asks for, in words: `Could not <this>: …`, `Your request to <this> …`. */
export function describeCommand(c: Command): string {
  switch (c.type) {
    case 'trace.start':
      return `start a deep trace for ${c.userEmails.join(', ')}`;
    case 'trace.stop':
      return `stop the deep trace for ${c.incident.incidentId}`;
    case 'bypass.apply':
      return `bypass ${c.segment}`;
    case 'bypass.remove':
      return `end the bypass of ${c.segment}`;
    case 'status':
      return 'show the status';
    case 'window.stop':
      return `stop maintenance window ${c.windowId}`;
    case 'window.resume':
      return `resume maintenance window ${c.windowId}`;
    case 'maintenance.declare':
      return `record ${c.maintenance.source} maintenance ${c.maintenance.id}`;
    case 'reconcile':
      return 'reconcile maintenance windows';
    case 'traces.reconcile':
      return 'reconcile deep traces';
    case 'traces.wake':
      return 'wake the trace reconciler';
    case 'command.check':
      return `check on ${c.about}`;
  }
}
