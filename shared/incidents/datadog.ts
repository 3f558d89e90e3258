/**
 * Datadog monitors, through the Webhooks integration with the payload template of docs/sources.md.
 *
 * Authentication: Datadog cannot sign a request. The webhook's custom headers carry
 * `X-Webhook-Token: <secret>`, compared in constant time with the `datadog` section of the webhooks secret (two
 * entries during a rotation). No signed time: the token is the only guard; the template's `date` (`$DATE`),
 * when it parses, bounds replays at ingest, and dedupe makes a redelivery do nothing new.
 *
 * Mapping: `transition` (`$ALERT_TRANSITION`) `Triggered` / `Re-Triggered` → opened, `Recovered` → resolved;
 * others (Warn, No Data, Renotify, …) ignored. Incident id: `cycle_key` (`$ALERT_CYCLE_KEY`: the same for a
 * trigger and its recovery). Dedupe id: `<cycle_key>:<transition>:<id>` (`$ID`, one per notification).
 * User: `user:<email>` in `tags` (`$TAGS`), or the template's `user_email`. Service: a `service:<name>` tag, else
 * `hostname`. Priority: `priority` (`$ALERT_PRIORITY`, P1…P5).
 */
import * as z from 'zod/mini';
import { parseJsonBody, parseWithSchema } from '../validation/parse.js';
import { headerValue } from '../webhooks/hmac.js';
import { assertTokenMatches } from '../webhooks/tokens.js';
import { distinctEmails, extractEmails } from './emails.js';
import type { IncidentAction, IncidentEvent } from './event.js';
import {
  defineSource,
  emailsFromUserTags,
  MAX_LIST_ITEMS,
  MAX_SERVICE_CHARS,
  MAX_TITLE_CHARS,
  optionalText,
  requiredId,
  vendorTime,
} from './source.js';
import { TOKEN_HEADER } from './opsgenie.js';

const text = z.optional(z.nullable(z.union([z.string(), z.number()])));
const DatadogWebhookSchema = z.looseObject({
  id: z.union([z.string(), z.number()]),
  cycle_key: z.union([z.string(), z.number()]),
  transition: z.string().check(z.minLength(1), z.maxLength(100)),
  title: text,
  priority: text,
  tags: z.optional(z.nullable(z.union([z.string(), z.array(z.string())]))),
  hostname: text,
  link: text,
  date: text,
  user_email: z.optional(z.nullable(z.union([z.string(), z.array(z.string())]))),
});

const ACTIONS: Readonly<Record<string, IncidentAction>> = {
  triggered: 'opened',
  're-triggered': 'opened',
  recovered: 'resolved',
};

/** `$TAGS` is one comma-separated string (`env:prod,user:alice@x.io`); a template may also give an array. */
const tagList = (tags: string | string[] | null | undefined): string[] =>
  (typeof tags === 'string' ? tags.split(',') : (tags ?? [])).slice(0, MAX_LIST_ITEMS).map((t) => t.trim());

const HTTP_URL = z.httpUrl();

/** Parses a Datadog webhook body rendered from the documented template (authenticate first). */
export function normaliseDatadog(rawBody: string): IncidentEvent {
  const json = parseJsonBody(rawBody, 'Datadog webhook body');
  const body = parseWithSchema(DatadogWebhookSchema, json, 'Datadog webhook');
  const cycleKey = requiredId(body.cycle_key, 'invalid Datadog webhook: cycle_key');
  const id = requiredId(body.id, 'invalid Datadog webhook: id');
  const transition = optionalText(body.transition, 100) ?? 'unknown';
  const tags = tagList(body.tags);
  const event: IncidentEvent = {
    source: 'datadog',
    eventId: `${cycleKey}:${transition}:${id}`,
    incidentId: cycleKey,
    action: ACTIONS[transition.toLowerCase()] ?? 'ignored',
    eventType: transition,
    userEmails: distinctEmails(emailsFromUserTags(tags), extractEmails(body.user_email ?? undefined)),
  };
  const title = optionalText(body.title, MAX_TITLE_CHARS);
  if (title) event.title = title;
  const serviceTag = tags.find((t) => t.toLowerCase().startsWith('service:'));
  const service =
    optionalText(serviceTag?.slice('service:'.length), MAX_SERVICE_CHARS) ??
    optionalText(body.hostname, MAX_SERVICE_CHARS);
  if (service) event.service = service;
  const priority = optionalText(body.priority, 40);
  if (priority) event.priority = priority;
  const link = optionalText(body.link, 2000);
  if (link && HTTP_URL.safeParse(link).success) event.link = link;
  const at = vendorTime(body.date);
  if (at) event.occurredAt = at;
  return event;
}

/** Datadog monitors, as a registry entry (section `datadog`: the tokens). */
export const datadogSource = defineSource({
  name: 'datadog',
  section: 'datadog',
  authenticate: (req, tokens) => assertTokenMatches(headerValue(req.headers, TOKEN_HEADER), tokens, 'Datadog'),
  normalise: (req) => normaliseDatadog(req.rawBody),
});
