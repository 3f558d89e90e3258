/** The normalised incident event every webhook source produces. */
import * as z from 'zod/mini';
import { emailSchema } from '../validation/email.js';
import { parseWithSchema } from '../validation/parse.js';

/** A source name: the `{source}` path segment, the ledger key's prefix, the middle of a ZDX session name. */
export const SOURCE_NAME = /^[a-z][a-z0-9]{1,19}$/;

const nonEmpty = () => z.string().check(z.minLength(1));

/** Schema of {@link IncidentEvent}; also used by queue consumers to re-validate what ingress enqueued. */
export const IncidentEventSchema = z.object({
  /** The source's name in the registry (shared/incidents/sources.ts): lower-case letters and digits. */
  source: z.string().check(z.regex(SOURCE_NAME, 'must be a source name (lower-case letters and digits)')),
  /** The vendor's delivery/event id: the dedupe key (webhooks are delivered at least once). */
  eventId: nonEmpty(),
  /** Empty only for `ignored` events that concern no incident (e.g. PagerDuty's `pagey.ping`). */
  incidentId: z.string(),
  action: z.enum(['opened', 'resolved', 'ignored']),
  /** The source's own event type, kept for logs and metrics. */
  eventType: nonEmpty(),
  /** Affected end users: lower-cased, de-duplicated, valid addresses only. */
  userEmails: z.array(emailSchema),
  service: z.optional(z.string()),
  title: z.optional(z.string()),
  link: z.optional(z.httpUrl()),
  occurredAt: z.optional(z.string()),
  /** The source's priority or urgency (`P1`, `high`, …): deep traces start most urgent first. */
  priority: z.optional(z.string().check(z.maxLength(40))),
});

/** A webhook event reduced to what the automation needs, whatever tool sent it. */
export type IncidentEvent = z.infer<typeof IncidentEventSchema>;

/** What a webhook event asks the automation to do. */
export type IncidentAction = IncidentEvent['action'];

/** Re-validates an {@link IncidentEvent}, e.g. a queue message body produced by ingress. */
export function parseIncidentEvent(data: unknown): IncidentEvent {
  return parseWithSchema(IncidentEventSchema, data, 'incident event');
}
