/**
 * A verified, normalised incident event → one command on the work queue. The command id is derived from
 * the source's event id, so a redelivered webhook maps to the same id (the worker is idempotent on top).
 */
import { createHash } from 'node:crypto';
import type { CommandQueue } from '../aws/queue.js';
import type { Command } from '../commands.js';
import type { Logger } from '../logger.js';
import type { IncidentEvent } from '../sources/incident.js';

export type IngestResult =
  | { status: 'accepted'; commandId: string; command: Command['type'] }
  | { status: 'ignored'; reason: string };

export const commandIdFor = (source: string, eventId: string) =>
  `cmd_${createHash('sha256').update(`${source}:${eventId}`).digest('hex').slice(0, 24)}`;

export async function ingestIncident(event: IncidentEvent, queue: CommandQueue, logger: Logger): Promise<IngestResult> {
  if (event.action === 'ignored') return { status: 'ignored', reason: `event type ${event.eventType} needs no action` };
  if (event.userEmails.length === 0) {
    // Nothing to act on; answering 2xx stops the sender's retries. The README explains the email fields.
    logger.warn('incident has no affected user email; check the email field configuration', { source: event.source, incidentId: event.incidentId });
    return { status: 'ignored', reason: 'no affected user email found in the event' };
  }
  const id = commandIdFor(event.source, event.eventId);
  const common = {
    id,
    incident: { source: event.source, incidentId: event.incidentId, eventId: event.eventId, service: event.service, title: event.title, link: event.link },
    userEmails: event.userEmails,
    requestedBy: { kind: 'incident' as const, id: `${event.source}:${event.incidentId}` },
  };
  const command: Command = event.action === 'opened' ? { ...common, type: 'trace.start' } : { ...common, type: 'trace.stop' };
  await queue.send(command);
  logger.info('incident enqueued', { commandId: id, type: command.type, source: event.source, incidentId: event.incidentId });
  return { status: 'accepted', commandId: id, command: command.type };
}
