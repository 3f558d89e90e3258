/**
 * A verified, normalised incident event → one command on the work queue. The command id is derived from
 * the source's event id, so a redelivered webhook maps to the same id (the worker is idempotent on top).
 */
import { createHash } from 'node:crypto';
import type { CommandQueue } from '../commands/queue.js';
import type { Command } from '../commands/contract.js';
import type { Logger } from '../logger.js';
import { capUserEmails, MAX_USER_EMAILS } from './emails.js';
import type { IncidentEvent } from './event.js';
import { USER_LOOKUP_SOURCES } from './lookup/sources.js';

export type IngestResult =
  | {
      status: 'accepted';
      commandId: string;
      command: Command['type'];
      /** Set when the event named more affected users than the cap (`maxAffectedUsers`): how many were left out. */
      usersOmitted?: number;
      note?: string;
    }
  | { status: 'ignored'; reason: string };

export const commandIdFor = (source: string, eventId: string) =>
  `cmd_${createHash('sha256').update(`${source}:${eventId}`).digest('hex').slice(0, 24)}`;

/** Default bound on how old a signed event may be (`MAX_EVENT_AGE_SECONDS`). */
export const DEFAULT_MAX_EVENT_AGE_SECONDS = 3_600;
/** How far in the future an event time may be (clock skew); more is a forged or broken sender. */
export const MAX_EVENT_FUTURE_SECONDS = 300;

export interface IngestOptions {
  maxEventAgeSeconds?: number;
  /**
   * Affected users acted on per event (`MAX_AFFECTED_USERS`, 1 … {@link MAX_USER_EMAILS}); the first ones are kept.
   * Default {@link MAX_USER_EMAILS}.
   */
  maxAffectedUsers?: number;
  /** Unix milliseconds; injectable for tests. */
  now?: number;
}

/**
 * Why an event's signed time puts it outside the window (too old, or too far ahead), or undefined when it is
 * inside or the event carries no time (sources without one bound replays otherwise: the generic source signs a
 * timestamp that must be within 5 minutes).
 */
export function eventTimeProblem(occurredAt: string | undefined, opts: IngestOptions = {}): string | undefined {
  if (occurredAt === undefined) return undefined;
  const at = Date.parse(occurredAt);
  if (Number.isNaN(at)) return 'the event time is not a date';
  const ageSec = ((opts.now ?? Date.now()) - at) / 1000;
  const maxAge = opts.maxEventAgeSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS;
  if (ageSec > maxAge)
    return `the event happened ${Math.round(ageSec)} s ago, more than the ${maxAge} s accepted (a late or replayed delivery)`;
  if (-ageSec > MAX_EVENT_FUTURE_SECONDS)
    return `the event time is ${Math.round(-ageSec)} s in the future, more than the ${MAX_EVENT_FUTURE_SECONDS} s of clock skew accepted`;
  return undefined;
}

export async function ingestIncident(
  event: IncidentEvent,
  queue: CommandQueue,
  logger: Logger,
  opts: IngestOptions = {},
): Promise<IngestResult> {
  if (event.action === 'ignored') return { status: 'ignored', reason: `event type ${event.eventType} needs no action` };
  const stale = eventTimeProblem(event.occurredAt, opts);
  if (stale) {
    // A 2xx stops the sender's retries; a replay gets nothing either way. The signature was valid, so say so loudly.
    logger.warn('signed incident event outside the accepted time window; ignored', {
      source: event.source,
      incidentId: event.incidentId,
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      reason: stale,
    });
    return { status: 'ignored', reason: stale };
  }
  // A resolve needs no user: the ledger knows the incident's devices. An open without one is acted on only where the
  // trace reconciler can ask the incident's tool for its affected users (PagerDuty's REST API: a v3 webhook carries
  // neither alert details nor custom field values).
  const findUsers = event.userEmails.length === 0 && event.action === 'opened' && USER_LOOKUP_SOURCES.has(event.source);
  if (event.userEmails.length === 0 && event.action === 'opened' && !findUsers) {
    // Nothing to act on; answering 2xx stops the sender's retries. The README explains the email fields.
    logger.warn('incident has no affected user email; check the email field configuration', {
      source: event.source,
      incidentId: event.incidentId,
    });
    return { status: 'ignored', reason: 'no affected user email found in the event' };
  }
  // The one place the cap on affected users applies, for every source: the first ones are acted on, and the
  // sender's answer and the log say how many were left out (a 4xx would have traced nobody).
  const users = capUserEmails(event.userEmails, opts.maxAffectedUsers ?? MAX_USER_EMAILS);
  const id = commandIdFor(event.source, event.eventId);
  const common = {
    id,
    incident: {
      source: event.source,
      incidentId: event.incidentId,
      eventId: event.eventId,
      service: event.service,
      title: event.title,
      link: event.link,
      priority: event.priority,
      occurredAt: event.occurredAt,
    },
    userEmails: users.kept,
    requestedBy: { kind: 'incident' as const, id: `${event.source}:${event.incidentId}` },
  };
  const command: Command =
    event.action === 'opened'
      ? { ...common, type: 'trace.start', ...(findUsers ? { findUsers: true } : {}) }
      : { ...common, type: 'trace.stop' };
  await queue.send(command);
  logger.info('incident enqueued', {
    commandId: id,
    type: command.type,
    source: event.source,
    incidentId: event.incidentId,
  });
  if (users.omitted === 0) return { status: 'accepted', commandId: id, command: command.type };
  const note = `the event names ${event.userEmails.length} affected users; the first ${users.kept.length} are acted on, the other ${users.omitted} are not (the limit per incident event)`;
  // Counts only: the addresses themselves would make this one line as long as the request.
  logger.warn('incident names more affected users than the limit; the rest are left out', {
    commandId: id,
    source: event.source,
    incidentId: event.incidentId,
    usersFound: event.userEmails.length,
    usersKept: users.kept.length,
    usersOmitted: users.omitted,
  });
  return { status: 'accepted', commandId: id, command: command.type, usersOmitted: users.omitted, note };
}
