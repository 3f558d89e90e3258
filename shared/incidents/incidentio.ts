/**
 * incident.io, and any other sender of Standard Webhooks with the same body (incident.io's webhooks are sent
 * through Svix, which implements that scheme).
 *
 * Authentication: shared/webhooks/standardWebhooks.ts (`webhook-id`, `webhook-timestamp` within 300 s,
 * `webhook-signature: v1,<base64> …`, keyed with the base64 part of the `whsec_` secret) against the `incidentio`
 * section of the webhooks secret; the signed timestamp is the replay bound.
 *
 * Body: `{ "event_type": "<name>", "<name>": { …the incident… } }`. The event names and fields below are what
 * this project expects; they could not be confirmed here (no vendor documentation or package was available to
 * check them against): `public_incident.incident_created_v2` → opened; `public_incident.incident_status_updated_v2`
 * → resolved when the new status's category is closing (`closed`, `resolved`, `learning`, `canceled`,
 * `declined`, `merged`), opened when it is live (`triage`, `active`, `live`: a reopen after a resolve); other
 * events ignored. Incident id: the incident's `id` (what the incident.io API takes). Dedupe id: `webhook-id`
 * (the same on every retry of a message). User: the custom field named "Affected user" (or "User email"), then
 * addresses in the incident's name and summary. Title: `<reference>: <name>`. Priority: the severity's name.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../errors.js';
import { parseJsonBody, parseWithSchema } from '../validation/parse.js';
import { headerValue } from '../webhooks/hmac.js';
import { STANDARD_WEBHOOK_HEADERS, verifyStandardWebhook } from '../webhooks/standardWebhooks.js';
import { distinctEmails, extractEmails } from './emails.js';
import type { IncidentAction, IncidentEvent } from './event.js';
import {
  boundedList,
  defineSource,
  MAX_TITLE_CHARS,
  optionalText,
  requiredId,
  vendorTime,
  type WebhookRequest,
} from './source.js';

export const INCIDENTIO_CREATED = 'public_incident.incident_created_v2';
export const INCIDENTIO_STATUS_UPDATED = 'public_incident.incident_status_updated_v2';

/** Custom fields that hold the affected user (names compared case-insensitively). */
const USER_FIELD_NAMES = new Set(['affected user', 'affected users', 'user email']);
const CLOSING = new Set(['closed', 'resolved', 'learning', 'canceled', 'cancelled', 'declined', 'merged']);
const LIVE = new Set(['triage', 'active', 'live']);

const named = z.optional(z.nullable(z.looseObject({ name: z.optional(z.nullable(z.string())) })));
const IncidentSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  reference: z.optional(z.nullable(z.string())),
  name: z.optional(z.nullable(z.string())),
  summary: z.optional(z.nullable(z.string())),
  permalink: z.optional(z.nullable(z.string())),
  created_at: z.optional(z.nullable(z.string())),
  updated_at: z.optional(z.nullable(z.string())),
  severity: named,
  incident_type: named,
  incident_status: z.optional(z.nullable(z.looseObject({ category: z.optional(z.nullable(z.string())) }))),
  custom_field_entries: z.optional(z.nullable(z.array(z.unknown()))),
});
const EnvelopeSchema = z.looseObject({ event_type: z.string().check(z.minLength(1), z.maxLength(200)) });

const HTTP_URL = z.httpUrl();

/** Emails in the user custom fields: `{custom_field: {name}, values: [{value_text | value_link | …}]}`. */
function customFieldEmails(entries: readonly unknown[]): string[] {
  const found: string[] = [];
  for (const entry of entries) {
    const e = entry as { custom_field?: { name?: unknown }; values?: unknown } | null;
    const name = e?.custom_field?.name;
    if (typeof name !== 'string' || !USER_FIELD_NAMES.has(name.trim().toLowerCase())) continue;
    for (const v of boundedList(e?.values)) {
      const value = v as Record<string, unknown> | null;
      const option = value?.value_option as { value?: unknown } | undefined;
      found.push(...extractEmails(value?.value_text ?? value?.value_link ?? option?.value));
    }
  }
  return found;
}

/** Parses an incident.io webhook body (authenticate first); see the module comment for the mapping. */
export function normaliseIncidentIo(req: WebhookRequest): IncidentEvent {
  const json = parseJsonBody(req.rawBody, 'incident.io webhook body');
  const { event_type: eventType } = parseWithSchema(EnvelopeSchema, json, 'incident.io webhook');
  const messageId = requiredId(headerValue(req.headers, STANDARD_WEBHOOK_HEADERS.id), 'webhook-id header');
  const known = eventType === INCIDENTIO_CREATED || eventType === INCIDENTIO_STATUS_UPDATED;
  if (!known) {
    return { source: 'incidentio', eventId: messageId, incidentId: '', action: 'ignored', eventType, userEmails: [] };
  }
  const payload = (json as Record<string, unknown>)[eventType];
  if (payload === undefined) throw new ValidationError(`invalid incident.io webhook: ${eventType}: required`);
  const incident = parseWithSchema(IncidentSchema, payload, `incident.io webhook ${eventType}`);
  const category = incident.incident_status?.category?.trim().toLowerCase() ?? '';
  let action: IncidentAction = 'ignored';
  if (eventType === INCIDENTIO_CREATED) action = CLOSING.has(category) ? 'ignored' : 'opened';
  else if (CLOSING.has(category)) action = 'resolved';
  else if (LIVE.has(category)) action = 'opened';
  const event: IncidentEvent = {
    source: 'incidentio',
    eventId: messageId,
    incidentId: requiredId(incident.id, 'invalid incident.io webhook: id'),
    action,
    eventType,
    userEmails: distinctEmails(
      customFieldEmails(boundedList(incident.custom_field_entries)),
      extractEmails(incident.name ?? undefined),
      extractEmails(incident.summary ?? undefined),
    ),
  };
  const title = [optionalText(incident.reference, 40), optionalText(incident.name, MAX_TITLE_CHARS)]
    .filter(Boolean)
    .join(': ');
  if (title) event.title = optionalText(title, MAX_TITLE_CHARS);
  const service = optionalText(incident.incident_type?.name, 200);
  if (service) event.service = service;
  const priority = optionalText(incident.severity?.name, 40);
  if (priority) event.priority = priority;
  if (incident.permalink && HTTP_URL.safeParse(incident.permalink).success) event.link = incident.permalink;
  const at = vendorTime(eventType === INCIDENTIO_CREATED ? incident.created_at : incident.updated_at);
  if (at) event.occurredAt = at;
  return event;
}

/** incident.io (and other Standard Webhooks senders), as a registry entry (section `incidentio`). */
export const incidentIoSource = defineSource({
  name: 'incidentio',
  section: 'incidentio',
  authenticate: (req, secrets, nowSec) =>
    verifyStandardWebhook(
      req.rawBody,
      {
        id: headerValue(req.headers, STANDARD_WEBHOOK_HEADERS.id),
        timestamp: headerValue(req.headers, STANDARD_WEBHOOK_HEADERS.timestamp),
        signature: headerValue(req.headers, STANDARD_WEBHOOK_HEADERS.signature),
      },
      secrets,
      nowSec,
    ),
  normalise: (req) => normaliseIncidentIo(req),
});
