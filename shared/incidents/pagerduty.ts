/**
 * PagerDuty v3 webhook subscriptions: signature verification and normalisation to {@link IncidentEvent}.
 *
 * Signature: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]`, each an HMAC-SHA256 of the raw body keyed with a
 * subscription signing secret. PagerDuty sends several while it rotates the secret; we may hold several while we
 * rotate ours. No header timestamp is signed; the signed body's `event.occurred_at` is: incident events older than
 * `MAX_EVENT_AGE_SECONDS` are ignored at ingest, and redeliveries are deduped on `event.id` downstream.
 */
import * as z from 'zod/mini';
import { UnauthorizedError, ValidationError } from '../errors.js';
import { emailsAtPaths, extractEmails } from './emails.js';
import { assertSecrets, headerValue, hmacSha256, safeEqualAny, SHA256_HEX } from '../webhooks/hmac.js';
import { defineSource, MAX_SERVICE_CHARS, MAX_TITLE_CHARS, optionalText, requiredId } from './source.js';
import { parseJsonBody, parseWithSchema } from '../validation/parse.js';
import { holdsRefusedCharacter } from '../validation/sqsText.js';
import type { IncidentAction, IncidentEvent } from './event.js';

/** Signature header name (as API Gateway v2 delivers it: lower-cased). */
export const PAGERDUTY_SIGNATURE_HEADER = 'x-pagerduty-signature';

/** Signatures accepted in one header; bounds HMAC comparisons (secrets × signatures) a caller can trigger. */
const MAX_SIGNATURES = 8;

/**
 * Verifies `X-PagerDuty-Signature` over the raw (decoded, unparsed) body. Accepts when any `v1=` signature
 * matches the HMAC under any of `secrets`; all pairs are compared in constant time. Entries of other versions are
 * ignored so a future `v2=` alongside `v1=` keeps working, but a header with no `v1=` entry is rejected.
 * @throws UnauthorizedError('invalid signature') for a missing, malformed or non-matching header — the message
 *   never says which. ConfigError when `secrets` is empty or holds an empty secret.
 */
export function verifyPagerDutySignature(rawBody: string, header: string | undefined, secrets: string[]): void {
  assertSecrets(secrets, 'PagerDuty');
  if (header === undefined) throw new UnauthorizedError();
  const entries = header.split(',').map((e) => e.trim());
  if (entries.length > MAX_SIGNATURES) throw new UnauthorizedError();

  const candidates: Buffer[] = [];
  for (const entry of entries) {
    const match = /^(v\d+)=(.*)$/.exec(entry);
    if (!match) throw new UnauthorizedError();
    if (match[1] !== 'v1') continue;
    const hex = match[2] ?? '';
    if (!SHA256_HEX.test(hex)) throw new UnauthorizedError();
    candidates.push(Buffer.from(hex, 'hex')); // compare bytes, so upper-case hex is accepted too
  }
  if (candidates.length === 0) throw new UnauthorizedError();

  const expected = secrets.map((secret) => hmacSha256(secret, rawBody));
  if (!safeEqualAny(expected, candidates)) throw new UnauthorizedError();
}

// Only the fields we use are validated, and objects are loose: PagerDuty adds fields over time and a new field
// must never turn a real incident into a 400. `data` varies by resource type (incident, service, pagey ping).
const PagerDutyWebhookSchema = z.looseObject({
  event: z.looseObject({
    id: z.string().check(z.minLength(1)),
    event_type: z.string().check(z.minLength(1)),
    resource_type: z.optional(z.string()),
    occurred_at: z.optional(z.string()),
    data: z.looseObject({
      id: z.optional(z.string()),
      title: z.optional(z.nullable(z.string())),
      html_url: z.optional(z.nullable(z.string())),
      service: z.optional(z.nullable(z.looseObject({ summary: z.optional(z.nullable(z.string())) }))),
      urgency: z.optional(z.nullable(z.string())),
      priority: z.optional(z.nullable(z.looseObject({ summary: z.optional(z.nullable(z.string())) }))),
    }),
  }),
});

/** PagerDuty event types that start work, and the one that ends it. Everything else is acknowledged and ignored. */
const ACTIONS: Readonly<Record<string, IncidentAction>> = {
  'incident.triggered': 'opened',
  'incident.reopened': 'opened',
  'incident.resolved': 'resolved',
};

