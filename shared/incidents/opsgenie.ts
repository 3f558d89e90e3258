/**
 * Opsgenie and Jira Service Management alerts, through their outgoing Webhook integration.
 *
 * Authentication: Opsgenie cannot sign a request. The integration sends a custom header we ask for,
 * `X-Webhook-Token: <secret>` (or, for a sender that can only set a URL, `?token=<secret>`), compared in constant
 * time with the `opsgenie` section of the webhooks secret (two entries during a rotation). There is no signed
 * time: the token is the only guard, and replays of a captured request are bounded by dedupe (the same alert
 * action maps to the same command) and by the event time (`createdAt` / `updatedAt`, see ingest).
 *
 * Mapping: `action` `Create` → opened, `Close` → resolved; every other action (Acknowledge, AddNote, …) is
 * acknowledged and ignored. Incident id: `alert.alertId` (what the Alert API takes). Dedupe id:
 * `<alertId>:<action>` (Opsgenie creates and closes an alert once; a redelivery is the same pair).
 * User: the configured keys of `alert.details` (Opsgenie sends details only with Create and custom actions), then
 * `user:<email>` tags (sent with every action, so a Close finds the user too). Service: `alert.entity`.
 * Title: `#<tinyId> <message>`. Priority: `alert.priority` (P1…P5).
 */
import * as z from 'zod/mini';
import { parseJsonBody, parseWithSchema } from '../validation/parse.js';
import { headerValue } from '../webhooks/hmac.js';
import { assertTokenMatches } from '../webhooks/tokens.js';
import { distinctEmails, extractEmails } from './emails.js';
import type { IncidentAction, IncidentEvent } from './event.js';
import {
  boundedList,
  defineSource,
  emailsFromUserTags,
  MAX_SERVICE_CHARS,
  MAX_TITLE_CHARS,
  optionalText,
  requiredId,
  vendorTime,
} from './source.js';

/** The header (lower-cased) and the query parameter that carry the shared token. */
export const TOKEN_HEADER = 'x-webhook-token';
export const TOKEN_QUERY = 'token';

/** `alert.details` keys tried when the deployment names none (`OPSGENIE_USER_FIELDS`). */
const DEFAULT_USER_FIELDS = ['affected_user', 'user_email', 'user'];

const OpsgenieWebhookSchema = z.looseObject({
  action: z.string().check(z.minLength(1), z.maxLength(100)),
  alert: z.looseObject({
    alertId: z.string().check(z.minLength(1)),
    message: z.optional(z.nullable(z.string())),
    tinyId: z.optional(z.nullable(z.union([z.string(), z.number()]))),
    entity: z.optional(z.nullable(z.string())),
    priority: z.optional(z.nullable(z.string())),
    tags: z.optional(z.nullable(z.array(z.unknown()))),
    details: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
    createdAt: z.optional(z.nullable(z.number())),
    updatedAt: z.optional(z.nullable(z.number())),
  }),
});

const ACTIONS: Readonly<Record<string, IncidentAction>> = { create: 'opened', close: 'resolved' };

/** Parses an Opsgenie / JSM alert webhook body (authenticate first); see the module comment for the mapping. */
export function normaliseOpsgenie(rawBody: string, userFields: readonly string[] = DEFAULT_USER_FIELDS): IncidentEvent {
  const json = parseJsonBody(rawBody, 'Opsgenie webhook body');
  const { action: rawAction, alert } = parseWithSchema(OpsgenieWebhookSchema, json, 'Opsgenie webhook');
  const action = ACTIONS[rawAction.toLowerCase()] ?? 'ignored';
  const alertId = requiredId(alert.alertId, 'invalid Opsgenie webhook: alert.alertId');
  const details = alert.details ?? {};
  const fromDetails = userFields.flatMap((k) => (Object.hasOwn(details, k) ? extractEmails(details[k]) : []));
  const event: IncidentEvent = {
    source: 'opsgenie',
    eventId: `${alertId}:${rawAction}`,
    incidentId: alertId,
    action,
    eventType: optionalText(rawAction, 100) ?? 'unknown',
    userEmails: distinctEmails(fromDetails, emailsFromUserTags(boundedList(alert.tags))),
  };
  const message = optionalText(alert.message, MAX_TITLE_CHARS);
  const tiny = optionalText(alert.tinyId, 20);
  const title = [tiny && `#${tiny}`, message].filter(Boolean).join(' ');
  if (title) event.title = optionalText(title, MAX_TITLE_CHARS);
  const service = optionalText(alert.entity, MAX_SERVICE_CHARS);
  if (service) event.service = service;
  const priority = optionalText(alert.priority, 40);
  if (priority) event.priority = priority;
  // A Close happens at the alert's last update; a Create at its creation.
  const at = vendorTime(
    action === 'opened' ? (alert.createdAt ?? alert.updatedAt) : (alert.updatedAt ?? alert.createdAt),
  );
  if (at) event.occurredAt = at;
  return event;
}

/** Opsgenie / JSM alerts, as a registry entry (section `opsgenie`: the tokens). */
export const opsgenieSource = defineSource({
  name: 'opsgenie',
  section: 'opsgenie',
  authenticate: (req, tokens) =>
    assertTokenMatches(headerValue(req.headers, TOKEN_HEADER) ?? req.query[TOKEN_QUERY], tokens, 'Opsgenie'),
  normalise: (req, opts) => normaliseOpsgenie(req.rawBody, opts.opsgenieUserFields),
});
