/**
 * Rootly incident webhooks.
 *
 * Authentication: `X-Rootly-Signature: t=<unix seconds>,v1=<hex>`, the hex HMAC-SHA256 keyed with the webhook's
 * secret over the timestamp text immediately followed by the raw body (no separator: `<t><body>`), as Rootly's
 * verification examples compute it. The timestamp must be within 300 s of our clock: the replay bound. The
 * `rootly` section of the webhooks secret holds one secret, or two during a rotation.
 *
 * Body: `{ "event": { "id", "type", "issued_at" }, "data": { …the incident… } }`.
 *
 * Routing: a delivery about a scheduled incident (a maintenance: the `incident.scheduled.*` events, or any event
 * of an incident whose `data.kind` is `scheduled`) is not an incident: it declares a maintenance window and goes to
 * the policy queue (shared/windows/rootly.ts, the source's `maintenance`). Everything else is an incident:
 *
 * Mapping: `incident.created` → opened; `incident.resolved` and `incident.cancelled` → resolved; others (updated,
 * mitigated, post-mortems, alerts) ignored. Incident id: `data.id` (what the
 * Rootly API takes). Dedupe id: `event.id`. User: `user:<email>` labels (Rootly labels as strings, or a
 * `{key, value}` / map form with key `user` or `affected_user`), then addresses in the title and summary. Which
 * incident fields Rootly sends beyond `id`, `title` and `url` could not be confirmed here. Title:
 * `#<sequential_id> <title>`. Service: the first of `data.services[].name`. Priority: the severity's name.
 */
import * as z from 'zod/mini';
import { UnauthorizedError } from '../errors.js';
import { parseJsonBody, parseWithSchema } from '../validation/parse.js';
import { parseRootlyMaintenance } from '../windows/rootly.js';
import {
  assertFreshTimestamp,
  assertSecrets,
  headerValue,
  hmacSha256,
  safeEqualAny,
  SHA256_HEX,
} from '../webhooks/hmac.js';
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

export const ROOTLY_SIGNATURE_HEADER = 'x-rootly-signature';

/** The `X-Rootly-Signature` value for `rawBody` at `timestamp`: for local tooling and tests. */
export function signRootlyPayload(rawBody: string, secret: string, timestamp: number | string): string {
  return `t=${timestamp},v1=${hmacSha256(secret, `${timestamp}${rawBody}`).toString('hex')}`;
}

/**
 * Verifies `X-Rootly-Signature` over the raw body against any of `secrets`.
 * @throws UnauthorizedError (the generic message) for a missing or malformed header, a stale timestamp or a
 *   signature that matches no secret; ConfigError for an empty secret list.
 */
export function verifyRootlySignature(
  rawBody: string,
  header: string | undefined,
  secrets: readonly string[],
  nowSec: number = Date.now() / 1000,
): void {
  assertSecrets(secrets, 'Rootly');
  const parts = new Map<string, string>();
  for (const part of (header ?? '').split(',').slice(0, 8)) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const timestamp = parts.get('t');
  assertFreshTimestamp(timestamp, nowSec);
  const hex = parts.get('v1') ?? '';
  if (!SHA256_HEX.test(hex)) throw new UnauthorizedError();
  const signed = `${timestamp}${rawBody}`;
  if (
    !safeEqualAny(
      secrets.map((s) => hmacSha256(s, signed)),
      [Buffer.from(hex, 'hex')],
    )
  ) {
    throw new UnauthorizedError();
  }
}

const named = z.union([z.string(), z.looseObject({ name: z.optional(z.nullable(z.string())) })]);
const RootlyWebhookSchema = z.looseObject({
  event: z.looseObject({
    id: z.string().check(z.minLength(1)),
    type: z.string().check(z.minLength(1), z.maxLength(200)),
    issued_at: z.optional(z.nullable(z.string())),
  }),
  data: z.looseObject({
    id: z.optional(z.nullable(z.string())),
    sequential_id: z.optional(z.nullable(z.union([z.string(), z.number()]))),
    title: z.optional(z.nullable(z.string())),
    summary: z.optional(z.nullable(z.string())),
    url: z.optional(z.nullable(z.string())),
    severity: z.optional(z.nullable(named)),
    services: z.optional(z.nullable(z.array(z.unknown()))),
    labels: z.optional(z.nullable(z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]))),
  }),
});