/** Options for {@link normalisePagerDuty}. */
export interface PagerDutyNormaliseOptions {
  /**
   * Dotted paths into `event.data` that may hold the affected user's email(s), tried in order and combined, e.g.
   * `custom_details.affected_user`, `body.details.user_email`, `custom_fields.affected_user` (custom fields are
   * an array of `{ name, value }`). Each value may be an address, a comma/space-separated list, or an array.
   */
  emailFields: string[];
}

// The link ends up in chat messages and incident notes: keep only http(s) URLs (the same rule as
// IncidentEventSchema.link) rather than rejecting a real incident over a cosmetic field.
const HTTP_URL = z.httpUrl();
// A URL is not repaired: one holding a character a queue message cannot carry, or absurdly long, is left out.
const httpLink = (url: string | null | undefined): string | undefined =>
  url && url.length <= 2000 && !holdsRefusedCharacter(url) && HTTP_URL.safeParse(url).success ? url : undefined;

/**
 * Parses and validates a PagerDuty v3 webhook body (call {@link verifyPagerDutySignature} first) and maps it:
 * `incident.triggered`/`incident.reopened` → `opened`, `incident.resolved` → `resolved`, others → `ignored`.
 * User emails come from `opts.emailFields`; when those yield none, addresses in `event.data.title` are used.
 * @throws ValidationError for invalid JSON, a body that is not a v3 webhook (message lists `path: problem`), or
 *   an opened/resolved event without `event.data.id`.
 */
export function normalisePagerDuty(rawBody: string, opts: PagerDutyNormaliseOptions): IncidentEvent {
  const json = parseJsonBody(rawBody, 'PagerDuty webhook body');
  const { event } = parseWithSchema(PagerDutyWebhookSchema, json, 'PagerDuty webhook');
  const { data } = event;
  const action = ACTIONS[event.event_type] ?? 'ignored';
  if (action !== 'ignored' && !data.id) {
    throw new ValidationError('invalid PagerDuty webhook: event.data.id: required for incident events');
  }
  // Ids are keys (dedupe, ledger, session name): one holding a character a queue message cannot carry is refused.
  const eventId = requiredId(event.id, 'invalid PagerDuty webhook: event.id');
  const incidentId = data.id ? requiredId(data.id, 'invalid PagerDuty webhook: event.data.id') : '';
  // No timestamp is signed in the header, so the signed occurred_at is what bounds replays (see ingestIncident).
  if (action !== 'ignored' && (!event.occurred_at || Number.isNaN(Date.parse(event.occurred_at)))) {
    throw new ValidationError('invalid PagerDuty webhook: event.occurred_at: a date is required for incident events');
  }

  // Every address found; ingestIncident keeps the first MAX_USER_EMAILS and says how many it left out.
  let userEmails = emailsAtPaths(data, opts.emailFields);
  if (userEmails.length === 0 && data.title) userEmails = extractEmails(data.title);

  const normalised: IncidentEvent = {
    source: 'pagerduty',
    eventId,
    incidentId,
    action,
    eventType: optionalText(event.event_type, 100) ?? 'unknown',
    userEmails,
  };
  // Optional fields are only set when present, so the event serialises without `undefined` noise. Free text is
  // bounded and cleaned of characters a queue message cannot carry (shared/validation/sqsText.ts).
  const service = optionalText(data.service?.summary, MAX_SERVICE_CHARS);
  if (service) normalised.service = service;
  const title = optionalText(data.title, MAX_TITLE_CHARS);
  if (title) normalised.title = title;
  const link = httpLink(data.html_url);
  if (link) normalised.link = link;
  if (event.occurred_at) normalised.occurredAt = event.occurred_at;
  // The incident's priority (P1…) when the account uses priorities, else its urgency (high/low).
  const priority = optionalText(data.priority?.summary ?? data.urgency, 40);
  if (priority) normalised.priority = priority;
  return normalised;
}

/** PagerDuty v3 webhook subscriptions, as a registry entry (section `pagerduty`: the signing secrets). */
export const pagerDutySource = defineSource({
  name: 'pagerduty',
  section: 'pagerduty',
  authenticate: (req, secrets) =>
    verifyPagerDutySignature(req.rawBody, headerValue(req.headers, PAGERDUTY_SIGNATURE_HEADER), secrets),
  normalise: (req, opts) => normalisePagerDuty(req.rawBody, { emailFields: opts.emailFields }),
});