const ACTIONS: Readonly<Record<string, IncidentAction>> = {
  'incident.created': 'opened',
  'incident.resolved': 'resolved',
  'incident.cancelled': 'resolved',
};
const USER_LABEL_KEYS = new Set(['user', 'affected_user']);
const HTTP_URL = z.httpUrl();

/** Emails in Rootly labels: `"user:<email>"` strings, `{key, value}` pairs or a `{key: value}` map. */
function labelEmails(labels: unknown): string[] {
  if (labels !== null && typeof labels === 'object' && !Array.isArray(labels)) {
    const map = labels as Record<string, unknown>;
    return Object.keys(map)
      .slice(0, 100)
      .flatMap((k) => (USER_LABEL_KEYS.has(k.toLowerCase()) ? extractEmails(map[k]) : []));
  }
  const list = boundedList(labels);
  const pairs = list.flatMap((l) => {
    const p = l as { key?: unknown; value?: unknown } | null;
    return typeof p?.key === 'string' && USER_LABEL_KEYS.has(p.key.toLowerCase()) ? extractEmails(p.value) : [];
  });
  return [...emailsFromUserTags(list), ...pairs];
}

/** Parses a Rootly webhook body (verify first); see the module comment for the mapping. */
export function normaliseRootly(rawBody: string): IncidentEvent {
  const json = parseJsonBody(rawBody, 'Rootly webhook body');
  const { event: ev, data } = parseWithSchema(RootlyWebhookSchema, json, 'Rootly webhook');
  const action = ACTIONS[ev.type] ?? 'ignored';
  const event: IncidentEvent = {
    source: 'rootly',
    eventId: requiredId(ev.id, 'invalid Rootly webhook: event.id'),
    incidentId: action === 'ignored' && !data.id ? '' : requiredId(data.id, 'invalid Rootly webhook: data.id'),
    action,
    eventType: ev.type,
    userEmails: distinctEmails(
      labelEmails(data.labels),
      extractEmails(data.title ?? undefined),
      extractEmails(data.summary ?? undefined),
    ),
  };
  const seq = optionalText(data.sequential_id, 20);
  const title = [seq && `#${seq}`, optionalText(data.title, MAX_TITLE_CHARS)].filter(Boolean).join(' ');
  if (title) event.title = optionalText(title, MAX_TITLE_CHARS);
  const firstService = boundedList(data.services)[0] as { name?: unknown } | undefined;
  const service = optionalText(firstService?.name, MAX_SERVICE_CHARS);
  if (service) event.service = service;
  const severity = typeof data.severity === 'string' ? data.severity : data.severity?.name;
  const priority = optionalText(severity, 40);
  if (priority) event.priority = priority;
  if (data.url && HTTP_URL.safeParse(data.url).success) event.link = data.url;
  const at = vendorTime(ev.issued_at);
  if (at) event.occurredAt = at;
  return event;
}

/**
 * Rootly incidents, as a registry entry (section `rootly`: the webhook secrets); its scheduled incidents take the
 * maintenance path, after the same signature check.
 */
export const rootlySource = defineSource({
  name: 'rootly',
  section: 'rootly',
  authenticate: (req, secrets, nowSec) =>
    verifyRootlySignature(req.rawBody, headerValue(req.headers, ROOTLY_SIGNATURE_HEADER), secrets, nowSec),
  normalise: (req) => normaliseRootly(req.rawBody),
  maintenance: (req) => parseRootlyMaintenance(req.rawBody),
});
